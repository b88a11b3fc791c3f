import type { Clock } from '../src/core/clock.js'
import { ingestEvents } from '../src/identify/ingest-events.js'
import type { Store } from '../src/store/engine.js'

/** Creates a customer through ingestion (an identify call) and returns their id. */
export async function addCustomer(
  store: Store,
  clock: Clock,
  userId: string,
  traits: Record<string, unknown> = {},
): Promise<string> {
  const report = await ingestEvents({ store, clock }, [{ type: 'identify', userId, traits }])
  const id = report.customers.get(0)
  if (id === undefined) throw new Error(`identify for ${userId} was not stored`)
  return id
}

/** Writes a `scores` row as `idic score` would, with only the figures Interact reads set. */
export async function addScore(
  store: Store,
  customerId: string,
  figures: { tier: string; clv?: number; pAlive?: number | null },
): Promise<void> {
  await store.db
    .insertInto('scores')
    .values({
      customer_id: customerId,
      model_run_id: 'run_test',
      frequency: 1,
      recency: 1,
      age: 2,
      historical_revenue: 0,
      historical_margin: 0,
      cost_to_serve: 0,
      expected_transactions: null,
      p_alive: figures.pAlive ?? null,
      expected_spend: null,
      clv: figures.clv ?? null,
      actual_value: figures.clv ?? null,
      tier: figures.tier,
      tier_reason: 'test',
      rfm_r: 1,
      rfm_f: 1,
      rfm_m: 1,
      rfm_segment: '111',
      wallet: null,
      share_of_wallet: null,
      growth_potential: null,
      computed_at: 0,
    })
    .execute()
}
