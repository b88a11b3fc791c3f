import type { Kysely } from 'kysely'
import type { Database } from '../store/database.js'
import type { DeliveriesTable } from '../store/tables/interact.table.js'

export const DELIVERY_STATUSES = [
  'queued',
  'held',
  'sent',
  'delivered',
  'failed',
  'dead',
  'dropped',
  'opened',
  'clicked',
  'converted',
] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

export interface DeliveryTransition {
  readonly status: DeliveryStatus | 'attempt_failed'
  readonly at: number
  readonly error?: string
  readonly reason?: string
  /** `converted`: the credited order and its revenue. */
  readonly orderId?: string
  readonly revenue?: number
  readonly currency?: string
}

/** The order a marketing delivery is credited with (see attributeConversions). */
export interface Conversion {
  readonly at: number
  readonly orderId: string
  readonly revenue: number
  readonly currency: string
}

export interface Delivery {
  readonly id: string
  readonly customerId: string
  readonly messageId: string
  readonly channel: string
  readonly status: string
  readonly address: string | null
  readonly attempts: number
  readonly holdReason: string | null
  readonly nextAttemptAt: number | null
  readonly lastError: string | null
  readonly history: readonly DeliveryTransition[]
  readonly queuedAt: number
  readonly sentAt: number | null
  readonly deliveredAt: number | null
  readonly failedAt: number | null
  readonly openedAt: number | null
  readonly clickedAt: number | null
  readonly conversion: Conversion | null
}

type TimeColumn =
  'sent_at' | 'delivered_at' | 'failed_at' | 'opened_at' | 'clicked_at' | 'converted_at'

const TIME_COLUMN: Partial<Record<DeliveryStatus, TimeColumn>> = {
  sent: 'sent_at',
  delivered: 'delivered_at',
  failed: 'failed_at',
  dead: 'failed_at',
  opened: 'opened_at',
  clicked: 'clicked_at',
  converted: 'converted_at',
}

/**
 * Opened, clicked and converted come after delivery, in that order; a later engagement never
 * moves a delivery back (an open recorded after the conversion keeps it converted).
 */
const ENGAGEMENT: readonly string[] = ['opened', 'clicked', 'converted']

export function toDelivery(row: DeliveriesTable): Delivery {
  return {
    id: row.id,
    customerId: row.customer_id,
    messageId: row.message_id,
    channel: row.channel,
    status: row.status,
    address: row.address,
    attempts: row.attempts,
    holdReason: row.hold_reason,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    history: JSON.parse(row.history) as DeliveryTransition[],
    queuedAt: row.queued_at,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    failedAt: row.failed_at,
    openedAt: row.opened_at,
    clickedAt: row.clicked_at,
    conversion:
      row.converted_at === null || row.conversion_order_id === null
        ? null
        : {
            at: row.converted_at,
            orderId: row.conversion_order_id,
            revenue: row.conversion_revenue ?? 0,
            currency: row.conversion_currency ?? '',
          },
  }
}

export async function getDelivery(
  db: Kysely<Database>,
  customerId: string,
  deliveryId: string,
): Promise<Delivery | null> {
  const row = await db
    .selectFrom('deliveries')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('id', '=', deliveryId)
    .executeTakeFirst()
  return row === undefined ? null : toDelivery(row)
}

export async function listDeliveries(
  db: Kysely<Database>,
  customerId: string,
  messageId?: string,
): Promise<readonly Delivery[]> {
  let query = db.selectFrom('deliveries').selectAll().where('customer_id', '=', customerId)
  if (messageId !== undefined) query = query.where('message_id', '=', messageId)
  const rows = await query.orderBy('queued_at').execute()
  return rows.map(toDelivery)
}

export interface TransitionPatch {
  readonly attempts?: number
  readonly holdReason?: string | null
  readonly nextAttemptAt?: number | null
  readonly lastError?: string | null
  readonly address?: string | null
}

/**
 * The columns a set of transitions changes on a delivery (pure): the history with the
 * transitions appended, the last one's status, each status's timestamp once (the first open
 * stays the open time), and the patch. An engagement (opened, clicked) on a delivery that is
 * already further along records the time without changing the status. Null when there is no
 * transition.
 */
export function transitionUpdate(
  delivery: Delivery,
  transitions: readonly DeliveryTransition[],
  patch: TransitionPatch = {},
): Partial<DeliveriesTable> | null {
  const last = transitions[transitions.length - 1]
  if (last === undefined) return null
  const history = [...delivery.history, ...transitions]
  const update: Partial<DeliveriesTable> = {
    history: JSON.stringify(history),
    updated_at: last.at,
  }
  for (const t of transitions) {
    if (t.status === 'attempt_failed') continue
    const column = TIME_COLUMN[t.status]
    if (column !== undefined && timeOf(delivery, column) === null) update[column] = t.at
  }
  if (last.status !== 'attempt_failed') {
    const keepStatus =
      ENGAGEMENT.includes(last.status) &&
      ENGAGEMENT.indexOf(delivery.status) >= ENGAGEMENT.indexOf(last.status)
    if (!keepStatus) update.status = last.status
  }
  if (patch.attempts !== undefined) update.attempts = patch.attempts
  if (patch.holdReason !== undefined) update.hold_reason = patch.holdReason
  if (patch.nextAttemptAt !== undefined) update.next_attempt_at = patch.nextAttemptAt
  if (patch.lastError !== undefined) update.last_error = patch.lastError
  if (patch.address !== undefined) update.address = patch.address
  return update
}

/**
 * Appends transitions to a delivery's history and moves it to the last one's status, as
 * `transitionUpdate` says, and returns the stored delivery.
 */
export async function recordTransitions(
  db: Kysely<Database>,
  delivery: Delivery,
  transitions: readonly DeliveryTransition[],
  patch: TransitionPatch = {},
): Promise<Delivery> {
  const update = transitionUpdate(delivery, transitions, patch)
  if (update === null) return delivery
  await db
    .updateTable('deliveries')
    .set(update)
    .where('customer_id', '=', delivery.customerId)
    .where('id', '=', delivery.id)
    .execute()
  const row = await db
    .selectFrom('deliveries')
    .selectAll()
    .where('customer_id', '=', delivery.customerId)
    .where('id', '=', delivery.id)
    .executeTakeFirstOrThrow()
  return toDelivery(row)
}

type TimeField = 'sentAt' | 'deliveredAt' | 'failedAt' | 'openedAt' | 'clickedAt'

function timeOf(delivery: Delivery, column: TimeColumn): number | null {
  return column === 'converted_at' ? (delivery.conversion?.at ?? null) : delivery[camel(column)]
}

function camel(column: Exclude<TimeColumn, 'converted_at'>): TimeField {
  switch (column) {
    case 'sent_at':
      return 'sentAt'
    case 'delivered_at':
      return 'deliveredAt'
    case 'failed_at':
      return 'failedAt'
    case 'opened_at':
      return 'openedAt'
    case 'clicked_at':
      return 'clickedAt'
  }
}
