import { createHmac } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from './database.js'
import { getOrCreateSetting, randomSecret } from './settings.repository.js'

/** An identity of an erased customer: the same kinds the identity graph keeps. */
export interface SuppressedIdentity {
  readonly kind: string
  readonly value: string
}

/**
 * Identities are kept only as keyed hashes (HMAC-SHA256 with a per-installation salt kept in
 * `settings`), so the suppression list does not itself hold the erased customer's email or ids,
 * and a stolen list cannot be reversed with a dictionary of emails without the salt.
 */
export async function identityHasher(
  db: Kysely<Database>,
): Promise<(identity: SuppressedIdentity) => string> {
  const salt = await getOrCreateSetting(db, 'suppression_salt', randomSecret)
  return (identity) =>
    createHmac('sha256', salt).update(`${identity.kind}\u0000${identity.value}`).digest('hex')
}

export async function addSuppressions(
  db: Kysely<Database>,
  identities: readonly SuppressedIdentity[],
  nowMs: number,
): Promise<number> {
  if (identities.length === 0) return 0
  const hash = await identityHasher(db)
  const rows = [...new Set(identities.map(hash))].map((identity_hash) => ({
    identity_hash,
    created_at: nowMs,
  }))
  await db
    .insertInto('suppressions')
    .values(rows)
    .onConflict((oc) => oc.column('identity_hash').doNothing())
    .execute()
  return rows.length
}

/**
 * Which of these identities belong to erased customers. Returns the suppressed ones; costs one
 * indexed query per 1000 identities, and none while nobody has been erased.
 */
export async function findSuppressed(
  db: Kysely<Database>,
  identities: readonly SuppressedIdentity[],
): Promise<SuppressedIdentity[]> {
  if (identities.length === 0) return []
  const any = await db.selectFrom('suppressions').select('identity_hash').limit(1).execute()
  if (any.length === 0) return []
  const hash = await identityHasher(db)
  const byHash = new Map(identities.map((i) => [hash(i), i]))
  const hashes = [...byHash.keys()]
  const found: SuppressedIdentity[] = []
  for (let start = 0; start < hashes.length; start += 1000) {
    const rows = await db
      .selectFrom('suppressions')
      .select('identity_hash')
      .where('identity_hash', 'in', hashes.slice(start, start + 1000))
      .execute()
    for (const row of rows) {
      const identity = byHash.get(row.identity_hash)
      if (identity !== undefined) found.push(identity)
    }
  }
  return found
}
