import type { Kysely } from 'kysely'
import { RequestError } from '../core/errors.js'
import { requireCustomerId } from '../identify/customer-profile.js'
import type { ApiKey } from '../store/api-keys.repository.js'
import type { Database } from '../store/database.js'

/**
 * The customer an identity names, if this key may touch them: a manager key reaches only the
 * customers assigned to its manager (403 otherwise); other roles are checked by the route.
 */
export async function accessibleCustomerId(
  db: Kysely<Database>,
  key: ApiKey | null,
  identity: string,
): Promise<string> {
  const customerId = await requireCustomerId(db, identity)
  if (key?.role === 'manager') {
    const row = await db
      .selectFrom('customers')
      .select('manager_id')
      .where('id', '=', customerId)
      .executeTakeFirst()
    if (key.managerId === null || row?.manager_id !== key.managerId) {
      throw new RequestError('forbidden', 403, 'This customer is not in your portfolio', {
        customerId,
      })
    }
  }
  return customerId
}
