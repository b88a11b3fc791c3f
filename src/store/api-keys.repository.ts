import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { newId } from '../core/ids.js'
import { isRole, type Role } from '../core/roles.js'
import type { Database } from './database.js'

export interface ApiKey {
  readonly id: string
  readonly name: string
  readonly role: Role
  readonly managerId: string | null
  readonly createdAt: number
}

export interface CreatedApiKey extends ApiKey {
  /** The secret itself: shown once, stored only as a hash. */
  readonly key: string
}

const KEY_PREFIX: Readonly<Record<Role, string>> = {
  write: 'wk',
  admin: 'sk',
  analyst: 'sk',
  manager: 'sk',
}

/** Keys are 192 random bits, so one round of SHA-256 is enough to store them safely. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export async function createApiKey(
  db: Kysely<Database>,
  input: { readonly name: string; readonly role: Role; readonly managerId?: string | null },
  nowMs: number,
): Promise<CreatedApiKey> {
  const key = `${KEY_PREFIX[input.role]}_${randomBytes(24).toString('base64url')}`
  const row = {
    id: newId('key', nowMs),
    name: input.name,
    role: input.role,
    key_hash: hashApiKey(key),
    manager_id: input.managerId ?? null,
    created_at: nowMs,
    revoked_at: null,
  }
  await db.insertInto('api_keys').values(row).execute()
  return {
    id: row.id,
    name: row.name,
    role: input.role,
    managerId: row.manager_id,
    createdAt: nowMs,
    key,
  }
}

/** The live (not revoked) key with this secret, or null. */
export async function findApiKey(db: Kysely<Database>, key: string): Promise<ApiKey | null> {
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  if (row === undefined || !isRole(row.role)) return null
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    managerId: row.manager_id,
    createdAt: row.created_at,
  }
}

export async function listApiKeys(db: Kysely<Database>): Promise<readonly ApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute()
  return rows.flatMap((row) =>
    isRole(row.role)
      ? [
          {
            id: row.id,
            name: row.name,
            role: row.role,
            managerId: row.manager_id,
            createdAt: row.created_at,
          },
        ]
      : [],
  )
}

export async function revokeApiKey(
  db: Kysely<Database>,
  id: string,
  nowMs: number,
): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: nowMs })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}
