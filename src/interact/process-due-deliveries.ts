import type { ChannelName } from './channel.js'
import { decideContact, type PressureDecision } from './contact-pressure.js'
import { effectiveConsent, listConsents } from './consents.repository.js'
import { recordTransitions, toDelivery, type Delivery } from './deliveries.repository.js'
import { attemptDelivery, loadRecipient, recentContacts } from './attempt-delivery.js'
import type { InteractDeps } from './interact-deps.js'
import { getMessage } from './messages.repository.js'

/** Per-item report of a run over held deliveries. */
export interface DueDeliveryReport {
  readonly deliveryId: string
  readonly customerId: string
  readonly status: string
  readonly reason: string | null
}

/** A queued delivery untouched this long was orphaned (the process died mid-send). */
export const STALE_QUEUED_MS = 10 * 60_000

/**
 * Sends held deliveries whose time has come, re-checking consent (it may have been withdrawn
 * while the message waited) and contact pressure, and picks up deliveries left `queued` by a
 * process that died before handing them to the channel. Never throws halfway: each delivery's
 * outcome is reported, a failure included (status `error`, left for the next run).
 */
export async function processDueDeliveries(
  deps: InteractDeps,
  options: { readonly limit?: number } = {},
): Promise<readonly DueDeliveryReport[]> {
  const now = deps.clock.now()
  const rows = await deps.db
    .selectFrom('deliveries')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'held'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'queued'), eb('updated_at', '<=', now - STALE_QUEUED_MS)]),
      ]),
    )
    .orderBy('queued_at')
    .limit(options.limit ?? 500)
    .execute()
  const reports: DueDeliveryReport[] = []
  for (const row of rows) {
    const delivery = toDelivery(row)
    try {
      const { status, reason } = await processOne(deps, delivery, now)
      reports.push({ deliveryId: delivery.id, customerId: delivery.customerId, status, reason })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      reports.push({
        deliveryId: delivery.id,
        customerId: delivery.customerId,
        status: 'error',
        reason,
      })
    }
  }
  return reports
}

async function processOne(
  deps: InteractDeps,
  delivery: Delivery,
  now: number,
): Promise<{ readonly status: string; readonly reason: string | null }> {
  const message = await getMessage(deps.db, delivery.customerId, delivery.messageId)
  if (message === null) {
    await recordTransitions(deps.db, delivery, [
      { status: 'dropped', at: now, reason: 'message_missing' },
    ])
    return { status: 'dropped', reason: 'message_missing' }
  }
  const channel = message.channel as ChannelName
  if (message.kind === 'marketing' && message.topic !== null) {
    const consent = effectiveConsent(
      await listConsents(deps.db, delivery.customerId),
      channel,
      message.topic,
    )
    if (consent?.granted !== true) {
      await recordTransitions(
        deps.db,
        delivery,
        [{ status: 'dropped', at: now, reason: 'consent_withdrawn' }],
        { nextAttemptAt: null },
      )
      return { status: 'dropped', reason: 'consent_withdrawn' }
    }
  }
  const recipient = await loadRecipient(deps.db, delivery.customerId)
  const decision: PressureDecision =
    message.kind === 'marketing'
      ? decideContact(
          {
            nowMs: now,
            channel,
            contactTimes: await recentContacts(
              deps.db,
              delivery.customerId,
              channel,
              deps.policy,
              now,
            ),
            timeZone: recipient.timeZone,
          },
          deps.policy,
        )
      : { action: 'send' }
  if (decision.action === 'wait') {
    await recordTransitions(
      deps.db,
      delivery,
      [{ status: 'held', at: now, reason: decision.reason }],
      { holdReason: decision.reason, nextAttemptAt: decision.until },
    )
    return { status: 'held', reason: decision.reason }
  }
  if (decision.action === 'drop') {
    await recordTransitions(deps.db, delivery, [
      { status: 'dropped', at: now, reason: decision.reason },
    ])
    return { status: 'dropped', reason: decision.reason }
  }
  const done = await attemptDelivery(deps, message, delivery, recipient)
  return { status: done.status, reason: done.lastError }
}
