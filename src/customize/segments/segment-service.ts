/**
 * Segments as stored objects: saved only when their rule is valid, their membership stored in
 * `segment_members` and kept current, by a diff against the rule's result (refresh) or, for
 * live segments, customer by customer as their events arrive.
 */
import type { Kysely } from 'kysely'
import { DAY_MS } from '../../core/clock.js'
import { newId } from '../../core/ids.js'
import { err, ok, type Result } from '../../core/result.js'
import type { StoredEventsHook } from '../../identify/ingest-events.js'
import type { Database } from '../../store/database.js'
import { capabilitiesOf } from '../../store/engine.js'
import { customersMatchingRule, selectSegmentMembers } from './compile-segment-rule.js'
import type { InvalidSegmentRule } from './parse-segment-rule.js'
import { refreshModeOf, usesScores } from './segment-rule.js'
import {
  addMembers,
  adjustMemberCount,
  deleteSegmentRow,
  findSegment,
  findSegmentByName,
  insertSegment,
  latestDataChanges,
  listSegments,
  memberIds,
  membershipsOf,
  removeMembers,
  setSegmentRefreshed,
  updateSegmentRow,
  type Segment,
} from './segments.repository.js'
import { validateSegmentRule } from './validate-segment-rule.js'

export interface SegmentNameTaken {
  readonly type: 'segment_name_taken'
  readonly message: string
  readonly name: string
}

export interface SegmentNotFound {
  readonly type: 'segment_not_found'
  readonly message: string
  readonly segment: string
}

export type SegmentError = InvalidSegmentRule | SegmentNameTaken | SegmentNotFound

export interface SegmentInput {
  readonly name: string
  readonly description?: string | undefined
  /** Untrusted: validated before anything is saved. */
  readonly rule: unknown
}

export interface SegmentPatch {
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly rule?: unknown
}

/** What a refresh changed. */
export interface RefreshReport {
  readonly segmentId: string
  readonly name: string
  readonly added: number
  readonly removed: number
  /** Members now. */
  readonly count: number
}

function notFound(segment: string): SegmentNotFound {
  return { type: 'segment_not_found', message: `Segment "${segment}" not found`, segment }
}

function nameTaken(name: string): SegmentNameTaken {
  return {
    type: 'segment_name_taken',
    message: `A segment named "${name}" exists already`,
    name,
  }
}

/** Runs `body` in a transaction, or in the caller's when `db` is one already. */
async function inTransaction<T>(
  db: Kysely<Database>,
  body: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? body(db) : db.transaction().execute(body)
}

const lockKey = (segmentId: string): string => `segment:${segmentId}`

/** Validates the rule, saves the segment and computes its members. */
export async function createSegment(
  db: Kysely<Database>,
  input: SegmentInput,
  now: number,
): Promise<Result<Segment, SegmentError>> {
  const validated = await validateSegmentRule(db, input.rule)
  if (!validated.ok) return validated
  if ((await findSegmentByName(db, input.name)) !== null) return err(nameTaken(input.name))
  const segment: Segment = {
    id: newId('seg', now),
    name: input.name,
    description: input.description ?? '',
    rule: validated.value,
    refreshMode: refreshModeOf(validated.value),
    memberCount: 0,
    refreshedAt: null,
    createdAt: now,
    updatedAt: now,
  }
  await insertSegment(db, segment)
  const report = await refreshSegment(db, segment, now)
  return ok({ ...segment, memberCount: report.count, refreshedAt: now })
}

/** Changes name, description or rule; a new rule is validated first and recomputes members. */
export async function updateSegment(
  db: Kysely<Database>,
  idOrName: string,
  patch: SegmentPatch,
  now: number,
): Promise<Result<Segment, SegmentError>> {
  const current = await findSegment(db, idOrName)
  if (current === null) return err(notFound(idOrName))
  let rule = current.rule
  if (patch.rule !== undefined) {
    const validated = await validateSegmentRule(db, patch.rule)
    if (!validated.ok) return validated
    rule = validated.value
  }
  const name = patch.name ?? current.name
  if (name !== current.name) {
    const clash = await findSegmentByName(db, name)
    if (clash !== null && clash.id !== current.id) return err(nameTaken(name))
  }
  const changes = {
    name,
    description: patch.description ?? current.description,
    rule,
    refreshMode: refreshModeOf(rule),
    updatedAt: now,
  }
  await updateSegmentRow(db, current.id, changes)
  const updated: Segment = { ...current, ...changes }
  if (patch.rule === undefined) return ok(updated)
  const report = await refreshSegment(db, updated, now)
  return ok({ ...updated, memberCount: report.count, refreshedAt: now })
}

export async function deleteSegment(
  db: Kysely<Database>,
  idOrName: string,
): Promise<Result<Segment, SegmentNotFound>> {
  const current = await findSegment(db, idOrName)
  if (current === null) return err(notFound(idOrName))
  await inTransaction(db, (trx) => deleteSegmentRow(trx, current.id))
  return ok(current)
}

export async function getSegment(
  db: Kysely<Database>,
  idOrName: string,
): Promise<Result<Segment, SegmentNotFound>> {
  const segment = await findSegment(db, idOrName)
  return segment === null ? err(notFound(idOrName)) : ok(segment)
}

/**
 * Recomputes a segment's members: evaluates the rule once, compares with the stored members,
 * inserts the newcomers and deletes the leavers in chunks, all in one transaction (on
 * PostgreSQL under an exclusive lock on the segment, which live updates take shared).
 */
export async function refreshSegment(
  db: Kysely<Database>,
  segment: Segment,
  now: number,
): Promise<RefreshReport> {
  return inTransaction(db, async (trx) => {
    await capabilitiesOf(trx).lockKeys(trx, [lockKey(segment.id)])
    const before = await memberIds(trx, segment.id)
    const rows = await selectSegmentMembers(trx, segment.rule, now).execute()
    const after = new Set(rows.map((r) => r.customerId))
    const added = [...after].filter((id) => !before.has(id))
    const removed = [...before].filter((id) => !after.has(id))
    await removeMembers(trx, segment.id, removed)
    await addMembers(trx, segment.id, added, now)
    await setSegmentRefreshed(trx, segment.id, after.size, now)
    return {
      segmentId: segment.id,
      name: segment.name,
      added: added.length,
      removed: removed.length,
      count: after.size,
    }
  })
}

export interface RefreshDueOptions {
  /** Scheduled segments older than this are refreshed. */
  readonly intervalMs: number
  /**
   * Live segments are also recomputed when this old (default a day), to catch what arrives
   * other than as events: imported orders, erasures.
   */
  readonly liveMaxAgeMs?: number
}

export type RefreshOutcome =
  | ({ readonly ok: true } & RefreshReport)
  | {
      readonly ok: false
      readonly segmentId: string
      readonly name: string
      readonly error: string
    }

/**
 * Refreshes the segments that need it: scheduled ones older than the interval; live ones never
 * computed, older than `liveMaxAgeMs`, reading value figures older than the latest scoring run,
 * or older than the latest customer merge (a merge unites memberships, which the rule may not
 * allow). One outcome per segment; a failure does not stop the others.
 */
export async function refreshDueSegments(
  db: Kysely<Database>,
  now: number,
  options: RefreshDueOptions,
): Promise<readonly RefreshOutcome[]> {
  const segments = await listSegments(db)
  const changes = await latestDataChanges(db)
  const liveMaxAge = options.liveMaxAgeMs ?? DAY_MS
  const due = segments.filter((s) => {
    if (s.refreshedAt === null) return true
    if (s.refreshMode === 'scheduled') return now - s.refreshedAt >= options.intervalMs
    if (now - s.refreshedAt >= liveMaxAge) return true
    if (changes.mergedAt !== null && changes.mergedAt > s.refreshedAt) return true
    return usesScores(s.rule) && changes.scoredAt !== null && changes.scoredAt > s.refreshedAt
  })
  return refreshEach(db, due, now)
}

/** Refreshes every segment (`idic segment refresh --all`). */
export async function refreshAllSegments(
  db: Kysely<Database>,
  now: number,
): Promise<readonly RefreshOutcome[]> {
  return refreshEach(db, await listSegments(db), now)
}

async function refreshEach(
  db: Kysely<Database>,
  segments: readonly Segment[],
  now: number,
): Promise<readonly RefreshOutcome[]> {
  const outcomes: RefreshOutcome[] = []
  for (const segment of segments) {
    try {
      outcomes.push({ ok: true, ...(await refreshSegment(db, segment, now)) })
    } catch (error) {
      outcomes.push({
        ok: false,
        segmentId: segment.id,
        name: segment.name,
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }
  return outcomes
}

export interface LiveUpdateReport {
  readonly segments: number
  readonly added: number
  readonly removed: number
}

/**
 * Re-evaluates every live segment for these customers only and stores who entered and who
 * left. Runs in the caller's transaction (ingestion's), after a shared lock on each segment so a
 * full refresh never interleaves with it.
 */
export async function updateLiveSegments(
  db: Kysely<Database>,
  customerIds: readonly string[],
  now: number,
): Promise<LiveUpdateReport> {
  const live = await listSegments(db, 'live')
  return updateSegmentsFor(db, live, customerIds, now)
}

async function updateSegmentsFor(
  db: Kysely<Database>,
  live: readonly Segment[],
  customerIds: readonly string[],
  now: number,
): Promise<LiveUpdateReport> {
  if (live.length === 0 || customerIds.length === 0) return { segments: 0, added: 0, removed: 0 }
  const ordered = [...live].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  await capabilitiesOf(db).lockKeysShared(
    db,
    ordered.map((s) => lockKey(s.id)),
  )
  const memberships = await membershipsOf(db, customerIds)
  let added = 0
  let removed = 0
  for (const segment of ordered) {
    const matched = await customersMatchingRule(db, segment.rule, customerIds, now)
    const current = memberships.get(segment.id) ?? new Set<string>()
    const entering = [...matched].filter((id) => !current.has(id))
    const leaving = [...current].filter((id) => !matched.has(id))
    await removeMembers(db, segment.id, leaving)
    await addMembers(db, segment.id, entering, now)
    await adjustMemberCount(db, segment.id, entering.length - leaving.length)
    added += entering.length
    removed += leaving.length
  }
  return { segments: ordered.length, added, removed }
}

/**
 * Ingestion hook (`onStored`): live segments follow the customers whose events were just
 * stored, inside the ingestion transaction.
 */
export const updateLiveSegmentsOnStored: StoredEventsHook = async (db, events, nowMs) => {
  const live = await listSegments(db, 'live')
  if (live.length === 0) return
  const customers = new Set(events.map((e) => e.customerId))
  await updateSegmentsFor(db, live, [...customers], nowMs)
}
