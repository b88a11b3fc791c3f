import type { RouteContext, ZodApp } from '../app-deps.js'
import { interactServices } from '../interact-services.js'
import { registerManagerRoutes } from './managers.routes.js'
import { registerMessageRoutes } from './messages.routes.js'
import { registerPreferenceRoutes } from './preferences.routes.js'

/**
 * The Interact stage's routes: dialogue, sending, consents and inbox; the customer's own
 * token-authorized pages and links; customer managers. They share one set of channels, closed
 * with the app.
 */
export function registerInteractRoutes(app: ZodApp, context: RouteContext): void {
  const services = interactServices(context.deps)
  app.addHook('onClose', async () => {
    await services.close()
  })
  registerMessageRoutes(app, context, services)
  registerPreferenceRoutes(app, context, services)
  registerManagerRoutes(app, context)
}
