import { setTimeout as sleep } from 'node:timers/promises'
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
 * outcome is reported, a failure included (status `error`, picked up again as a stale queued
 * delivery). Safe to run in several processes at once: each delivery is claimed (moved to
 * `queued` if nobody changed it since it was read) before it is sent, and one claimed by
 * another run is skipped, so no message goes out twice.
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
    if (!(await claim(deps, row.status, row.updated_at, delivery, now))) continue
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

/** Takes a due delivery for this run, unless another run changed it since it was read. */
async function claim(
  deps: InteractDeps,
  status: string,
  updatedAt: number,
  delivery: Delivery,
  now: number,
): Promise<boolean> {
  const result = await deps.db
    .updateTable('deliveries')
    .set({ status: 'queued', updated_at: now })
    .where('customer_id', '=', delivery.customerId)
    .where('id', '=', delivery.id)
    .where('status', '=', status)
    .where('updated_at', '=', updatedAt)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Runs processDueDeliveries every `everyMs` until `signal` aborts (a worker: `idic deliveries
 * process --watch`); each round's report goes to `onRound`. A round that fails as a whole (the
 * database is away) is reported through `onError` and the next round tries again.
 */
export async function watchDueDeliveries(
  deps: InteractDeps,
  options: {
    readonly everyMs: number
    readonly signal: AbortSignal
    readonly limit?: number
    readonly onRound: (reports: readonly DueDeliveryReport[]) => void
    readonly onError: (error: unknown) => void
  },
): Promise<void> {
  while (!options.signal.aborted) {
    try {
      options.onRound(
        await processDueDeliveries(
          deps,
          options.limit === undefined ? {} : { limit: options.limit },
        ),
      )
    } catch (error) {
      options.onError(error)
    }
    await sleep(options.everyMs, undefined, { signal: options.signal }).catch(() => undefined)
  }
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
