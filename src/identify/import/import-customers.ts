import { newId } from '../../core/ids.js'
import { parseJsonObject, type JsonObject } from '../../core/json.js'
import type { SqlValue } from '../../store/bulk-statements.js'
import { parseCustomerRow, planCustomerColumns, type ListedCustomer } from './catalog-row.js'
import type { ImportDeps } from './import-orders.js'
import type { ImportReport } from './import-report.js'
import { importCatalogFile, type ImportCatalogOptions } from './import-products.js'

/**
 * Imports a customer list (CSV, plain or gzip): id (kept as the customer's `user_id` identity),
 * email (an `email` identity and the customer's email) and every other column as a trait.
 *
 * A row joins the customer already known by its id, or else by its email. It never merges two
 * known customers: an email that belongs to a customer with another id is a conflict, reported
 * as `email_conflict` and left as it was. Traits are merged into the stored ones (the file wins
 * per trait), so a re-import changes nothing.
 */
export async function importCustomers(
  deps: ImportDeps,
  path: string,
  options: ImportCatalogOptions = {},
): Promise<ImportReport> {
  return importCatalogFile<'id' | 'email', ListedCustomer>(deps, path, options, {
    kind: 'customers',
    tables: ['customers'],
    plan: planCustomerColumns,
    parseRow: parseCustomerRow,
    makeWriter: () => async (db, bulk, rows, tally, nowMs) => {
      // Last row wins when a file lists a customer twice.
      const byId = new Map(rows.map((r) => [r.value.id, r]))
      const listed = [...byId.values()].map((r) => ({ ...r.value, line: r.line }))
      const owners = new Map<string, string>()
      const userIdsOf = new Map<string, Set<string>>()
      const values = [
        ...new Set(listed.flatMap((c) => [c.id, ...(c.email === null ? [] : [c.email])])),
      ]
      for (let start = 0; start < values.length; start += 1000) {
        const found = await db
          .selectFrom('identities')
          .select(['kind', 'value', 'customer_id'])
          .where('value', 'in', values.slice(start, start + 1000))
          .where('kind', 'in', ['user_id', 'email'])
          .execute()
        for (const row of found) owners.set(`${row.kind}:${row.value}`, row.customer_id)
      }
      const emailOwners = [
        ...new Set(
          listed.map((c) => (c.email === null ? undefined : owners.get(`email:${c.email}`))),
        ),
      ].filter((id): id is string => id !== undefined)
      for (let start = 0; start < emailOwners.length; start += 1000) {
        const found = await db
          .selectFrom('identities')
          .select(['value', 'customer_id'])
          .where('kind', '=', 'user_id')
          .where('customer_id', 'in', emailOwners.slice(start, start + 1000))
          .execute()
        for (const row of found) {
          let ids = userIdsOf.get(row.customer_id)
          if (ids === undefined) userIdsOf.set(row.customer_id, (ids = new Set()))
          ids.add(row.value)
        }
      }
      const identities: SqlValue[][] = []
      const resolved: { customerId: string; listed: ListedCustomer; isNew: boolean }[] = []
      for (const customer of listed) {
        const byUser = owners.get(`user_id:${customer.id}`)
        const byEmail = customer.email === null ? undefined : owners.get(`email:${customer.email}`)
        const emailTaken =
          byEmail !== undefined &&
          (byUser !== undefined ? byEmail !== byUser : (userIdsOf.get(byEmail)?.size ?? 0) > 0)
        if (emailTaken) {
          tally.skip('email_conflict', customer.line, false)
          continue
        }
        const customerId = byUser ?? byEmail ?? newId('cus', nowMs)
        if (byUser === undefined) {
          identities.push(['user_id', customer.id, customerId, nowMs])
          owners.set(`user_id:${customer.id}`, customerId)
        }
        // Later rows of this batch must see that this customer has a user id.
        let ids = userIdsOf.get(customerId)
        if (ids === undefined) userIdsOf.set(customerId, (ids = new Set()))
        ids.add(customer.id)
        if (customer.email !== null && byEmail === undefined) {
          identities.push(['email', customer.email, customerId, nowMs])
          owners.set(`email:${customer.email}`, customerId)
        }
        resolved.push({
          customerId,
          listed: customer,
          isNew: byUser === undefined && byEmail === undefined,
        })
      }
      const stored = new Map<string, string>()
      const knownIds = resolved.filter((r) => !r.isNew).map((r) => r.customerId)
      for (let start = 0; start < knownIds.length; start += 1000) {
        const found = await db
          .selectFrom('customers')
          .select(['id', 'traits'])
          .where('id', 'in', knownIds.slice(start, start + 1000))
          .execute()
        for (const row of found) stored.set(row.id, row.traits)
      }
      await bulk.insert(
        'identities',
        ['kind', 'value', 'customer_id', 'first_seen_at'],
        identities,
        'ON CONFLICT (kind, value) DO NOTHING',
      )
      await bulk.insert(
        'customers',
        ['id', 'traits', 'email', 'first_seen_at', 'last_seen_at', 'manager_id', 'created_at'],
        // One row per customer: a customer known under two listed ids gets both rows' traits.
        [
          ...resolved
            .reduce((merged, r) => {
              const prior = merged.get(r.customerId)
              merged.set(r.customerId, {
                traits: {
                  ...(prior?.traits ?? parseJsonObject(stored.get(r.customerId))),
                  ...r.listed.traits,
                },
                email: r.listed.email ?? prior?.email ?? null,
              })
              return merged
            }, new Map<string, { traits: JsonObject; email: string | null }>())
            .entries(),
        ].map(([id, c]) => [id, JSON.stringify(c.traits), c.email, nowMs, nowMs, null, nowMs]),
        'ON CONFLICT (id) DO UPDATE SET traits = excluded.traits, email = COALESCE(excluded.email, customers.email)',
      )
      const created = resolved.filter((r) => r.isNew).length
      tally.customersCreated += created
      tally.addInserted('customers', created)
      tally.rowsImported += resolved.length
    },
  })
}
