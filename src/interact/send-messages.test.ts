import { afterEach, expect, it } from 'vitest'
import { addCustomer } from '../../test-support/interact-fixture.js'
import { sendFixture, type SendFixture } from '../../test-support/send-fixture.js'
import { closeTestStore, describeEachEngine, openTestStore } from '../../test-support/test-store.js'
import type { Store } from '../store/engine.js'
import type { Channel, ChannelSet } from './channel.js'
import type { LimitPolicy } from './contact-pressure.js'
import { setConsent, type ConsentChange } from './consents.repository.js'
import type { InteractDeps } from './interact-deps.js'
import {
  processDueDeliveries,
  STALE_QUEUED_MS,
  type DueDeliveryReport,
} from './process-due-deliveries.js'
import { sendMessage } from './send-message.js'
import { sendMessages, type SendResult } from './send-messages.js'
import type { SendRequest } from './send-request.js'

/** The customers of the scenario, by name: traits and consents. */
const PEOPLE: Readonly<
  Record<string, { traits: Record<string, unknown>; consents: Omit<ConsentChange, 'source'>[] }>
> = {
  // u1 (ana@example.com) comes with the fixture.
  u1: {
    traits: {},
    consents: [
      { channel: 'email', topic: 'news', granted: true },
      { channel: 'in_app', topic: '*', granted: true },
    ],
  },
  u2: {
    traits: { email: 'not an address' },
    consents: [{ channel: 'email', topic: 'news', granted: true }],
  },
  u3: {
    traits: { name: 'No Mail' },
    consents: [
      { channel: 'email', topic: 'news', granted: true },
      { channel: 'in_app', topic: 'news', granted: true },
    ],
  },
  u4: {
    traits: { email: 'kei@example.com', timezone: 'Asia/Tokyo' },
    consents: [{ channel: 'email', topic: 'news', granted: true }],
  },
  u5: { traits: { email: 'no@example.com' }, consents: [] },
}

const mail = (identity: string, extra: Partial<SendRequest> = {}): SendRequest => ({
  identity,
  channel: 'email',
  kind: 'marketing',
  topic: 'news',
  subject: `For ${identity}`,
  body: `Hello ${identity}`,
  html: `<p>Hello <a href="https://shop.example/${identity}">${identity}</a></p>`,
  ...extra,
})

/** Every outcome sendMessage knows, several to one customer, keys repeated within and across. */
const REQUESTS: readonly SendRequest[] = [
  mail('u1', { idempotencyKey: 'a' }),
  mail('u1', { idempotencyKey: 'b' }),
  mail('u1', { idempotencyKey: 'before' }),
  mail('u1', { idempotencyKey: 'a', subject: 'changed' }),
  mail('u1', { idempotencyKey: 'c' }),
  mail('u1'),
  mail('nobody'),
  mail('u1', { topic: null }),
  mail('u2'),
  mail('u3'),
  mail('u4', { idempotencyKey: 'tokyo' }),
  mail('u5', { channel: 'in_app' }),
  mail('u1', { channel: 'webhook', kind: 'transactional', topic: null }),
  ...Array.from({ length: 7 }, (_, i) =>
    mail('u3', { channel: 'in_app', idempotencyKey: `i${i}` }),
  ),
  mail('u1', { kind: 'transactional', topic: null, idempotencyKey: 'receipt' }),
  mail('ana@example.com', { channel: 'in_app', idempotencyKey: 'by-email' }),
  mail('u4', { idempotencyKey: 'tokyo' }),
]

interface World {
  readonly fixture: SendFixture
  readonly deps: InteractDeps
  /** Customer id → name, to compare two databases whose ids differ. */
  readonly names: Map<string, string>
}

describeEachEngine('sending many messages at once', (current, engine) => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })

  async function world(
    store: Store,
    onLimit: LimitPolicy,
    options: { readonly inboxImmediate?: boolean; readonly prepared?: boolean } = {},
  ): Promise<World> {
    const fixture = await sendFixture(store, { onLimit })
    cleanups.push(() => fixture.close())
    const names = new Map<string, string>([[fixture.customerId, 'u1']])
    for (const [name, person] of Object.entries(PEOPLE)) {
      const id =
        name === 'u1'
          ? fixture.customerId
          : await addCustomer(store, fixture.clock, name, person.traits)
      names.set(id, name)
      for (const c of person.consents) {
        await setConsent(store.db, id, { ...c, source: 'test' }, fixture.clock.now())
      }
    }
    // No webhook channel in this deployment: webhook sends are channel_unavailable.
    const { email, in_app: inbox } = fixture.deps.channels
    if (email === undefined || inbox === undefined) throw new Error('fixture lacks a channel')
    const channels: ChannelSet = {
      email,
      // Not immediate: stored queued, handed over, then updated, as email is.
      in_app:
        options.inboxImmediate === false
          ? { name: 'in_app', send: (envelope) => inbox.send(envelope) }
          : inbox,
    }
    const deps = {
      ...fixture.deps,
      channels,
      // SQLite: the batch's rows inserted through the store's prepared statements.
      ...(options.prepared === true ? { sqlite: store.sqliteStatements } : {}),
    }
    // One send before the batch, under a key the batch repeats.
    const earlier = await sendMessage(deps, mail('u1', { idempotencyKey: 'before' }))
    expect(earlier.ok).toBe(true)
    fixture.clock.advance(60_000)
    return { fixture, deps, names }
  }

  function shape(w: World, result: SendResult | undefined): unknown {
    if (result === undefined) return 'missing'
    if (!result.ok) return result.error
    const { message: m, delivery: d, duplicate } = result.value
    return {
      duplicate,
      message: {
        customer: w.names.get(m.customerId),
        channel: m.channel,
        kind: m.kind,
        topic: m.topic,
        subject: m.subject,
        body: m.body,
        data: m.data,
        key: m.idempotencyKey.startsWith('msg_') ? 'generated' : m.idempotencyKey,
        createdAt: m.createdAt,
      },
      delivery: {
        customer: w.names.get(d.customerId),
        messageMatches: d.messageId === m.id,
        status: d.status,
        address: d.address,
        attempts: d.attempts,
        holdReason: d.holdReason,
        nextAttemptAt: d.nextAttemptAt,
        lastError: d.lastError,
        history: d.history,
        sentAt: d.sentAt,
        deliveredAt: d.deliveredAt,
      },
    }
  }

  async function stored(w: World): Promise<unknown> {
    const db = w.deps.db
    const messages = await db.selectFrom('messages').selectAll().execute()
    const deliveries = await db.selectFrom('deliveries').selectAll().execute()
    const contacts = await db.selectFrom('contact_log').selectAll().execute()
    const name = (id: string) => w.names.get(id) ?? id
    return {
      messages: messages
        .map(
          (m) =>
            `${name(m.customer_id)} ${m.channel} ${m.idempotency_key.startsWith('msg_') ? '-' : m.idempotency_key} ${m.subject}`,
        )
        .sort(),
      deliveries: deliveries
        .map(
          (d) =>
            `${name(d.customer_id)} ${d.channel} ${d.status} ${d.hold_reason} ${d.next_attempt_at} ${d.history}`,
        )
        .sort(),
      contacts: contacts.map((c) => `${name(c.customer_id)} ${c.channel} ${c.contacted_at}`).sort(),
      mails: w.fixture.smtp.received.length,
    }
  }

  for (const onLimit of ['wait', 'drop'] as const) {
    it(`gives each message the outcome sendMessage gives it, one by one (limits: ${onLimit})`, async () => {
      const other = await openTestStore(engine)
      cleanups.push(() => closeTestStore(other))
      const third = await openTestStore(engine)
      cleanups.push(() => closeTestStore(third))
      const single = await world(current(), onLimit)
      const batch = await world(other, onLimit)
      const queuedInbox = await world(third, onLimit, { inboxImmediate: false })
      const fourth = await openTestStore(engine)
      cleanups.push(() => closeTestStore(fourth))
      const prepared = await world(fourth, onLimit, { prepared: true })

      const one: unknown[] = []
      for (const request of REQUESTS)
        one.push(shape(single, await sendMessage(single.deps, request)))
      const many = (await sendMessages(batch.deps, REQUESTS)).map((r) => shape(batch, r))
      const queued = (await sendMessages(queuedInbox.deps, REQUESTS)).map((r) =>
        shape(queuedInbox, r),
      )

      const viaPrepared = (await sendMessages(prepared.deps, REQUESTS)).map((r) =>
        shape(prepared, r),
      )
      expect(many).toEqual(one)
      expect(await stored(batch)).toEqual(await stored(single))
      expect(viaPrepared).toEqual(one)
      expect(await stored(prepared)).toEqual(await stored(single))
      expect(queued).toEqual(one)
      expect(await stored(queuedInbox)).toEqual(await stored(single))
      // The scenario reaches every outcome.
      const kinds = new Set(
        many.map((s) => {
          if (typeof s !== 'object' || s === null) return String(s)
          if ('type' in s) return String(s.type)
          const o = s as { duplicate: boolean; delivery: { status: string } }
          return o.duplicate ? 'duplicate' : o.delivery.status
        }),
      )
      expect([...kinds].sort()).toEqual(
        [
          'channel_unavailable',
          'delivered',
          'duplicate',
          'invalid_address',
          'missing_topic',
          'no_address',
          'no_consent',
          'sent',
          'unknown_customer',
          onLimit === 'wait' ? 'held' : 'dropped',
        ].sort(),
      )
    })
  }

  it('answers a repeated batch with the first one, and sends nothing more', async () => {
    const w = await world(current(), 'wait')
    const requests = REQUESTS.filter((r) => r.idempotencyKey !== undefined)
    const first = await sendMessages(w.deps, requests)
    const mails = w.fixture.smtp.received.length
    const again = await sendMessages(w.deps, requests)
    expect(w.fixture.smtp.received.length).toBe(mails)
    for (const [i, r] of again.entries()) {
      const before = first[i]!
      if (!r.ok || !before.ok) {
        expect(r).toEqual(before)
        continue
      }
      expect(r.value.duplicate).toBe(true)
      expect(r.value.message.id).toBe(before.value.message.id)
      expect(r.value.delivery).toEqual(before.value.delivery)
    }
  })

  it('never hands a message over twice when a slow batch outlives the orphan timeout', async () => {
    const w = await world(current(), 'wait')
    const sent: string[] = []
    let other: Promise<readonly DueDeliveryReport[]> = Promise.resolve([])
    const slow: Channel = {
      name: 'in_app',
      send: (envelope) => {
        sent.push(envelope.messageId)
        // Each hand-over takes well over half the orphan timeout, so the batch as a whole
        // outlives it; during the second, another process runs the delivery worker, which finds
        // the third message still queued since the batch stored it, and takes it.
        w.fixture.clock.advance(STALE_QUEUED_MS / 2 + 60_000)
        if (sent.length === 2) {
          other = processDueDeliveries({ ...w.deps, channels: { in_app: slow } })
        }
        return Promise.resolve({
          status: 'delivered',
          attempts: [{ at: w.fixture.clock.now(), ok: true, error: null }],
          error: null,
          detail: 'test',
        })
      },
    }
    const deps = { ...w.deps, channels: { ...w.deps.channels, in_app: slow } }
    const results = await sendMessages(
      deps,
      ['u2', 'u3', 'u4'].map((identity) =>
        mail(identity, { channel: 'in_app', kind: 'transactional', topic: null }),
      ),
    )
    expect(await other).toMatchObject([{ status: 'delivered' }])
    const statuses = results.map((r) => r.ok && r.value.delivery.status)
    expect(statuses.slice(0, 2)).toEqual(['delivered', 'delivered'])
    // The third was the other run's to send: reported as that run had it when the batch came to it.
    expect(['queued', 'delivered']).toContain(statuses[2])
    expect(sent).toHaveLength(3)
    expect(new Set(sent).size).toBe(3)
    const rows = await w.deps.db.selectFrom('deliveries').select('status').execute()
    expect(rows.filter((r) => r.status === 'delivered')).toHaveLength(3)
  })

  it('sends nothing for an empty batch', async () => {
    const w = await world(current(), 'wait')
    expect(await sendMessages(w.deps, [])).toEqual([])
  })
})
