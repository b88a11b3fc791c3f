import type { Result } from '../core/result.js'
import type { InteractDeps } from './interact-deps.js'
import { sendMessages } from './send-messages.js'
import type { SendError, SendOutcome, SendRequest } from './send-request.js'

/**
 * Sends one message to one customer through one channel, and records it: the message in the
 * customer's thread and a delivery whose history shows every status it went through.
 *
 * Marketing goes out only with consent for the channel and topic; transactional messages and
 * answers are marked as such and skip consent, caps and quiet hours. A marketing message over a
 * frequency cap or inside the customer's quiet hours is held until the window reopens, or
 * dropped, by policy; the delivery says which and why. Channel failures (SMTP refusal, webhook
 * 500, timeout) are recorded as failed or dead deliveries, never thrown.
 *
 * A batch of one: `sendMessages` sends many with the same rules and a few statements per batch.
 */
export async function sendMessage(
  deps: InteractDeps,
  request: SendRequest,
): Promise<Result<SendOutcome, SendError>> {
  const [result] = await sendMessages(deps, [request])
  if (result === undefined) throw new Error('sendMessages lost its only request')
  return result
}
