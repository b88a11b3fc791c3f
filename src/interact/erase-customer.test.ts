import { sql } from 'kysely'
import { afterEach, expect, it } from 'vitest'
import { ingestEvents } from '../identify/ingest-events.js'
import { CUSTOMER_KEYED_TABLES, type Database } from '../store/database.js'
import type { Store } from '../store/engine.js'
import { addCustomer, addScore } from '../../test-support/interact-fixture.js'
import { sendFixture } from '../../test-support/send-fixture.js'
import { describeEachEngine } from '../../test-support/test-store.js'
import { setConsent } from './consents.repository.js'
import { projectDialogueEvents, recordInboundMessage } from './dialogue.js'
import { eraseCustomer, exportCustomerData } from './erase-customer.js'
import { sendMessage } from './send-message.js'

async function rowsOf(store: Store, table: keyof Database, customerId: string): Promise<number> {
  const column = table === 'customers' ? 'id' : 'customer_id'
  const result = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}
    WHERE ${sql.ref(column)} = ${customerId}`.execute(store.db)
  return result.rows[0]?.n ?? 0
}

describeEachEngine('erasure', (current) => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })

  it('leaves no row of the customer in any customer-keyed table, and ingestion stays away', async () => {
    const fixture = await sendFixture(current())
    cleanups.push(() => fixture.close())
    const { store, clock, deps, customerId } = fixture
    const ingest = (events: unknown[]) =>
      ingestEvents({ store, clock, onStored: projectDialogueEvents }, events)
    const bystander = await addCustomer(store, clock, 'u-other', { email: 'other@example.com' })
    // A merge (an anonymous visitor aliased to u1) and a conflict (u1 meets u-other's browser).
    await ingest([
      { type: 'identify', anonymousId: 'anon-1', traits: { plan: 'pro' } },
      { type: 'alias', previousId: 'anon-1', userId: 'u1' },
      { type: 'identify', userId: 'u-other', anonymousId: 'shared' },
      {
        type: 'track',
        userId: 'u1',
        anonymousId: 'shared',
        event: 'Product Viewed',
        properties: { product_id: 'p1' },
      },
      {
        type: 'track',
        userId: 'u1',
        event: 'Order Completed',
        properties: {
          order_id: 'o1',
          total: 30,
          products: [{ product_id: 'p1', price: 10, quantity: 3, category: 'Shoes' }],
        },
      },
    ])
    await setConsent(
      deps.db,
      customerId,
      { channel: 'in_app', topic: 'news', granted: true, source: 'test' },
      clock.now(),
    )
    await recordInboundMessage(deps, { identity: 'u1', kind: 'question', text: 'Hello?' })
    const sent = await sendMessage(deps, {
      identity: 'u1',
      channel: 'in_app',
      kind: 'marketing',
      topic: 'news',
      subject: 's',
      body: 'b',
    })
    expect(sent.ok).toBe(true)
    await deps.db
      .insertInto('tasks')
      .values({
        id: 'tsk_1',
        customer_id: customerId,
        manager_id: null,
        rule: 'negative_feedback',
        status: 'open',
        reason: 'r',
        dedupe_key: 'k',
        due_at: 0,
        created_at: 0,
        updated_at: 0,
      })
      .execute()

    await addScore(store, customerId, { tier: 'mvc', clv: 100, pAlive: 0.8 })
    // A return booked against the order, as an order-history import records it.
    await deps.db
      .insertInto('order_returns')
      .values({
        customer_id: customerId,
        return_id: 'C1',
        return_line: 0,
        order_id: 'o1',
        order_line: 0,
        product_id: 'p1',
        quantity: 1,
        amount: 10,
        returned_at: clock.now(),
        created_at: clock.now(),
      })
      .execute()
    // A segment membership, as customize/segments keeps them.
    await deps.db
      .insertInto('segment_members')
      .values({ segment_id: 'seg_1', customer_id: customerId, added_at: clock.now() })
      .execute()
    // An offer presentation, as customize/offers records them.
    await deps.db
      .insertInto('offer_outcomes')
      .values({
        id: 'oo_1',
        customer_id: customerId,
        offer_id: 'off_1',
        tier: 'mvc',
        source: 'test',
        idempotency_key: 'k1',
        presented_at: clock.now(),
        accepted_at: null,
        revenue: null,
        order_id: null,
      })
      .execute()
    // A campaign assignment, as customize/campaigns records them.
    await deps.db
      .insertInto('campaign_assignments')
      .values({
        campaign_id: 'cmp_1',
        customer_id: customerId,
        grp: 'holdout',
        stratum: 'mvc',
        variant: null,
        pilot: 0,
        assigned_at: clock.now(),
        send_status: 'holdout',
        send_reason: null,
        message_id: null,
        sent_at: null,
      })
      .execute()
    // The test only proves something if the customer has rows in every table first.
    for (const table of CUSTOMER_KEYED_TABLES) {
      expect({ table, rows: await rowsOf(store, table, customerId) }).not.toEqual({
        table,
        rows: 0,
      })
    }
    const exported = await exportCustomerData(deps.db, customerId)
    expect(Object.keys(exported).sort()).toEqual([...CUSTOMER_KEYED_TABLES].sort())

    const report = await eraseCustomer(deps.db, customerId, clock.now())
    expect(report.suppressed).toBeGreaterThanOrEqual(3)
    for (const table of CUSTOMER_KEYED_TABLES) {
      expect({ table, rows: await rowsOf(store, table, customerId) }).toEqual({ table, rows: 0 })
    }
    // Nothing readable is kept: only hashes.
    const suppressions = await deps.db.selectFrom('suppressions').selectAll().execute()
    expect(JSON.stringify(suppressions)).not.toMatch(/ana@example\.com|u1|anon-1/)
    // The bystander keeps everything.
    expect(await rowsOf(store, 'customers', bystander)).toBe(1)
    expect(await rowsOf(store, 'identities', bystander)).toBeGreaterThan(0)

    // Late SDK retries naming the erased customer are acknowledged and dropped.
    const customersBefore = await deps.db.selectFrom('customers').select('id').execute()
    const late = await ingest([
      { type: 'track', userId: 'u1', event: 'Product Viewed', properties: { product_id: 'p2' } },
      { type: 'track', anonymousId: 'anon-1', event: 'Page Viewed' },
      { type: 'identify', anonymousId: 'new-device', traits: { email: 'Ana@Example.com' } },
      { type: 'track', userId: 'someone-new', event: 'Signed Up' },
    ])
    expect(late).toMatchObject({ accepted: 1, suppressed: 3 })
    const customersAfter = await deps.db.selectFrom('customers').select('id').execute()
    expect(customersAfter).toHaveLength(customersBefore.length + 1)
  })
})
