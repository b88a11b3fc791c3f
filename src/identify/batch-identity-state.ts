import { identityKey, type Identity } from './identity-key.js'

/**
 * What one ingestion batch knows of the identity graph: preloaded from the database for the
 * batch's identities, then kept current in memory as the batch's events resolve and merge.
 */
export class BatchIdentityState {
  private readonly owner = new Map<string, string>()
  private readonly userIds = new Map<string, Set<string>>()

  /** Records what the database says: identity → customer, and each customer's userIds. */
  load(rows: readonly { kind: string; value: string; customer_id: string }[]): void {
    for (const row of rows) {
      this.owner.set(`${row.kind}:${row.value}`, row.customer_id)
      if (row.kind === 'user_id') this.userIdsOf(row.customer_id).add(row.value)
    }
  }

  customerOf(identity: Identity): string | undefined {
    return this.owner.get(identityKey(identity))
  }

  attach(identity: Identity, customerId: string): void {
    this.owner.set(identityKey(identity), customerId)
    if (identity.kind === 'user_id') this.userIdsOf(customerId).add(identity.value)
  }

  /** True when the customer is known under some userId and `userId` is not one of them. */
  hasOtherUserId(customerId: string, userId: string): boolean {
    const ids = this.userIds.get(customerId)
    return ids !== undefined && ids.size > 0 && !ids.has(userId)
  }

  /** True when both customers carry userIds and share none: two different people. */
  areDistinctPeople(a: string, b: string): boolean {
    const idsA = this.userIds.get(a)
    const idsB = this.userIds.get(b)
    if (idsA === undefined || idsB === undefined || idsA.size === 0 || idsB.size === 0) return false
    for (const id of idsA) if (idsB.has(id)) return false
    return true
  }

  /** After a merge: everything that pointed at `fromId` now points at `intoId`. */
  redirect(fromId: string, intoId: string): void {
    for (const [key, customer] of this.owner) if (customer === fromId) this.owner.set(key, intoId)
    const moved = this.userIds.get(fromId)
    if (moved !== undefined) {
      const target = this.userIdsOf(intoId)
      for (const id of moved) target.add(id)
      this.userIds.delete(fromId)
    }
  }

  private userIdsOf(customerId: string): Set<string> {
    let ids = this.userIds.get(customerId)
    if (ids === undefined) {
      ids = new Set()
      this.userIds.set(customerId, ids)
    }
    return ids
  }
}
