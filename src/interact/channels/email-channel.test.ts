import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { manualClock } from '../../core/clock.js'
import { headerOf, startSmtpSink, type SmtpSink } from '../../../test-support/smtp-sink.js'
import type { OutboundEnvelope } from '../channel.js'
import { createEmailChannel, isTransientSmtpError } from './email-channel.js'

const envelope: OutboundEnvelope = {
  deliveryId: 'dlv_1',
  messageId: 'msg_1',
  customerId: 'cus_1',
  to: 'ana@example.com',
  kind: 'marketing',
  topic: 'news',
  transactional: false,
  subject: 'Hello Ana',
  text: 'New arrivals picked for you.',
  html: '<p>New arrivals picked for you.</p>',
  headers: {
    'List-Unsubscribe': '<https://idic.example/u/token>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
}

describe('email channel over real SMTP', () => {
  let sink: SmtpSink | null = null
  afterEach(async () => {
    await sink?.close()
    sink = null
  })

  it('delivers the message with its one-click unsubscribe headers', async () => {
    sink = await startSmtpSink()
    const channel = createEmailChannel({
      smtp: sink.url,
      from: 'Shop <shop@example.com>',
      clock: manualClock(1_700_000_000_000),
    })
    const outcome = await channel.send(envelope)
    await channel.close?.()
    expect(outcome.status).toBe('sent')
    expect(sink.received).toHaveLength(1)
    const mail = sink.received[0]!
    expect(mail.to).toEqual(['ana@example.com'])
    expect(mail.from).toBe('shop@example.com')
    expect(headerOf(mail.raw, 'Subject')).toBe('Hello Ana')
    expect(headerOf(mail.raw, 'List-Unsubscribe')).toBe('<https://idic.example/u/token>')
    expect(headerOf(mail.raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click')
    expect(headerOf(mail.raw, 'Message-ID')).toBe('<dlv_1@idic>')
    expect(mail.raw).toContain('New arrivals picked for you.')
  })

  it('reports a refusing server as a failed delivery, without throwing', async () => {
    sink = await startSmtpSink({ refuse: true })
    const channel = createEmailChannel({
      smtp: sink.url,
      from: 'shop@example.com',
      clock: manualClock(0),
    })
    const outcome = await channel.send(envelope)
    await channel.close?.()
    expect(outcome.status).toBe('failed')
    expect(outcome.error).toMatch(/550/)
    expect(sink.received).toHaveLength(0)
  })

  it('reports an unreachable server as a transient failure, to be retried', async () => {
    const channel = createEmailChannel({
      smtp: 'smtp://127.0.0.1:1',
      from: 'shop@example.com',
      clock: manualClock(0),
      timeoutMs: 2000,
    })
    const outcome = await channel.send(envelope)
    await channel.close?.()
    expect(outcome.status).toBe('dead')
    expect(outcome.error).toMatch(/ECONNREFUSED|connect/i)
  })

  it('treats a 451 as transient and sends once the server accepts', async () => {
    sink = await startSmtpSink({ rcptReply: (n) => (n === 1 ? 451 : null) })
    const channel = createEmailChannel({
      smtp: sink.url,
      from: 'shop@example.com',
      clock: manualClock(0),
    })
    const first = await channel.send(envelope)
    expect(first.status).toBe('dead')
    expect(first.error).toMatch(/SMTP 451: .*Greylisted/)
    expect(sink.received).toHaveLength(0)
    // The same pooled connection goes on working after the refusal.
    const second = await channel.send(envelope)
    await channel.close?.()
    expect(second.status).toBe('sent')
    expect(sink.received).toHaveLength(1)
  })

  it('treats a server that never greets as a timeout, to be retried', async () => {
    const silent: Server = createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as AddressInfo
    try {
      const channel = createEmailChannel({
        smtp: `smtp://127.0.0.1:${port}`,
        from: 'shop@example.com',
        clock: manualClock(0),
        timeoutMs: 300,
        poolSize: 0,
      })
      const outcome = await channel.send(envelope)
      await channel.close?.()
      expect(outcome.status).toBe('dead')
      expect(outcome.error).toMatch(/greeting|time/i)
    } finally {
      silent.close()
    }
  })

  it('classifies SMTP errors: 4xx and connection failures are transient, 5xx are not', () => {
    expect(isTransientSmtpError({ responseCode: 421 })).toBe(true)
    expect(isTransientSmtpError({ responseCode: 452, code: 'EENVELOPE' })).toBe(true)
    expect(isTransientSmtpError({ responseCode: 550, code: 'EENVELOPE' })).toBe(false)
    expect(isTransientSmtpError({ responseCode: 535, code: 'EAUTH' })).toBe(false)
    expect(isTransientSmtpError({ code: 'ETIMEDOUT' })).toBe(true)
    expect(isTransientSmtpError({ code: 'ESOCKET' })).toBe(true)
    expect(isTransientSmtpError({ code: 'EMESSAGE' })).toBe(false)
    expect(isTransientSmtpError(new Error('boom'))).toBe(false)
    expect(isTransientSmtpError('451')).toBe(false)
  })
})
