/**
 * Tables of the Interact stage: consent, dialogue and outbound messages, delivery records,
 * contact pressure, erasure suppressions, customer managers and their tasks. Times are epoch ms;
 * JSON is stored as text.
 */

/** One customer's consent for one channel and topic (`*` means every topic of the channel). */
export interface ConsentsTable {
  customer_id: string
  channel: string
  topic: string
  /** 1 granted, 0 withdrawn. */
  granted: number
  /** Where the answer came from: api, preference_page, one_click_unsubscribe, import, event… */
  source: string
  updated_at: number
}

/** Inbound and outbound messages; all messages of one customer form their conversation thread. */
export interface MessagesTable {
  id: string
  customer_id: string
  /** inbound | outbound */
  direction: string
  /** email | webhook | in_app | api | event */
  channel: string
  /** question, reply, complaint, praise, rating, like, skip, answer, marketing, transactional */
  kind: string
  /** For questions and complaints: open | answered | closed; null for everything else. */
  status: string | null
  /** The manager who owns an open question or complaint. */
  owner_manager_id: string | null
  /** Outbound: the consent topic it was sent under (marketing) or null. */
  topic: string | null
  subject: string | null
  body: string
  /** JSON: rating, product_id and anything else the message carried. */
  data: string
  /** The message this one answers or replies to. */
  in_reply_to: string | null
  /** Caller's key for retries; unique per customer. */
  idempotency_key: string
  /** In-app inbox: when the customer read it. */
  read_at: number | null
  created_at: number
  updated_at: number
}

/** One attempt to carry an outbound message over a channel, with its status history. */
export interface DeliveriesTable {
  id: string
  customer_id: string
  message_id: string
  channel: string
  /** queued | held | sent | delivered | failed | dead | dropped | opened | clicked | converted */
  status: string
  /** The address used: email address, webhook URL, or `inbox`. */
  address: string | null
  attempts: number
  /** Why a message waits or was dropped: frequency_cap | quiet_hours | retry (channel down). */
  hold_reason: string | null
  /** For held and retried deliveries: when to try next. */
  next_attempt_at: number | null
  last_error: string | null
  /** JSON array of { status, at, error? }: every transition, oldest first. */
  history: string
  queued_at: number
  sent_at: number | null
  delivered_at: number | null
  failed_at: number | null
  opened_at: number | null
  clicked_at: number | null
  updated_at: number
  /** When an order was credited to this (marketing) delivery: the order's time. */
  converted_at: number | null
  /** The credited order (attribution window after the send). */
  conversion_order_id: string | null
  conversion_revenue: number | null
  conversion_currency: string | null
}

/** Each contact made, for frequency caps. */
export interface ContactLogTable {
  customer_id: string
  channel: string
  message_id: string
  contacted_at: number
}

/** Hashed identities of erased customers, so late SDK retries do not re-create them. */
export interface SuppressionsTable {
  identity_hash: string
  created_at: number
}

export interface ManagersTable {
  id: string
  name: string
  email: string | null
  /** Most customers this manager should own; null for no limit. */
  capacity: number | null
  active: number
  created_at: number
}

/** Something a manager should do about one customer, raised by a rule. */
export interface TasksTable {
  id: string
  customer_id: string
  manager_id: string | null
  /** palive_drop | negative_feedback | unanswered_question */
  rule: string
  /** open | done | dismissed */
  status: string
  reason: string
  /** What raised it (a message id, a date); unique per customer and rule so reruns do not repeat. */
  dedupe_key: string
  due_at: number
  created_at: number
  updated_at: number
}
