import type { Kysely } from 'kysely'
import type { Database } from '../../store/database.js'
import type { SegmentsTable } from '../../store/tables/segments.table.js'
import { parseSegmentRule } from './parse-segment-rule.js'
import { REFRESH_MODES, type RefreshMode, type SegmentRule } from './segment-rule.js'

/** A stored segment. */
export interface Segment {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly rule: SegmentRule
  readonly refreshMode: RefreshMode
  /** Members at the last refresh, kept up to date by live updates. */
  readonly memberCount: number
  readonly refreshedAt: number | null
  readonly createdAt: number
  readonly updatedAt: number
}

/** Rows written or deleted per statement. */
export const MEMBER_CHUNK = 500

function toSegment(row: SegmentsTable): Segment {
  const parsed = parseSegmentRule(JSON.parse(row.rule))
  if (!parsed.ok) {
    throw new Error(`Stored rule of segment ${row.id} is invalid: ${parsed.error.message}`)
  }
  const mode = REFRESH_MODES.find((m) => m === row.refresh_mode)
  if (mode === undefined) {
    throw new Error(`Segment ${row.id} has unknown refresh mode "${row.refresh_mode}"`)
  }
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    rule: parsed.value,
    refreshMode: mode,
    memberCount: row.member_count,
    refreshedAt: row.refreshed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export async function insertSegment(db: Kysely<Database>, segment: Segment): Promise<void> {
  await db
    .insertInto('segments')
    .values({
      id: segment.id,
      name: segment.name,
      description: segment.description,
      rule: JSON.stringify(segment.rule),
      refresh_mode: segment.refreshMode,
      member_count: segment.memberCount,
      refreshed_at: segment.refreshedAt,
      created_at: segment.createdAt,
      updated_at: segment.updatedAt,
    })
    .execute()
}

export interface SegmentChanges {
  readonly name: string
  readonly description: string
  readonly rule: SegmentRule
  readonly refreshMode: RefreshMode
  readonly updatedAt: number
}

export async function updateSegmentRow(
  db: Kysely<Database>,
  id: string,
  changes: SegmentChanges,
): Promise<void> {
  await db
    .updateTable('segments')
    .set({
      name: changes.name,
      description: changes.description,
      rule: JSON.stringify(changes.rule),
      refresh_mode: changes.refreshMode,
      updated_at: changes.updatedAt,
    })
    .where('id', '=', id)
    .execute()
}

/** Deletes a segment and its members; false when there was none. */
export async function deleteSegmentRow(db: Kysely<Database>, id: string): Promise<boolean> {
  await db.deleteFrom('segment_members').where('segment_id', '=', id).execute()
  const result = await db.deleteFrom('segments').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

export async function findSegmentById(db: Kysely<Database>, id: string): Promise<Segment | null> {
  const row = await db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? null : toSegment(row)
}

export async function findSegmentByName(
  db: Kysely<Database>,
  name: string,
): Promise<Segment | null> {
  const row = await db
    .selectFrom('segments')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst()
  return row === undefined ? null : toSegment(row)
}

/** A segment by id, else by name. */
export async function findSegment(db: Kysely<Database>, idOrName: string): Promise<Segment | null> {
  return (await findSegmentById(db, idOrName)) ?? findSegmentByName(db, idOrName)
}

export async function listSegments(
  db: Kysely<Database>,
  mode?: RefreshMode,
): Promise<readonly Segment[]> {
  let query = db.selectFrom('segments').selectAll().orderBy('name')
  if (mode !== undefined) query = query.where('refresh_mode', '=', mode)
  const rows = await query.execute()
  return rows.map(toSegment)
}

export async function setSegmentRefreshed(
  db: Kysely<Database>,
  id: string,
  memberCount: number,
  refreshedAt: number,
): Promise<void> {
  await db
    .updateTable('segments')
    .set({ member_count: memberCount, refreshed_at: refreshedAt })
    .where('id', '=', id)
    .execute()
}

/** Adds `delta` to a segment's member count (live updates). */
export async function adjustMemberCount(
  db: Kysely<Database>,
  id: string,
  delta: number,
): Promise<void> {
  if (delta === 0) return
  await db
    .updateTable('segments')
    .set((eb) => ({ member_count: eb('member_count', '+', delta) }))
    .where('id', '=', id)
    .execute()
}

/** Every member id of a segment. */
export async function memberIds(db: Kysely<Database>, segmentId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('segment_members')
    .select('customer_id')
    .where('segment_id', '=', segmentId)
    .execute()
  return new Set(rows.map((r) => r.customer_id))
}

/** Memberships of some customers, as `segmentId → customer ids`. */
export async function membershipsOf(
  db: Kysely<Database>,
  customerIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>()
  for (let start = 0; start < customerIds.length; start += MEMBER_CHUNK) {
    const rows = await db
      .selectFrom('segment_members')
      .select(['segment_id', 'customer_id'])
      .where('customer_id', 'in', customerIds.slice(start, start + MEMBER_CHUNK))
      .execute()
    for (const row of rows) {
      const set = out.get(row.segment_id) ?? new Set<string>()
      set.add(row.customer_id)
      out.set(row.segment_id, set)
    }
  }
  return out
}

/** Adds members in chunks; ones already there are left as they are. */
export async function addMembers(
  db: Kysely<Database>,
  segmentId: string,
  customerIds: readonly string[],
  addedAt: number,
): Promise<void> {
  for (let start = 0; start < customerIds.length; start += MEMBER_CHUNK) {
    await db
      .insertInto('segment_members')
      .values(
        customerIds.slice(start, start + MEMBER_CHUNK).map((customerId) => ({
          segment_id: segmentId,
          customer_id: customerId,
          added_at: addedAt,
        })),
      )
      .onConflict((oc) => oc.columns(['segment_id', 'customer_id']).doNothing())
      .execute()
  }
}

/** Removes members in chunks. */
export async function removeMembers(
  db: Kysely<Database>,
  segmentId: string,
  customerIds: readonly string[],
): Promise<void> {
  for (let start = 0; start < customerIds.length; start += MEMBER_CHUNK) {
    await db
      .deleteFrom('segment_members')
      .where('segment_id', '=', segmentId)
      .where('customer_id', 'in', customerIds.slice(start, start + MEMBER_CHUNK))
      .execute()
  }
}

export interface SegmentMember {
  readonly customerId: string
  readonly email: string | null
  readonly addedAt: number
}

export interface SegmentMemberPage {
  readonly members: readonly SegmentMember[]
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null
}

/** A page of members in customer id order, after `cursor` (keyset: an index range scan). */
export async function listSegmentMembers(
  db: Kysely<Database>,
  segmentId: string,
  options: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<SegmentMemberPage> {
  let query = db
    .selectFrom('segment_members as m')
    .leftJoin('customers as c', 'c.id', 'm.customer_id')
    .select(['m.customer_id as customerId', 'c.email as email', 'm.added_at as addedAt'])
    .where('m.segment_id', '=', segmentId)
    .orderBy('m.customer_id')
    .limit(options.limit + 1)
  if (options.cursor !== undefined) query = query.where('m.customer_id', '>', options.cursor)
  const rows = await query.execute()
  const members = rows.slice(0, options.limit)
  const last = members[members.length - 1]
  return {
    members,
    nextCursor: rows.length > options.limit && last !== undefined ? last.customerId : null,
  }
}

/** When the newest scoring run and the newest customer merge happened (null: never). */
export async function latestDataChanges(
  db: Kysely<Database>,
): Promise<{ readonly scoredAt: number | null; readonly mergedAt: number | null }> {
  const scored = await db
    .selectFrom('model_runs')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .executeTakeFirst()
  const merged = await db
    .selectFrom('merges')
    .select((eb) => eb.fn.max('merged_at').as('at'))
    .executeTakeFirst()
  return { scoredAt: scored?.at ?? null, mergedAt: merged?.at ?? null }
}
