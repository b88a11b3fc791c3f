import { buildInteractDeps } from '../interact/interact-deps.js'
import type { InteractDeps } from '../interact/send-message.js'
import type { AppDeps } from './app-deps.js'

/**
 * Interact's deps for the API, built on first use (the signing secret may have to be read from
 * or created in the database) and then shared by every request.
 */
export function interactServices(deps: AppDeps): () => Promise<InteractDeps> {
  let built: Promise<InteractDeps> | null = null
  return () => {
    built ??= buildInteractDeps(deps.store, deps.clock, deps.config, {
      channels: deps.channels,
      policy: deps.contactPolicy,
    }).catch((error: unknown) => {
      built = null
      throw error
    })
    return built
  }
}
