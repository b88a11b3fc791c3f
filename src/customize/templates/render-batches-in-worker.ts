import { Worker } from 'node:worker_threads'
import { InfrastructureError } from '../../core/errors.js'
import {
  snapshotOfServing,
  type RenderBatchInput,
  type RenderedItem,
  type ServingSnapshot,
} from './render-batch.js'
import type { RecommendationServing } from './template-context.js'
import type { TemplateDefinition } from './template-definition.js'
import type { TemplateSettings } from './template-settings.js'
import { startModuleWorker } from '../../core/start-module-worker.js'

/** What the database thread sends the render thread (in order). */
export type RenderThreadRequest =
  | {
      readonly type: 'template'
      readonly key: string
      readonly name: string
      readonly templates: readonly TemplateDefinition[]
      readonly settings: TemplateSettings
      readonly signing: LinkSigning
    }
  | { readonly type: 'serving'; readonly snapshot: ServingSnapshot }
  | {
      readonly type: 'render'
      readonly id: number
      readonly templateKey: string
      /** Null: the template shows no recommendation lists. */
      readonly servingVersion: string | null
      readonly input: RenderBatchInput
    }

export type RenderThreadReply =
  | { readonly type: 'rendered'; readonly id: number; readonly items: RenderedItem[] }
  | { readonly type: 'failed'; readonly id: number; readonly message: string }

/** A message template as the render thread compiles it: the stored set it belongs to. */
export interface RenderThreadTemplate {
  /** Names this version of the template set (the thread compiles each key once). */
  readonly key: string
  readonly name: string
  readonly templates: readonly TemplateDefinition[]
  readonly settings: TemplateSettings
  /** How the messages' links are signed (createMessageLinks' base URL and secret). */
  readonly signing: LinkSigning
}

export interface LinkSigning {
  readonly baseUrl: string
  readonly secret: string
}

/**
 * Renders chunks of messages (renderBatchItems) on a second thread, so that the campaign worker
 * reads and writes the database while the previous chunk's recommendation lists and Liquid
 * renders are computed. The thread is started on first use and kept (it does not keep the
 * process alive while idle); one that dies fails the requests it held (retryable) and is
 * replaced on the next one, so a send never waits on a dead thread.
 */
interface Waiting {
  readonly resolve: (items: RenderedItem[]) => void
  readonly reject: (e: Error) => void
}

/** A started thread and what it holds: the requests it owes and what it was sent. */
interface Live {
  readonly worker: Worker
  readonly pending: Map<number, Waiting>
  readonly sentTemplates: Set<string>
  sentServing: string | null
}

export class RenderThread {
  private live: Live | null = null
  private nextId = 1

  /** Starts the thread now (it takes a moment to load), so the first render does not wait. */
  warm(): void {
    this.current()
  }

  render(
    template: RenderThreadTemplate,
    serving: RecommendationServing | null,
    input: RenderBatchInput,
  ): Promise<RenderedItem[]> {
    const live = this.current()
    const { worker, pending } = live
    const id = this.nextId++
    const result = new Promise<RenderedItem[]>((resolve, reject) => {
      pending.set(id, { resolve, reject })
    })
    if (pending.size === 1) worker.ref()
    try {
      if (!live.sentTemplates.has(template.key)) {
        post(worker, {
          type: 'template',
          key: template.key,
          name: template.name,
          templates: template.templates,
          settings: template.settings,
          signing: template.signing,
        })
        live.sentTemplates.add(template.key)
      }
      if (serving !== null && live.sentServing !== serving.version) {
        post(worker, { type: 'serving', snapshot: snapshotOfServing(serving) })
        live.sentServing = serving.version
      }
      post(worker, {
        type: 'render',
        id,
        templateKey: template.key,
        servingVersion: serving?.version ?? null,
        input,
      })
    } catch (error) {
      // Not clonable: the request was not sent.
      pending.get(id)?.reject(error instanceof Error ? error : new Error(String(error)))
      settle(live, id)
    }
    return result
  }

  /** Stops the thread; requests it still holds fail. */
  async close(): Promise<void> {
    const live = this.live
    this.live = null
    if (live !== null) await live.worker.terminate()
  }

  private current(): Live {
    if (this.live !== null) return this.live
    const worker = startWorker()
    worker.unref()
    const live: Live = { worker, pending: new Map(), sentTemplates: new Set(), sentServing: null }
    this.live = live
    worker.on('message', (reply: RenderThreadReply) => {
      const waiting = live.pending.get(reply.id)
      if (waiting === undefined) return
      settle(live, reply.id)
      if (reply.type === 'rendered') waiting.resolve(reply.items)
      else {
        waiting.reject(
          new InfrastructureError('render_failed', `render thread: ${reply.message}`, {
            retryable: true,
          }),
        )
      }
    })
    const fail = (why: string, cause?: unknown): void => {
      if (this.live === live) this.live = null
      void worker.terminate()
      const error = new InfrastructureError('render_thread_died', `render thread ${why}`, {
        retryable: true,
        ...(cause === undefined ? {} : { cause }),
      })
      for (const [id, waiting] of live.pending) {
        live.pending.delete(id)
        waiting.reject(error)
      }
    }
    worker.on('error', (error) => {
      fail(`failed: ${error.message}`, error)
    })
    worker.on('messageerror', (error) => {
      fail(`could not read a reply: ${error.message}`, error)
    })
    worker.on('exit', (code) => {
      fail(`stopped (exit code ${code})`)
    })
    return live
  }
}

function post(worker: Worker, request: RenderThreadRequest): void {
  worker.postMessage(request)
}

function settle(live: Live, id: number): void {
  live.pending.delete(id)
  if (live.pending.size === 0) live.worker.unref()
}

function startWorker(): Worker {
  return startModuleWorker(import.meta.url, 'render-batch.worker')
}
