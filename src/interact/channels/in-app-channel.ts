import type { Clock } from '../../core/clock.js'
import type { Channel, ChannelOutcome } from '../channel.js'

/**
 * The in-app inbox: the outbound message row is the inbox entry (read through
 * `GET /v1/customers/:identity/inbox`), so handing it over is immediate; reading marks it opened.
 */
export function createInAppChannel(clock: Clock): Channel {
  return {
    name: 'in_app',
    immediate: true,
    send(): Promise<ChannelOutcome> {
      const at = clock.now()
      return Promise.resolve({
        status: 'delivered',
        attempts: [{ at, ok: true, error: null }],
        error: null,
        detail: 'inbox',
      })
    },
  }
}
