/** The channels idic can reach a customer on. */
export const CHANNELS = ['email', 'webhook', 'in_app'] as const
export type ChannelName = (typeof CHANNELS)[number]

export function isChannelName(value: string): value is ChannelName {
  return (CHANNELS as readonly string[]).includes(value)
}

/** One outbound message, ready for a channel. */
export interface OutboundEnvelope {
  readonly deliveryId: string
  readonly messageId: string
  readonly customerId: string
  /** Email address for email; ignored by the webhook and in-app channels. */
  readonly to: string | null
  readonly kind: string
  readonly topic: string | null
  readonly transactional: boolean
  readonly subject: string
  readonly text: string
  readonly html: string | null
  /** Extra headers (email) — List-Unsubscribe and List-Unsubscribe-Post among them. */
  readonly headers: Readonly<Record<string, string>>
}

/** One try at the far end, as recorded in the delivery history. */
export interface AttemptRecord {
  readonly at: number
  readonly ok: boolean
  readonly error: string | null
}

/**
 * What a channel made of a message. Failures are outcomes, not exceptions: the caller records
 * them on the delivery, so no message is lost to a thrown error.
 * - `sent`: handed to the next hop (an SMTP relay accepted it);
 * - `delivered`: the far end confirmed it (webhook 2xx, in-app inbox);
 * - `failed`: refused for good (SMTP 5xx, webhook 4xx, bad address);
 * - `dead`: a transient failure (SMTP 4xx, webhook 5xx, connection error, timeout) still failing
 *   after the channel's own quick retries (none for email). The caller holds the delivery for
 *   its later rounds (RetryPolicy) and dead-letters it after the last.
 */
export interface ChannelOutcome {
  readonly status: 'sent' | 'delivered' | 'failed' | 'dead'
  readonly attempts: readonly AttemptRecord[]
  readonly error: string | null
  /** Whatever the far end said: SMTP response, HTTP status. */
  readonly detail: string | null
}

export interface Channel {
  readonly name: ChannelName
  /**
   * True when `send` does no I/O of its own (the in-app inbox, whose entry is the message row):
   * a batch then hands messages over before storing them, and stores each in its final state
   * with the contact log in one transaction, instead of a queued record updated afterwards.
   */
  readonly immediate?: boolean
  send(envelope: OutboundEnvelope): Promise<ChannelOutcome>
  /** Releases connections (the SMTP pool); the channel is not used afterwards. */
  close?(): Promise<void>
}

/** Closes every channel of a set that holds connections. */
export async function closeChannels(channels: ChannelSet): Promise<void> {
  for (const channel of Object.values(channels)) await channel.close?.()
}

/** The channels a deployment has; a missing one makes sends on it fail with a clear reason. */
export type ChannelSet = Readonly<Partial<Record<ChannelName, Channel>>>
