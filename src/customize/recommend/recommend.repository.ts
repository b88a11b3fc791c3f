import type { Kysely } from 'kysely'
import { newId } from '../../core/ids.js'
import type { JsonObject } from '../../core/json.js'
import { parseJsonObject } from '../../core/json.js'
import type { Database } from '../../store/database.js'
import {
  isInteractionKind,
  type InteractionKind,
  type InteractionRow,
} from './interaction-matrix.js'
import type { ActivityEvent, ProductFacts } from './recommendation-lists.js'
import { isModelKind, type ModelKind } from './recommender.js'

/**
 * Every interaction the recommenders learn from: order lines as purchases (net of returns, at
 * the order's time) and the `interactions` table (views, clicks, cart adds, likes, skips,
 * dismissals). Rows of unknown kinds are ignored.
 */
export async function readInteractionRows(
  db: Kysely<Database>,
  options: { readonly since?: number } = {},
): Promise<InteractionRow[]> {
  const since = options.since ?? -Number.MAX_SAFE_INTEGER
  const purchases = await db
    .selectFrom('order_items as i')
    .innerJoin('orders as o', (j) =>
      j.onRef('o.customer_id', '=', 'i.customer_id').onRef('o.order_id', '=', 'i.order_id'),
    )
    .select(['i.customer_id', 'i.product_id', 'i.quantity', 'i.returned_quantity', 'o.placed_at'])
    .where('o.placed_at', '>=', since)
    .where('o.status', '!=', 'cancelled')
    .execute()
  const rows: InteractionRow[] = []
  for (const p of purchases) {
    const net = p.quantity - p.returned_quantity
    if (!(net > 0)) continue
    rows.push({
      customer: p.customer_id,
      item: p.product_id,
      kind: 'purchase',
      value: net,
      time: p.placed_at,
    })
  }
  const others = await db
    .selectFrom('interactions')
    .select(['customer_id', 'product_id', 'kind', 'value', 'occurred_at'])
    .where('occurred_at', '>=', since)
    .execute()
  for (const r of others) {
    if (!isInteractionKind(r.kind)) continue
    rows.push({
      customer: r.customer_id,
      item: r.product_id,
      kind: r.kind,
      value: r.value,
      time: r.occurred_at,
    })
  }
  return rows
}

/** One customer's purchases and feedback, oldest first (per-customer query on customer_id). */
export async function readCustomerActivity(
  db: Kysely<Database>,
  customerId: string,
): Promise<ActivityEvent[]> {
  const purchases = await db
    .selectFrom('order_items as i')
    .innerJoin('orders as o', (j) =>
      j.onRef('o.customer_id', '=', 'i.customer_id').onRef('o.order_id', '=', 'i.order_id'),
    )
    .select(['i.product_id', 'i.quantity', 'i.returned_quantity', 'o.placed_at'])
    .where('i.customer_id', '=', customerId)
    .where('o.customer_id', '=', customerId)
    .where('o.status', '!=', 'cancelled')
    .execute()
  const events: ActivityEvent[] = []
  for (const p of purchases) {
    if (!(p.quantity - p.returned_quantity > 0)) continue
    events.push({ productId: p.product_id, kind: 'purchase', time: p.placed_at })
  }
  const others = await db
    .selectFrom('interactions')
    .select(['product_id', 'kind', 'occurred_at'])
    .where('customer_id', '=', customerId)
    .execute()
  for (const r of others) {
    if (isInteractionKind(r.kind)) {
      events.push({ productId: r.product_id, kind: r.kind, time: r.occurred_at })
    }
  }
  return events.sort((a, b) => a.time - b.time)
}

/** Records a like, skip or dismissal (or any interaction) for a customer at once. */
export async function recordInteraction(
  db: Kysely<Database>,
  input: {
    readonly customerId: string
    readonly productId: string
    readonly kind: InteractionKind
    readonly occurredAt: number
    readonly messageId?: string
    readonly value?: number
  },
): Promise<void> {
  await db
    .insertInto('interactions')
    .values({
      customer_id: input.customerId,
      message_id: input.messageId ?? newId('fb', input.occurredAt),
      product_id: input.productId,
      kind: input.kind,
      value: input.value ?? 1,
      occurred_at: input.occurredAt,
    })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

/** The catalog facts the lists filter on, by product id. */
export async function readProductFacts(db: Kysely<Database>): Promise<Map<string, ProductFacts>> {
  const rows = await db
    .selectFrom('products')
    .select(['id', 'name', 'in_stock', 'repeatable', 'category', 'price'])
    .execute()
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        name: r.name,
        inStock: r.in_stock === 1,
        repeatable: r.repeatable === 1,
        category: r.category,
        price: r.price === null ? null : r.price,
      },
    ]),
  )
}

export interface StoredModelInfo {
  readonly id: string
  readonly kind: ModelKind
  readonly version: number
  readonly params: JsonObject
  readonly metrics: JsonObject
  readonly trainedAt: number
  readonly sizeBytes: number
}

export interface StoredModel extends StoredModelInfo {
  readonly itemIds: readonly string[]
  readonly bytes: Uint8Array
}

/** Stores a trained model as the next version of its kind. */
export async function saveRecommenderModel(
  db: Kysely<Database>,
  input: {
    readonly kind: ModelKind
    readonly params: JsonObject
    readonly metrics: JsonObject
    readonly itemIds: readonly string[]
    readonly bytes: Uint8Array
    readonly trainedAt: number
  },
): Promise<StoredModelInfo> {
  return db.transaction().execute(async (trx) => {
    const last = await trx
      .selectFrom('recommender_models')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('kind', '=', input.kind)
      .executeTakeFirst()
    const version = (last?.v ?? 0) + 1
    const id = newId('rm', input.trainedAt)
    await trx
      .insertInto('recommender_models')
      .values({
        id,
        kind: input.kind,
        version,
        params: JSON.stringify(input.params),
        metrics: JSON.stringify(input.metrics),
        item_ids: JSON.stringify(input.itemIds),
        trained_at: input.trainedAt,
        size_bytes: input.bytes.byteLength,
        model: input.bytes,
      })
      .execute()
    return {
      id,
      kind: input.kind,
      version,
      params: input.params,
      metrics: input.metrics,
      trainedAt: input.trainedAt,
      sizeBytes: input.bytes.byteLength,
    }
  })
}

/** Models stored, newest first, without their bytes. */
export async function listRecommenderModels(db: Kysely<Database>): Promise<StoredModelInfo[]> {
  const rows = await db
    .selectFrom('recommender_models')
    .select(['id', 'kind', 'version', 'params', 'metrics', 'trained_at', 'size_bytes'])
    .orderBy('trained_at', 'desc')
    .orderBy('version', 'desc')
    .execute()
  return rows.flatMap((r) =>
    isModelKind(r.kind)
      ? [
          {
            id: r.id,
            kind: r.kind,
            version: r.version,
            params: parseJsonObject(r.params),
            metrics: parseJsonObject(r.metrics),
            trainedAt: r.trained_at,
            sizeBytes: r.size_bytes,
          },
        ]
      : [],
  )
}

/** The live model: the highest version of `kind`, or the latest trained of any kind. */
export async function loadLatestRecommenderModel(
  db: Kysely<Database>,
  kind?: ModelKind,
): Promise<StoredModel | null> {
  let q = db.selectFrom('recommender_models').selectAll()
  q = kind === undefined ? q.orderBy('trained_at', 'desc') : q.where('kind', '=', kind)
  const r = await q.orderBy('version', 'desc').limit(1).executeTakeFirst()
  if (r === undefined || !isModelKind(r.kind)) return null
  const itemIds: unknown = JSON.parse(r.item_ids)
  if (!Array.isArray(itemIds) || !itemIds.every((x) => typeof x === 'string')) {
    throw new Error(`recommender model ${r.id}: item_ids is not a string array`)
  }
  return {
    id: r.id,
    kind: r.kind,
    version: r.version,
    params: parseJsonObject(r.params),
    metrics: parseJsonObject(r.metrics),
    trainedAt: r.trained_at,
    sizeBytes: r.size_bytes,
    itemIds,
    bytes: new Uint8Array(r.model.buffer, r.model.byteOffset, r.model.byteLength),
  }
}
