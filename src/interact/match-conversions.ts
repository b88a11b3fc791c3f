/** A marketing delivery that reached the customer and has not converted yet. */
export interface PendingDelivery {
  readonly id: string
  readonly customerId: string
  /** When it left us: the relay took it (email) or the far end confirmed it (webhook, inbox). */
  readonly sentAt: number
}

/** An order that may be credited to a delivery. */
export interface CandidateOrder {
  readonly customerId: string
  readonly orderId: string
  readonly placedAt: number
  readonly revenue: number
  readonly currency: string
}

export interface ConversionMatch {
  readonly deliveryId: string
  readonly order: CandidateOrder
}

/**
 * Credits orders to the marketing deliveries that preceded them (last touch within a window).
 *
 * Method: orders are taken in time order (ties by order id, so the answer does not depend on
 * arrival order within one call); each is credited to the same customer's most recent delivery
 * sent at or before the order and at most `windowMs` earlier that is still unconverted. A
 * delivery converts once and an order credits at most one delivery, so a second order in the
 * window goes to the next most recent unconverted delivery, if any.
 *
 * References: "last-touch attribution" as used by email service providers (e.g. a 5–7 day
 * click or open window); here any delivered marketing message counts as the touch.
 */
export function matchConversions(
  deliveries: readonly PendingDelivery[],
  orders: readonly CandidateOrder[],
  windowMs: number,
): ConversionMatch[] {
  if (!(windowMs >= 0)) throw new Error(`attribution window must be >= 0 ms, got ${windowMs}`)
  const byCustomer = new Map<string, PendingDelivery[]>()
  for (const delivery of deliveries) {
    const list = byCustomer.get(delivery.customerId)
    if (list === undefined) byCustomer.set(delivery.customerId, [delivery])
    else list.push(delivery)
  }
  const sorted = [...orders].sort(
    (a, b) =>
      a.placedAt - b.placedAt || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0),
  )
  const used = new Set<string>()
  const matches: ConversionMatch[] = []
  for (const order of sorted) {
    let best: PendingDelivery | null = null
    for (const delivery of byCustomer.get(order.customerId) ?? []) {
      if (used.has(delivery.id)) continue
      if (delivery.sentAt > order.placedAt || order.placedAt - delivery.sentAt > windowMs) continue
      if (
        best === null ||
        delivery.sentAt > best.sentAt ||
        (delivery.sentAt === best.sentAt && delivery.id > best.id)
      ) {
        best = delivery
      }
    }
    if (best === null) continue
    used.add(best.id)
    matches.push({ deliveryId: best.id, order })
  }
  return matches
}
