import { closeChannels } from '../interact/channel.js'
import { buildInteractDeps } from '../interact/interact-deps.js'
import type { InteractDeps } from '../interact/send-message.js'
import type { AppDeps } from './app-deps.js'

const built = new WeakMap<AppDeps, Promise<InteractDeps>>()

/**
 * Interact's deps for the API, built on first use (the signing secret may have to be read from
 * or created in the database) and then shared by every route module and request of one app.
 */
export function interactServices(deps: AppDeps): () => Promise<InteractDeps> {
  return () => {
    let services = built.get(deps)
    if (services === undefined) {
      services = buildInteractDeps(deps.store, deps.clock, deps.config, {
        channels: deps.channels,
        policy: deps.contactPolicy,
      })
      services.catch(() => built.delete(deps))
      built.set(deps, services)
    }
    return services
  }
}

/** Releases the connections of channels the app built itself (injected ones stay open). */
export async function closeInteractServices(deps: AppDeps): Promise<void> {
  const services = built.get(deps)
  built.delete(deps)
  if (services === undefined || deps.channels !== undefined) return
  const resolved = await services.catch(() => null)
  if (resolved !== null) await closeChannels(resolved.channels)
}
