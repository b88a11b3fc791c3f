import { afterEach, expect, it } from 'vitest'
import { HOUR_MS_FOR_TESTS, sendFixture } from '../../test-support/send-fixture.js'
import { addCustomer } from '../../test-support/interact-fixture.js'
import { describeEachEngine } from '../../test-support/test-store.js'
import { headerOf } from '../../test-support/smtp-sink.js'
import { setConsent } from './consents.repository.js'
import { getDelivery } from './deliveries.repository.js'
import { DEFAULT_RETRY_POLICY } from './interact-deps.js'
import { STALE_QUEUED_MS, processDueDeliveries } from './process-due-deliveries.js'
import { sendMessage } from './send-message.js'

describeEachEngine('sending messages', (current) => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })
  async function setup(options: Parameters<typeof sendFixture>[1] = {}) {
    const fixture = await sendFixture(current(), options)
    cleanups.push(() => fixture.close())
    return fixture
  }

  const marketing = {
    identity: 'u1',
    channel: 'email',
    kind: 'marketing',
    topic: 'news',
    subject: 'Spring picks',
    body: 'Picked for you: https://shop.example/spring',
    html: '<p>Picked for you: <a href="https://shop.example/spring?a=1&amp;b=2">spring</a></p>',
  } as const

  it('refuses marketing without consent and records nothing', async () => {
    const { deps, smtp } = await setup()
    const result = await sendMessage(deps, marketing)
    expect(result).toEqual({
      ok: false,
      error: { type: 'no_consent', channel: 'email', topic: 'news' },
    })
    expect(smtp.received).toHaveLength(0)
    expect(await deps.db.selectFrom('messages').selectAll().execute()).toEqual([])
  })

  it('sends marketing with consent: one-click unsubscribe, tracking, delivery record', async () => {
    const { deps, smtp, customerId } = await setup()
    await setConsent(
      deps.db,
      customerId,
      { channel: 'email', topic: 'news', granted: true, source: 'test' },
      deps.clock.now(),
    )
    const result = await sendMessage(deps, marketing)
    if (!result.ok) throw new Error(JSON.stringify(result.error))
    expect(result.value.delivery.status).toBe('sent')
    expect(result.value.delivery.history.map((h) => h.status)).toEqual(['queued', 'sent'])
    const mail = smtp.received[0]!
    expect(mail.to).toEqual(['ana@example.com'])
    expect(headerOf(mail.raw, 'List-Unsubscribe')).toMatch(/^<http:\/\/idic\.test\/u\/[^>]+>$/)
    expect(headerOf(mail.raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click')
    expect(headerOf(mail.raw, 'X-Idic-Kind')).toBe('marketing')
    expect(mail.raw).toContain('http://idic.test/t/o/')
    expect(mail.raw.replace(/=\r?\n/g, '')).toContain('http://idic.test/t/c/')
    const log = await deps.db.selectFrom('contact_log').selectAll().execute()
    expect(log).toHaveLength(1)
  })

  it('sends transactional mail without consent and marks it as such', async () => {
    const { deps, smtp } = await setup()
    const result = await sendMessage(deps, { ...marketing, kind: 'transactional', topic: null })
    expect(result.ok && result.value.delivery.status).toBe('sent')
    expect(headerOf(smtp.received[0]!.raw, 'X-Idic-Kind')).toBe('transactional')
    expect(headerOf(smtp.received[0]!.raw, 'List-Unsubscribe-Post')).toBe(
      'List-Unsubscribe=One-Click',
    )
  })

  it('answers bad input with a clear error', async () => {
    const { deps, store, clock } = await setup()
    expect(await sendMessage(deps, { ...marketing, identity: 'nobody' })).toEqual({
      ok: false,
      error: { type: 'unknown_customer', identity: 'nobody' },
    })
    expect(await sendMessage(deps, { ...marketing, topic: null })).toEqual({
      ok: false,
      error: { type: 'missing_topic' },
    })
    await addCustomer(store, clock, 'u2', { email: 'not an address' })
    expect(
      await sendMessage(deps, { ...marketing, identity: 'u2', kind: 'transactional' }),
    ).toEqual({ ok: false, error: { type: 'invalid_address', address: 'not an address' } })
    await addCustomer(store, clock, 'u3', { name: 'No Mail' })
    expect(
      await sendMessage(deps, { ...marketing, identity: 'u3', kind: 'transactional' }),
    ).toEqual({ ok: false, error: { type: 'no_address', channel: 'email' } })
  })

  it('records a failed delivery when the SMTP server refuses', async () => {
    const { deps } = await setup({ refuseSmtp: true })
    const result = await sendMessage(deps, { ...marketing, kind: 'transactional' })
    if (!result.ok) throw new Error('expected a recorded delivery')
    expect(result.value.delivery.status).toBe('failed')
    expect(result.value.delivery.lastError).toMatch(/550/)
    const stored = await deps.db.selectFrom('deliveries').selectAll().executeTakeFirstOrThrow()
    expect(stored.status).toBe('failed')
    expect(await deps.db.selectFrom('contact_log').selectAll().execute()).toEqual([])
  })

  it('dead-letters a webhook that keeps answering 500, with every attempt in the history', async () => {
    const { deps, hook, sleeps } = await setup({ webhookStatus: 500 })
    const result = await sendMessage(deps, {
      ...marketing,
      channel: 'webhook',
      kind: 'transactional',
    })
    if (!result.ok) throw new Error('expected a recorded delivery')
    expect(result.value.delivery.status).toBe('dead')
    expect(result.value.delivery.attempts).toBe(3)
    expect(result.value.delivery.history.map((h) => h.status)).toEqual([
      'queued',
      'attempt_failed',
      'attempt_failed',
      'dead',
    ])
    expect(sleeps).toEqual([50, 100])
    expect(hook.received).toHaveLength(3)
  })

  it('holds a capped message, then sends it when the window reopens', async () => {
    const { deps, smtp, customerId, clock } = await setup()
    await setConsent(
      deps.db,
      customerId,
      { channel: 'email', topic: '*', granted: true, source: 'test' },
      clock.now(),
    )
    for (let i = 0; i < 3; i += 1) {
      const r = await sendMessage(deps, { ...marketing, idempotencyKey: `k${i}` })
      expect(r.ok && r.value.delivery.status).toBe('sent')
    }
    const capped = await sendMessage(deps, { ...marketing, idempotencyKey: 'k3' })
    if (!capped.ok) throw new Error('expected a held delivery')
    expect(capped.value.delivery.status).toBe('held')
    expect(capped.value.delivery.holdReason).toBe('frequency_cap')
    expect(capped.value.delivery.nextAttemptAt).toBe(clock.now() + 7 * 24 * HOUR_MS_FOR_TESTS)
    expect(smtp.received).toHaveLength(3)
    // Nothing is due yet.
    expect(await processDueDeliveries(deps)).toEqual([])
    clock.advance(7 * 24 * HOUR_MS_FOR_TESTS)
    const reports = await processDueDeliveries(deps)
    expect(reports.map((r) => r.status)).toEqual(['sent'])
    expect(smtp.received).toHaveLength(4)
    // Repeating a key does not send again.
    const again = await sendMessage(deps, { ...marketing, idempotencyKey: 'k3' })
    expect(again.ok && again.value.duplicate).toBe(true)
    expect(smtp.received).toHaveLength(4)
  })

  it('drops a capped message when the policy says drop, and says why', async () => {
    const { deps, customerId, clock } = await setup({ onLimit: 'drop' })
    await setConsent(
      deps.db,
      customerId,
      { channel: 'email', topic: 'news', granted: true, source: 'test' },
      clock.now(),
    )
    for (let i = 0; i < 3; i += 1) await sendMessage(deps, marketing)
    const dropped = await sendMessage(deps, marketing)
    expect(dropped.ok && dropped.value.delivery.status).toBe('dropped')
    expect(dropped.ok && dropped.value.delivery.holdReason).toBe('frequency_cap')
  })

  it('waits out quiet hours in the customer time zone; a withdrawn consent drops it', async () => {
    const { deps, customerId, clock, smtp } = await setup({ timezone: 'Asia/Tokyo' })
    await setConsent(
      deps.db,
      customerId,
      { channel: 'email', topic: 'news', granted: true, source: 'test' },
      clock.now(),
    )
    // The fixture clock stands at 12:00 UTC = 21:00 in Tokyo.
    const held = await sendMessage(deps, marketing)
    expect(held.ok && held.value.delivery.holdReason).toBe('quiet_hours')
    expect(held.ok && held.value.delivery.nextAttemptAt).toBe(clock.now() + 11 * HOUR_MS_FOR_TESTS)
    clock.advance(HOUR_MS_FOR_TESTS)
    await setConsent(
      deps.db,
      customerId,
      { channel: 'email', topic: '*', granted: false, source: 'test' },
      clock.now(),
    )
    clock.advance(11 * HOUR_MS_FOR_TESTS)
    const reports = await processDueDeliveries(deps)
    expect(reports).toMatchObject([{ status: 'dropped', reason: 'consent_withdrawn' }])
    expect(smtp.received).toHaveLength(0)
  })

  it('records a failure when a channel throws, and resends deliveries orphaned in queued', async () => {
    const { deps, clock } = await setup()
    const broken = {
      ...deps,
      channels: {
        in_app: {
          name: 'in_app' as const,
          send: () => Promise.reject(new Error('boom')),
        },
      },
    }
    const result = await sendMessage(broken, {
      ...marketing,
      channel: 'in_app',
      kind: 'transactional',
    })
    expect(result.ok && result.value.delivery.status).toBe('failed')
    expect(result.ok && result.value.delivery.lastError).toBe('channel error: boom')

    // A process died between recording a delivery and sending it.
    const orphan = await sendMessage(deps, {
      ...marketing,
      channel: 'in_app',
      kind: 'transactional',
      idempotencyKey: 'o',
    })
    if (!orphan.ok) throw new Error('no delivery')
    await deps.db
      .updateTable('deliveries')
      .set({ status: 'queued' })
      .where('id', '=', orphan.value.delivery.id)
      .execute()
    expect(await processDueDeliveries(deps)).toEqual([])
    clock.advance(STALE_QUEUED_MS)
    expect(await processDueDeliveries(deps)).toMatchObject([
      { deliveryId: orphan.value.delivery.id, status: 'delivered' },
    ])
  })

  it('holds a delivery whose webhook is down for a later round, then delivers or dead-letters it', async () => {
    // Three quick attempts per round; the receiver recovers on its fourth request.
    const { deps, clock, hook } = await setup({ webhookRespond: (n) => (n <= 3 ? 500 : 200) })
    const retrying = { ...deps, retry: { rounds: 2, baseDelayMs: 300_000 } }
    const first = await sendMessage(retrying, {
      ...marketing,
      channel: 'webhook',
      kind: 'transactional',
    })
    if (!first.ok) throw new Error('no delivery')
    expect(first.value.delivery).toMatchObject({
      status: 'held',
      holdReason: 'retry',
      attempts: 3,
      nextAttemptAt: clock.now() + 300_000,
    })
    clock.advance(300_000)
    expect(await processDueDeliveries(retrying)).toMatchObject([{ status: 'delivered' }])
    expect(hook.received).toHaveLength(4)

    // A receiver that stays down is dead-lettered after the last round.
    const downDeps = {
      ...retrying,
      channels: {
        webhook: {
          name: 'webhook' as const,
          send: () =>
            Promise.resolve({
              status: 'dead' as const,
              attempts: [{ at: clock.now(), ok: false, error: 'HTTP 500' }],
              error: 'gave up after 1 attempts: HTTP 500',
              detail: null,
            }),
        },
      },
    }
    const down = await sendMessage(downDeps, {
      ...marketing,
      channel: 'webhook',
      kind: 'transactional',
      idempotencyKey: 'down',
    })
    expect(down.ok && down.value.delivery.status).toBe('held')
    clock.advance(300_000)
    const [last] = await processDueDeliveries(downDeps)
    expect(last).toMatchObject({ status: 'dead', reason: 'gave up after 1 attempts: HTTP 500' })
  })

  it('holds an email the SMTP server answers 451 for the retry rounds, then sends it', async () => {
    const { deps, clock, smtp, customerId } = await setup({
      smtpRcptReply: (n) => (n === 1 ? 451 : null),
    })
    const retrying = { ...deps, retry: DEFAULT_RETRY_POLICY }
    await setConsent(
      deps.db,
      customerId,
      { channel: 'email', topic: 'news', granted: true, source: 'test' },
      clock.now(),
    )
    const first = await sendMessage(retrying, marketing)
    if (!first.ok) throw new Error('no delivery')
    expect(first.value.delivery).toMatchObject({
      status: 'held',
      holdReason: 'retry',
      attempts: 1,
      nextAttemptAt: clock.now() + DEFAULT_RETRY_POLICY.baseDelayMs,
    })
    expect(first.value.delivery.lastError).toMatch(/^SMTP 451: /)
    expect(first.value.delivery.history.map((h) => h.status)).toEqual([
      'queued',
      'attempt_failed',
      'held',
    ])
    expect(smtp.received).toHaveLength(0)
    expect(await deps.db.selectFrom('contact_log').selectAll().execute()).toEqual([])
    expect(await processDueDeliveries(retrying)).toEqual([])
    clock.advance(DEFAULT_RETRY_POLICY.baseDelayMs)
    expect(await processDueDeliveries(retrying)).toMatchObject([{ status: 'sent' }])
    expect(smtp.received).toHaveLength(1)
    expect(await deps.db.selectFrom('contact_log').selectAll().execute()).toHaveLength(1)
  })

  it('dead-letters an email still answered 4xx after the last round; a 5xx fails at once', async () => {
    const { deps, clock, smtp } = await setup({
      smtpRcptReply: (n) => (n <= 4 ? 452 : 550),
    })
    const retrying = { ...deps, retry: DEFAULT_RETRY_POLICY }
    const first = await sendMessage(retrying, { ...marketing, kind: 'transactional' })
    if (!first.ok) throw new Error('no delivery')
    const delays: number[] = []
    let delivery = first.value.delivery
    while (delivery.status === 'held' && delivery.nextAttemptAt !== null) {
      delays.push(delivery.nextAttemptAt - clock.now())
      clock.set(delivery.nextAttemptAt)
      await processDueDeliveries(retrying)
      const reloaded = await getDelivery(deps.db, delivery.customerId, delivery.id)
      if (reloaded === null) throw new Error('delivery vanished')
      delivery = reloaded
    }
    expect(delays).toEqual([300_000, 600_000, 1_200_000])
    expect(delivery).toMatchObject({ status: 'dead', attempts: 4 })
    expect(smtp.received).toHaveLength(0)

    // The fifth RCPT is answered 550: refused for good, not held.
    const refused = await sendMessage(retrying, {
      ...marketing,
      kind: 'transactional',
      idempotencyKey: 'refused',
    })
    expect(refused.ok && refused.value.delivery).toMatchObject({ status: 'failed', attempts: 1 })
    expect(refused.ok && refused.value.delivery.lastError).toMatch(/^SMTP 550: /)
  })
})
