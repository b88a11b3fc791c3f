/** A unit-return to place against earlier purchases of the same customer and product. */
export interface ReturnRequest {
  readonly customerId: string
  readonly returnId: string
  readonly returnLine: number
  readonly productId: string
  readonly quantity: number
  readonly price: number
  readonly returnedAt: number
  /** Source line, for the report. */
  readonly sourceLine: number
}

/** An order line that may take returned units. */
export interface ReturnCandidate {
  readonly customerId: string
  readonly orderId: string
  readonly line: number
  readonly productId: string
  readonly placedAt: number
  /** Units bought and not yet returned. */
  readonly open: number
}

export interface ReturnAllocation {
  readonly customerId: string
  readonly returnId: string
  readonly returnLine: number
  readonly orderId: string
  readonly orderLine: number
  readonly productId: string
  readonly quantity: number
  readonly amount: number
  readonly returnedAt: number
}

export interface ReturnAllocationResult {
  readonly allocations: readonly ReturnAllocation[]
  /** Returns that found no earlier purchase with units left to return. */
  readonly unmatched: readonly ReturnRequest[]
  /** Units returned beyond what was bought (after what could be placed was placed). */
  readonly excessUnits: number
}

/**
 * Places returns against purchases: each return takes units from the customer's most recent
 * earlier purchases of the same product (placed at or before the return, newest first), never
 * more than a line has open, so `returned_quantity` stays within `quantity`. Returns are placed in
 * time order, so two returns compete for units the way they happened.
 */
export function allocateReturns(
  returns: readonly ReturnRequest[],
  candidates: readonly ReturnCandidate[],
): ReturnAllocationResult {
  const byKey = new Map<string, { candidate: ReturnCandidate; open: number }[]>()
  for (const candidate of candidates) {
    if (candidate.open <= 0) continue
    const key = `${candidate.customerId}\u0000${candidate.productId}`
    let list = byKey.get(key)
    if (list === undefined) {
      list = []
      byKey.set(key, list)
    }
    list.push({ candidate, open: candidate.open })
  }
  for (const list of byKey.values()) {
    list.sort(
      (a, b) =>
        b.candidate.placedAt - a.candidate.placedAt ||
        (a.candidate.orderId < b.candidate.orderId ? 1 : -1) ||
        b.candidate.line - a.candidate.line,
    )
  }
  const allocations: ReturnAllocation[] = []
  const unmatched: ReturnRequest[] = []
  let excessUnits = 0
  const ordered = [...returns].sort(
    (a, b) => a.returnedAt - b.returnedAt || a.sourceLine - b.sourceLine,
  )
  for (const request of ordered) {
    const list = byKey.get(`${request.customerId}\u0000${request.productId}`) ?? []
    let left = request.quantity
    for (const slot of list) {
      if (left <= 0) break
      if (slot.open <= 0 || slot.candidate.placedAt > request.returnedAt) continue
      const take = Math.min(slot.open, left)
      slot.open -= take
      left -= take
      allocations.push({
        customerId: request.customerId,
        returnId: request.returnId,
        returnLine: request.returnLine,
        orderId: slot.candidate.orderId,
        orderLine: slot.candidate.line,
        productId: request.productId,
        quantity: take,
        amount: take * request.price,
        returnedAt: request.returnedAt,
      })
    }
    if (left === request.quantity) unmatched.push(request)
    else excessUnits += left
  }
  return { allocations, unmatched, excessUnits }
}
