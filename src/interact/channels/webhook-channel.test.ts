import { afterEach, describe, expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { startHttpSink, type HttpSink } from '../../../test-support/http-sink.js'
import type { OutboundEnvelope } from '../channel.js'
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  createWebhookChannel,
  signWebhook,
} from './webhook-channel.js'

const envelope: OutboundEnvelope = {
  deliveryId: 'dlv_1',
  messageId: 'msg_1',
  customerId: 'cus_1',
  to: null,
  kind: 'answer',
  topic: null,
  transactional: true,
  subject: 'Re: sizes',
  text: 'Yes, we have it in 42.',
  html: null,
  headers: {},
}
const SECRET = 'webhook-secret-for-tests'

describe('webhook channel over real HTTP', () => {
  let sink: HttpSink | null = null
  afterEach(async () => {
    await sink?.close()
    sink = null
  })

  function channel(url: string, sleeps: number[], extra: { timeoutMs?: number } = {}) {
    const clock = manualClock(1_700_000_000_000)
    return createWebhookChannel({
      url,
      secret: SECRET,
      clock,
      sleep: (ms) => {
        sleeps.push(ms)
        clock.advance(ms)
        return Promise.resolve()
      },
      maxAttempts: 4,
      baseDelayMs: 100,
      ...extra,
    })
  }

  it('POSTs a body the receiver can verify with HMAC-SHA256 over timestamp and body', async () => {
    sink = await startHttpSink(() => 204)
    const outcome = await channel(sink.url, []).send(envelope)
    expect(outcome.status).toBe('delivered')
    const request = sink.received[0]!
    const timestamp = Number(request.headers[TIMESTAMP_HEADER])
    expect(timestamp).toBe(1_700_000_000)
    expect(request.headers[SIGNATURE_HEADER]).toBe(signWebhook(SECRET, timestamp, request.body))
    expect(JSON.parse(request.body)).toMatchObject({ messageId: 'msg_1', text: envelope.text })
    // A tampered body does not verify.
    expect(signWebhook(SECRET, timestamp, request.body + ' ')).not.toBe(
      request.headers[SIGNATURE_HEADER],
    )
  })

  it('retries 500s with exponential backoff and succeeds when the receiver recovers', async () => {
    sink = await startHttpSink((n) => (n < 3 ? 500 : 200))
    const sleeps: number[] = []
    const outcome = await channel(sink.url, sleeps).send(envelope)
    expect(outcome.status).toBe('delivered')
    expect(outcome.attempts.map((a) => a.ok)).toEqual([false, false, true])
    expect(sleeps).toEqual([100, 200])
    // Each attempt is signed with its own timestamp.
    const stamps = sink.received.map((r) => Number(r.headers[TIMESTAMP_HEADER]))
    expect(stamps[2]! - stamps[0]!).toBe(0) // 300 ms apart: the same second
  })

  it('dead-letters after the last attempt when the receiver keeps answering 500', async () => {
    sink = await startHttpSink(() => 500)
    const sleeps: number[] = []
    const outcome = await channel(sink.url, sleeps).send(envelope)
    expect(outcome.status).toBe('dead')
    expect(outcome.attempts).toHaveLength(4)
    expect(sleeps).toEqual([100, 200, 400])
    expect(outcome.error).toMatch(/gave up after 4 attempts: HTTP 500/)
    expect(sink.received).toHaveLength(4)
  })

  it('treats a receiver that never answers as a timeout, retried then dead', async () => {
    sink = await startHttpSink(() => 'hang')
    const outcome = await channel(sink.url, [], { timeoutMs: 200 }).send(envelope)
    expect(outcome.status).toBe('dead')
    expect(outcome.attempts.every((a) => a.error === 'timed out after 200 ms')).toBe(true)
  })

  it('does not retry a 4xx refusal', async () => {
    sink = await startHttpSink(() => 410)
    const outcome = await channel(sink.url, []).send(envelope)
    expect(outcome.status).toBe('failed')
    expect(outcome.attempts).toHaveLength(1)
    expect(outcome.error).toBe('HTTP 410')
  })
})
