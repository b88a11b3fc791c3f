import type { ChannelName } from './channel.js'
import type { Delivery } from './deliveries.repository.js'
import type { Message, OutboundKind } from './messages.repository.js'

export interface SendRequest {
  /** Customer id, userId, email or anonymousId. */
  readonly identity: string
  readonly channel: ChannelName
  readonly kind: OutboundKind
  /** Consent topic; required for marketing. */
  readonly topic?: string | null | undefined
  readonly subject: string
  readonly body: string
  readonly html?: string | null | undefined
  /** Repeating a send with the same key returns the first one instead of sending twice. */
  readonly idempotencyKey?: string | undefined
  readonly inReplyTo?: string | null | undefined
}

/** Why nothing was sent (and nothing recorded): the caller is told at once. */
export type SendError =
  | { readonly type: 'unknown_customer'; readonly identity: string }
  | { readonly type: 'missing_topic' }
  | { readonly type: 'no_consent'; readonly channel: string; readonly topic: string }
  | { readonly type: 'no_address'; readonly channel: string }
  | { readonly type: 'invalid_address'; readonly address: string }
  | { readonly type: 'channel_unavailable'; readonly channel: string }

export interface SendOutcome {
  readonly message: Message
  readonly delivery: Delivery
  /** True when the idempotency key named an earlier send; nothing new was sent. */
  readonly duplicate: boolean
}
