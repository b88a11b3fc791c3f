import { closeChannels } from '../interact/channel.js'
import { buildInteractDeps } from '../interact/interact-deps.js'
import type { InteractDeps } from '../interact/interact-deps.js'
import type { AppDeps } from './app-deps.js'

/** Interact's deps, built on first use and shared by the Interact route modules of one app. */
export interface InteractServices {
  readonly get: () => Promise<InteractDeps>
  /** Releases the connections of channels the app built itself (injected ones stay open). */
  readonly close: () => Promise<void>
}

/**
 * Builds lazily because the signing secret may have to be read from or created in the
 * database, which route registration (synchronous) cannot wait for.
 */
export function interactServices(deps: AppDeps): InteractServices {
  let built: Promise<InteractDeps> | null = null
  return {
    get: () => {
      built ??= buildInteractDeps(deps.store, deps.clock, deps.config, {
        channels: deps.channels,
        policy: deps.contactPolicy,
      }).catch((error: unknown) => {
        built = null
        throw error
      })
      return built
    },
    close: async () => {
      const services = built
      built = null
      if (services === null || deps.channels !== undefined) return
      const resolved = await services.catch(() => null)
      if (resolved !== null) await closeChannels(resolved.channels)
    },
  }
}
