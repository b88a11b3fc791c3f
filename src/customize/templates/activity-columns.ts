import { INTERACTION_KINDS, type InteractionKind } from '../recommend/interaction-matrix.js'
import type { ActivityEvent } from '../recommend/recommendation-lists.js'

/**
 * The activity of a chunk of customers as columns, one entry per event: compact to read and to
 * hand to a render thread (a few arrays instead of an object per event). `customer` indexes the
 * chunk's ids, `kind` INTERACTION_KINDS. Per customer, events are in the order they were read.
 */
export interface ActivityColumns {
  readonly customer: Int32Array
  readonly productId: readonly string[]
  readonly kind: Uint8Array
  readonly time: Float64Array
}

/** Collects events into columns; `customerIds` is the chunk the column `customer` indexes. */
export class ActivityColumnsBuilder {
  private readonly index: Map<string, number>
  private readonly customer: number[] = []
  private readonly productId: string[] = []
  private readonly kind: number[] = []
  private readonly time: number[] = []

  constructor(customerIds: readonly string[]) {
    this.index = new Map(customerIds.map((id, i) => [id, i]))
  }

  /** Adds one event; a customer outside the chunk or an unknown kind is ignored. */
  add(customerId: string, productId: string, kind: string, time: number): void {
    const c = this.index.get(customerId)
    const k = KIND_CODE.get(kind)
    if (c === undefined || k === undefined) return
    this.customer.push(c)
    this.productId.push(productId)
    this.kind.push(k)
    this.time.push(time)
  }

  build(): ActivityColumns {
    return {
      customer: Int32Array.from(this.customer),
      productId: this.productId,
      kind: Uint8Array.from(this.kind),
      time: Float64Array.from(this.time),
    }
  }
}

const KIND_CODE = new Map<string, number>(INTERACTION_KINDS.map((k, i) => [k, i]))

/**
 * Each customer's events, oldest first (a stable sort: events at the same time keep the order
 * they were read in); customers without events are absent.
 */
export function activityByCustomer(
  columns: ActivityColumns,
  customerIds: readonly string[],
): Map<string, ActivityEvent[]> {
  const lists: (ActivityEvent[] | undefined)[] = new Array<ActivityEvent[] | undefined>(
    customerIds.length,
  )
  for (let r = 0; r < columns.customer.length; r++) {
    const c = columns.customer[r]!
    const event: ActivityEvent = {
      productId: columns.productId[r]!,
      kind: INTERACTION_KINDS[columns.kind[r]!] as InteractionKind,
      time: columns.time[r]!,
    }
    const list = lists[c]
    if (list === undefined) lists[c] = [event]
    else list.push(event)
  }
  const byCustomer = new Map<string, ActivityEvent[]>()
  for (let c = 0; c < customerIds.length; c++) {
    const list = lists[c]
    if (list === undefined) continue
    list.sort((a, b) => a.time - b.time)
    byCustomer.set(customerIds[c]!, list)
  }
  return byCustomer
}
