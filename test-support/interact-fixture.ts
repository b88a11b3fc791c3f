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
