import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from './database.js'

/**
 * The setting's value, creating it with `create()` the first time. Concurrent first calls agree:
 * the insert ignores a conflict and the stored value is read back.
 */
export async function getOrCreateSetting(
  db: Kysely<Database>,
  key: string,
  create: () => string,
): Promise<string> {
  const found = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst()
  if (found !== undefined) return found.value
  await db
    .insertInto('settings')
    .values({ key, value: create() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
  const stored = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirstOrThrow()
  return stored.value
}

/** A random secret of 256 bits, for settings created on first use. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url')
}
