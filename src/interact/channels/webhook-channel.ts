import { createHmac } from 'node:crypto'
import type { Clock } from '../../core/clock.js'
import type { AttemptRecord, Channel, ChannelOutcome, OutboundEnvelope } from '../channel.js'

export interface WebhookChannelOptions {
  readonly url: string
  /** Key for the HMAC-SHA256 signature the receiver checks. */
  readonly secret: string
  readonly clock: Clock
  /** Waits between attempts; injected so tests do not wait. */
  readonly sleep: (ms: number) => Promise<void>
  /** Attempts before the message is dead-lettered. Default 5. */
  readonly maxAttempts?: number
  /** First backoff; doubled after each failure. Default 1000 ms. */
  readonly baseDelayMs?: number
  /** Time allowed for one request. Default 10 s. */
  readonly timeoutMs?: number
}

export const SIGNATURE_HEADER = 'x-idic-signature'
export const TIMESTAMP_HEADER = 'x-idic-timestamp'

/**
 * The signature a receiver recomputes: `v1=` + hex HMAC-SHA256 over `timestamp.body`, with the
 * timestamp in seconds. Binding the timestamp lets receivers refuse replays older than a window.
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')
  return `v1=${mac}`
}

/** Backoff before attempt `attempt + 1` (attempt counts from 1): base, 2·base, 4·base, … */
export function backoffDelay(baseDelayMs: number, attempt: number): number {
  return baseDelayMs * 2 ** (attempt - 1)
}

/**
 * Webhook POST of each message as JSON, signed, retried with exponential backoff on network
 * errors, timeouts, 429 and 5xx; a 4xx other than 408/429 fails at once (the receiver refused
 * it); after `maxAttempts` the delivery is dead-lettered.
 */
export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  const maxAttempts = options.maxAttempts ?? 5
  const baseDelay = options.baseDelayMs ?? 1000
  const timeout = options.timeoutMs ?? 10_000
  return {
    name: 'webhook',
    async send(envelope: OutboundEnvelope): Promise<ChannelOutcome> {
      const body = JSON.stringify({
        id: envelope.deliveryId,
        messageId: envelope.messageId,
        customerId: envelope.customerId,
        kind: envelope.kind,
        topic: envelope.topic,
        transactional: envelope.transactional,
        subject: envelope.subject,
        text: envelope.text,
      })
      const attempts: AttemptRecord[] = []
      for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
        const at = options.clock.now()
        const timestamp = Math.floor(at / 1000)
        const result = await post(
          options.url,
          body,
          {
            'content-type': 'application/json',
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(options.secret, timestamp, body),
            'idempotency-key': envelope.deliveryId,
          },
          timeout,
        )
        attempts.push({ at, ok: result.ok, error: result.error })
        if (result.ok) {
          return { status: 'delivered', attempts, error: null, detail: result.detail }
        }
        if (!result.retryable) {
          return { status: 'failed', attempts, error: result.error, detail: result.detail }
        }
        if (attempt < maxAttempts) await options.sleep(backoffDelay(baseDelay, attempt))
      }
      const last = attempts[attempts.length - 1]
      return {
        status: 'dead',
        attempts,
        error: `gave up after ${maxAttempts} attempts: ${last?.error ?? 'unknown error'}`,
        detail: null,
      }
    },
  }
}

interface PostResult {
  readonly ok: boolean
  readonly retryable: boolean
  readonly error: string | null
  readonly detail: string | null
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    })
    await response.arrayBuffer().catch(() => undefined)
    const detail = `HTTP ${response.status}`
    if (response.ok) return { ok: true, retryable: false, error: null, detail }
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408
    return { ok: false, retryable, error: detail, detail }
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError'
    const message = timedOut
      ? `timed out after ${timeoutMs} ms`
      : error instanceof Error
        ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`
        : String(error)
    return { ok: false, retryable: true, error: message, detail: null }
  }
}
