import { parentPort } from 'node:worker_threads'
import { createTemplateSet } from './liquid-engine.js'
import { renderBatchItems, servingFromSnapshot } from './render-batch.js'
import { createMessageLinks } from '../../interact/message-links.js'
import type {
  LinkSigning,
  RenderThreadReply,
  RenderThreadRequest,
} from './render-batches-in-worker.js'
import { compileMessageTemplate, type CompiledMessage } from './render-message.js'
import type { RecommendationServing } from './template-context.js'
import { formatProblem } from './template-problems.js'
import type { TemplateSettings } from './template-settings.js'

// The render thread: keeps the compiled templates and the latest serving it was sent, and
// renders each chunk it is asked for, in order. Anything thrown answers that request only.
if (parentPort === null) throw new Error('render-batch.worker runs as a worker thread')
const port = parentPort

const templates = new Map<
  string,
  | {
      readonly compiled: CompiledMessage
      readonly settings: TemplateSettings
      readonly signing: LinkSigning
    }
  | string
>()
let serving: RecommendationServing | null = null

port.on('message', (request: RenderThreadRequest) => {
  switch (request.type) {
    case 'template': {
      const target = request.templates.find((t) => t.name === request.name)
      if (target === undefined) {
        templates.set(request.key, `no template "${request.name}"`)
        return
      }
      const compiled = compileMessageTemplate(
        createTemplateSet(request.templates, request.settings),
        target,
      )
      templates.set(
        request.key,
        compiled.ok
          ? { compiled: compiled.value, settings: request.settings, signing: request.signing }
          : compiled.error.problems.map((p) => formatProblem(p, request.name)).join('; '),
      )
      return
    }
    case 'serving':
      serving = servingFromSnapshot(request.snapshot)
      return
    case 'render': {
      let reply: RenderThreadReply
      try {
        const template = templates.get(request.templateKey)
        if (template === undefined) throw new Error(`template ${request.templateKey} not sent`)
        if (typeof template === 'string') throw new Error(template)
        if (request.servingVersion !== null && serving?.version !== request.servingVersion) {
          throw new Error(`serving ${request.servingVersion} not sent`)
        }
        // Links are signed as of the time the batch was read, as the database thread would.
        const now = request.input.now
        const links = createMessageLinks(template.signing.baseUrl, template.signing.secret, {
          now: () => now,
        })
        const items = renderBatchItems(
          template.compiled,
          request.servingVersion === null ? null : serving,
          request.input,
          template.settings,
          links,
        )
        reply = { type: 'rendered', id: request.id, items }
      } catch (error) {
        reply = {
          type: 'failed',
          id: request.id,
          message: error instanceof Error ? error.message : String(error),
        }
      }
      port.postMessage(reply)
      return
    }
  }
})
