import nodemailer from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'
import type { Clock } from '../../core/clock.js'
import type { Channel, ChannelOutcome, OutboundEnvelope } from '../channel.js'

export interface EmailChannelOptions {
  /** `smtp://user:pass@host:port` or nodemailer SMTP options. */
  readonly smtp: string | SMTPTransport.Options
  readonly from: string
  readonly clock: Clock
  /** Connection, greeting and socket timeouts, ms. */
  readonly timeoutMs?: number
  /**
   * Keep up to this many SMTP connections open and reuse them (default 5). A new connection per
   * message measured ~9 messages/s against a local server; a pool of 5, ~390/s. 0: no pool.
   */
  readonly poolSize?: number
}

/**
 * Email over SMTP (nodemailer). An accepted message is `sent` (the relay took it; delivery to the
 * mailbox is the relay's job). Nothing is thrown: a permanent refusal (a 5xx reply, a bad
 * message) is `failed` with the server's answer; a transient one (a 4xx reply such as 451
 * greylisting or 452 mailbox full, a refused or dropped connection, a timeout) is `dead` for
 * this try, so the delivery is held for the retry rounds (RetryPolicy) and dead-lettered only
 * after the last (RFC 5321 §4.2.1, §4.5.4.1: 4yz is a transient negative completion reply).
 */
export function createEmailChannel(options: EmailChannelOptions): Channel {
  const timeout = options.timeoutMs ?? 15_000
  const base: SMTPTransport.Options =
    typeof options.smtp === 'string' ? { url: options.smtp } : options.smtp
  const poolSize = options.poolSize ?? 5
  const timeouts = { connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout }
  const transport =
    poolSize > 0
      ? nodemailer.createTransport({ ...base, ...timeouts, pool: true, maxConnections: poolSize })
      : nodemailer.createTransport({ ...base, ...timeouts })
  return {
    name: 'email',
    close: () => {
      transport.close()
      return Promise.resolve()
    },
    async send(envelope: OutboundEnvelope): Promise<ChannelOutcome> {
      const at = options.clock.now()
      if (envelope.to === null) {
        return failed(at, 'no email address')
      }
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: envelope.to,
          subject: envelope.subject,
          text: envelope.text,
          ...(envelope.html === null ? {} : { html: envelope.html }),
          headers: { ...envelope.headers },
          messageId: `<${envelope.deliveryId}@idic>`,
        })
        if (info.rejected.length > 0) {
          const code = info.rejectedErrors?.[0]?.responseCode
          const error = `recipient refused: ${info.response}`
          return isTransientSmtpError({ responseCode: code })
            ? transient(at, error)
            : failed(at, error)
        }
        return {
          status: 'sent',
          attempts: [{ at, ok: true, error: null }],
          error: null,
          detail: info.response,
        }
      } catch (error) {
        const text = smtpErrorText(error)
        return isTransientSmtpError(error) ? transient(at, text) : failed(at, text)
      }
    },
  }
}

function failed(at: number, error: string): ChannelOutcome {
  return { status: 'failed', attempts: [{ at, ok: false, error }], error, detail: null }
}

function transient(at: number, error: string): ChannelOutcome {
  return { status: 'dead', attempts: [{ at, ok: false, error }], error, detail: null }
}

/** Nodemailer's codes for a connection that failed, dropped or timed out before a reply. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'EPROXY',
  'EMAXLIMIT',
])

/**
 * Whether a failed SMTP exchange may succeed later: a 4xx reply, or no reply at all because
 * the connection failed or timed out. 5xx replies and local errors (a malformed message) are
 * permanent.
 */
export function isTransientSmtpError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { responseCode, code } = error as { responseCode?: unknown; code?: unknown }
  if (typeof responseCode === 'number') return responseCode >= 400 && responseCode < 500
  return typeof code === 'string' && TRANSIENT_CODES.has(code)
}

function smtpErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as { responseCode?: unknown }).responseCode
  return typeof code === 'number' ? `SMTP ${code}: ${error.message}` : error.message
}
