import type { Kysely } from 'kysely'
import type { Clock } from '../core/clock.js'
import { newId } from '../core/ids.js'
import type { JsonObject } from '../core/json.js'
import type { Database } from '../store/database.js'
import type { Store } from '../store/engine.js'
import { findSuppressed } from '../store/suppressions.repository.js'
import { BatchIdentityState } from './batch-identity-state.js'
import { BatchWriter } from './batch-writer.js'
import { projectTrackEvent } from './ecommerce-projection.js'
import { identityKey, normalizeEmail, type Identity } from './identity-key.js'
import { mergeCustomers } from './merge-customers.js'
import { eventTime, type EventType, type NormalizedEvent } from './segment-event.js'
import {
  validateBatch,
  type EventCheck,
  type RejectedEvent,
  type ValidEvent,
} from './validate-batch.js'

export type { EventCheck } from './validate-batch.js'

export interface IngestDeps {
  readonly store: Store
  readonly clock: Clock
  /**
   * Called inside the ingestion transaction with the events stored now, so a later stage can
   * project them (Interact turns dialogue events into thread messages) without reading them back.
   */
  readonly onStored?: StoredEventsHook
  /**
   * A later stage's own check of a valid event (Interact: consent events must say what they
   * mean); a rejection is reported with the event's index like any other, the rest is stored.
   */
  readonly validate?: EventCheck
}

/** An event as ingestion stored it in `events`, with its columns' JSON parsed. */
export interface StoredEvent {
  readonly messageId: string
  /** The event's customer once the batch's merges are done. */
  readonly customerId: string
  readonly type: EventType
  readonly name: string | null
  readonly occurredAt: number
  readonly properties: JsonObject
  /** The stored envelope: context, and previousId or groupId when the event has one. */
  readonly context: JsonObject
}

export type StoredEventsHook = (
  db: Kysely<Database>,
  events: readonly StoredEvent[],
  nowMs: number,
) => Promise<void>

/** Currency of an ingested order that names none (IngestOptions.defaultCurrency unset). */
export const DEFAULT_ORDER_CURRENCY = 'USD'

export interface IngestOptions {
  /** Set by single-call endpoints (`/v1/track` …). */
  readonly impliedType?: EventType
  /** The batch envelope's sentAt, for clock-skew correction. */
  readonly sentAt?: string | null
  /** Currency for orders that do not name one. */
  readonly defaultCurrency?: string
}

/** Per-item outcome of a batch: nothing is thrown halfway. */
export interface IngestReport {
  /** Events stored now. */
  readonly accepted: number
  /** Events already stored earlier (same messageId): accepted, not stored twice. */
  readonly duplicates: number
  /** Events naming an erased customer: acknowledged and dropped, so retries do not revive them. */
  readonly suppressed: number
  readonly rejected: readonly RejectedEvent[]
  /** Customer of each accepted or duplicate event, by index in the batch. */
  readonly customers: ReadonlyMap<number, string>
}

export interface StoreBatchOptions {
  /** When the batch was received (acknowledged): the events' `received_at`, and `now`. */
  readonly receivedAt: number
  /** The batch envelope's sentAt, for clock-skew correction. */
  readonly sentAt: string | null
  /** Currency for orders that do not name one. */
  readonly defaultCurrency: string
}

/** What storing a validated batch did. */
export interface StoredBatch {
  /** Events stored now. */
  readonly accepted: number
  /** Events whose messageId was stored already. */
  readonly duplicates: number
  /** Events naming an erased customer: dropped. */
  readonly suppressed: number
  /** Customer of each stored or duplicate event, by index in the batch. */
  readonly customers: ReadonlyMap<number, string>
}

/**
 * Validates, resolves and stores a batch of Segment events in one transaction: good events are
 * committed before this returns, bad ones are reported with their index and reason, repeats of a
 * stored messageId are acknowledged and not stored again.
 *
 * Identity resolution: userId, anonymousId, alias previousId and the email trait join
 * identities into one customer; when identities of two customers meet they merge (recorded with
 * the identities and the reason). Two customers known under different userIds never merge
 * through a shared anonymousId or email: the meeting is recorded as a conflict instead. An
 * explicit `alias` call does merge them.
 */
export async function ingestEvents(
  deps: IngestDeps,
  rawEvents: readonly unknown[],
  options: IngestOptions = {},
): Promise<IngestReport> {
  const batch = validateBatch(deps, rawEvents, options)
  const stored =
    batch.valid.length === 0
      ? { accepted: 0, duplicates: 0, suppressed: 0, customers: new Map<number, string>() }
      : await deps.store.db.transaction().execute((trx) =>
          storeValidatedBatch(deps, trx, batch.valid, {
            receivedAt: batch.receivedAt,
            sentAt: options.sentAt ?? null,
            defaultCurrency: options.defaultCurrency ?? DEFAULT_ORDER_CURRENCY,
          }),
        )
  const customers = new Map(stored.customers)
  for (const dup of batch.batchDuplicates) {
    const first = batch.valid.find((v) => v.messageId === dup.messageId)
    const owner = first === undefined ? undefined : customers.get(first.index)
    if (owner !== undefined) customers.set(dup.index, owner)
  }
  return {
    accepted: stored.accepted,
    duplicates: stored.duplicates + batch.batchDuplicates.length,
    suppressed: stored.suppressed,
    rejected: batch.rejected,
    customers,
  }
}

/**
 * Resolves and stores validated events inside the caller's transaction `trx`: what
 * `ingestEvents` does after validation, and what the inbox processor does with each batch it
 * takes (several in one transaction, with its high-water mark).
 */
export async function storeValidatedBatch(
  deps: Pick<IngestDeps, 'store' | 'onStored'>,
  trx: Kysely<Database>,
  events: readonly ValidEvent[],
  options: StoreBatchOptions,
): Promise<StoredBatch> {
  const valid = [...events]
  const suppressed = await dropSuppressed(trx, valid)
  const customers = new Map<number, string>()
  if (valid.length === 0) return { accepted: 0, duplicates: 0, suppressed, customers }
  const { receivedAt } = options
  const identitiesOf = valid.map((v) => identitiesOfEvent(v.event))
  await deps.store.capabilities.lockKeys(trx, identitiesOf.flat().map(identityKey))
  const existing = await existingMessageIds(
    trx,
    valid.map((v) => v.messageId),
  )
  const resolver = new BatchResolver(trx, deps.store, receivedAt)
  await resolver.preload(identitiesOf.flat())
  const stored: StoredEvent[] = []
  for (const [i, entry] of valid.entries()) {
    if (existing.has(entry.messageId)) {
      const owner = await resolver.ownerOfStoredEvent(entry.messageId)
      if (owner !== null) customers.set(entry.index, owner)
      continue
    }
    const at = eventTime(entry.event, receivedAt, options.sentAt)
    const customerId = await resolver.resolve(entry, identitiesOf[i] ?? [], at)
    stored.push(resolver.record(entry, customerId, at, options.defaultCurrency))
    customers.set(entry.index, customerId)
  }
  await resolver.finish()
  if (deps.onStored !== undefined && stored.length > 0) {
    await deps.onStored(trx, resolver.withCurrentOwners(stored), receivedAt)
  }
  return { accepted: stored.length, duplicates: existing.size, suppressed, customers }
}

/** Removes (in place) events naming an erased customer's identity; returns how many. */
async function dropSuppressed(db: Kysely<Database>, valid: ValidEvent[]): Promise<number> {
  const hits = await findSuppressed(
    db,
    valid.flatMap((v) => identitiesOfEvent(v.event)),
  )
  if (hits.length === 0) return 0
  const keys = new Set(hits.map((h) => `${h.kind}\u0000${h.value}`))
  const kept = valid.filter(
    (v) => !identitiesOfEvent(v.event).some((i) => keys.has(`${i.kind}\u0000${i.value}`)),
  )
  const dropped = valid.length - kept.length
  valid.splice(0, valid.length, ...kept)
  return dropped
}

/** The identities an event names, strongest first. */
export function identitiesOfEvent(event: NormalizedEvent): Identity[] {
  const identities: Identity[] = []
  if (event.userId !== null) identities.push({ kind: 'user_id', value: event.userId })
  if (event.anonymousId !== null)
    identities.push({ kind: 'anonymous_id', value: event.anonymousId })
  if (event.previousId !== null) {
    identities.push({ kind: 'user_id', value: event.previousId })
    identities.push({ kind: 'anonymous_id', value: event.previousId })
  }
  const email = normalizeEmail(event.traits['email'])
  if (email !== null) identities.push({ kind: 'email', value: email })
  return identities
}

/** The messageIds among `ids` that `events` holds already. */
export async function existingMessageIds(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>()
  for (let start = 0; start < ids.length; start += 1000) {
    const rows = await db
      .selectFrom('events')
      .select('message_id')
      .where('message_id', 'in', ids.slice(start, start + 1000))
      .execute()
    for (const row of rows) found.add(row.message_id)
  }
  return found
}

/** Resolves each event of one batch to a customer, merging or recording conflicts as it goes. */
class BatchResolver {
  private readonly state = new BatchIdentityState()
  private readonly writer: BatchWriter
  /** Customers that have a row in the database (found by preload, or written by a flush). */
  private readonly inDatabase = new Set<string>()
  /** Customers created by this batch and not yet flushed. */
  private readonly created = new Set<string>()
  /** Customers merged away by this batch, and where into. */
  private readonly mergedInto = new Map<string, string>()

  constructor(
    private readonly db: Kysely<Database>,
    store: Store,
    private readonly nowMs: number,
  ) {
    this.writer = new BatchWriter(db, store.capabilities, store.sqliteStatements)
  }

  async preload(identities: readonly Identity[]): Promise<void> {
    const values = [...new Set(identities.map((i) => i.value))]
    for (let start = 0; start < values.length; start += 1000) {
      const rows = await this.db
        .selectFrom('identities')
        .select(['kind', 'value', 'customer_id'])
        .where('value', 'in', values.slice(start, start + 1000))
        .execute()
      this.state.load(rows)
      for (const row of rows) this.inDatabase.add(row.customer_id)
    }
    const owners = [...this.inDatabase]
    for (let start = 0; start < owners.length; start += 1000) {
      const rows = await this.db
        .selectFrom('identities')
        .select(['kind', 'value', 'customer_id'])
        .where('kind', '=', 'user_id')
        .where('customer_id', 'in', owners.slice(start, start + 1000))
        .execute()
      this.state.load(rows)
    }
  }

  async ownerOfStoredEvent(messageId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('events')
      .select('customer_id')
      .where('message_id', '=', messageId)
      .executeTakeFirst()
    return row?.customer_id ?? null
  }

  async resolve(entry: ValidEvent, named: readonly Identity[], at: number): Promise<string> {
    const { event } = entry
    const userId = event.userId
    const identities = this.withPreviousIdKind(event, named)
    let anchor: string | null =
      userId === null ? null : (this.state.customerOf({ kind: 'user_id', value: userId }) ?? null)
    const blocked: Identity[] = []
    for (const identity of identities) {
      const owner = this.state.customerOf(identity)
      if (owner === undefined || owner === anchor) continue
      const explicit = event.type === 'alias' && identity.value === event.previousId
      if (!explicit) {
        const otherPerson =
          (userId !== null && this.state.hasOtherUserId(owner, userId)) ||
          (anchor !== null && this.state.areDistinctPeople(owner, anchor))
        if (otherPerson) {
          blocked.push(identity)
          continue
        }
      }
      if (anchor === null) {
        anchor = owner
        continue
      }
      const reason = explicit ? 'alias' : `same ${identity.kind}`
      await this.merge(
        owner,
        anchor,
        `${reason}: ${identity.kind} ${identity.value}`,
        entry.messageId,
        at,
      )
    }
    const customerId = anchor ?? newId('cus', at)
    if (anchor === null) this.created.add(customerId)
    for (const identity of identities) {
      if (blocked.includes(identity) || this.state.customerOf(identity) !== undefined) continue
      this.state.attach(identity, customerId)
      this.writer.addIdentity({
        kind: identity.kind,
        value: identity.value,
        customer_id: customerId,
        first_seen_at: at,
      })
    }
    for (const identity of blocked) {
      const owner = this.state.customerOf(identity)
      if (owner !== undefined && owner !== customerId) {
        await this.recordConflict(customerId, owner, identity, entry.messageId, at)
      }
    }
    return customerId
  }

  /** Queues the event's rows for the next flush; returns the event as it will be stored. */
  record(entry: ValidEvent, customerId: string, at: number, defaultCurrency: string): StoredEvent {
    const { event } = entry
    const hasTraits = Object.keys(event.traits).length > 0
    const isNew = !this.inDatabase.has(customerId)
    this.writer.touchCustomer(customerId, at, hasTraits ? event.traits : null, isNew)
    const context = envelopeOf(event)
    this.writer.addEvent({
      message_id: entry.messageId,
      customer_id: customerId,
      type: event.type,
      name: event.name,
      user_id: event.userId,
      anonymous_id: event.anonymousId,
      occurred_at: at,
      received_at: this.nowMs,
      properties: JSON.stringify(event.properties),
      context: JSON.stringify(context),
    })
    if (event.type === 'track' && event.name !== null) {
      const projection = projectTrackEvent(event.name, event.properties, defaultCurrency)
      this.writer.addProjection(customerId, entry.messageId, at, projection)
    }
    return {
      messageId: entry.messageId,
      customerId,
      type: event.type,
      name: event.name,
      occurredAt: at,
      properties: event.properties,
      context,
    }
  }

  /** The events with the customer each belongs to after the batch's merges (which move events). */
  withCurrentOwners(events: readonly StoredEvent[]): readonly StoredEvent[] {
    if (this.mergedInto.size === 0) return events
    return events.map((e) => {
      let owner = e.customerId
      for (let next = this.mergedInto.get(owner); next !== undefined;) {
        owner = next
        next = this.mergedInto.get(owner)
      }
      return owner === e.customerId ? e : { ...e, customerId: owner }
    })
  }

  async finish(): Promise<void> {
    await this.flush()
  }

  /**
   * An alias's previousId may be an earlier userId or an anonymousId: keep the kind under which
   * it is known, or treat an unknown one as an anonymousId.
   */
  private withPreviousIdKind(event: NormalizedEvent, identities: readonly Identity[]): Identity[] {
    const previous = event.previousId
    if (previous === null) return [...identities]
    const knownAsUser = this.state.customerOf({ kind: 'user_id', value: previous }) !== undefined
    const drop: Identity['kind'] = knownAsUser ? 'anonymous_id' : 'user_id'
    return identities.filter(
      (i) =>
        !(
          i.value === previous &&
          i.kind === drop &&
          !(i.kind === 'user_id' && i.value === event.userId)
        ),
    )
  }

  private async flush(): Promise<void> {
    await this.writer.flush(this.nowMs)
    for (const id of this.created) this.inDatabase.add(id)
    this.created.clear()
  }

  private async merge(
    fromId: string,
    intoId: string,
    reason: string,
    messageId: string,
    at: number,
  ): Promise<void> {
    await this.flush()
    await mergeCustomers(this.db, { fromId, intoId, reason, messageId, atMs: at })
    this.state.redirect(fromId, intoId)
    this.mergedInto.set(fromId, intoId)
    this.inDatabase.delete(fromId)
  }

  private async recordConflict(
    customerId: string,
    otherId: string,
    identity: Identity,
    messageId: string,
    at: number,
  ): Promise<void> {
    await this.db
      .insertInto('identity_conflicts')
      .values({
        id: newId('cfl', at),
        customer_id: customerId,
        other_customer_id: otherId,
        kind: identity.kind,
        value: identity.value,
        reason: `${identity.kind} ${identity.value} belongs to a customer known under another userId; not merged`,
        message_id: messageId,
        detected_at: at,
      })
      .execute()
  }
}

/** Envelope fields kept beside properties: context plus the ids that are not columns. */
function envelopeOf(event: NormalizedEvent): JsonObject {
  const envelope: JsonObject = { ...event.context }
  if (event.previousId !== null) envelope['previousId'] = event.previousId
  if (event.groupId !== null) envelope['groupId'] = event.groupId
  return envelope
}
