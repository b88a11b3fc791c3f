import type { Kysely } from 'kysely'

/**
 * Conversions on deliveries: the order a marketing delivery is credited with (attribution
 * window), its revenue and currency; indexes for the delivery report's period filter.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('converted_at', 'bigint').execute()
  await db.schema.alterTable('deliveries').addColumn('conversion_order_id', 'text').execute()
  await db.schema
    .alterTable('deliveries')
    .addColumn('conversion_revenue', 'double precision')
    .execute()
  await db.schema.alterTable('deliveries').addColumn('conversion_currency', 'text').execute()
  await db.schema.createIndex('deliveries_sent').on('deliveries').column('sent_at').execute()
  await db.schema
    .createIndex('deliveries_delivered')
    .on('deliveries')
    .column('delivered_at')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deliveries_delivered').ifExists().execute()
  await db.schema.dropIndex('deliveries_sent').ifExists().execute()
  for (const column of [
    'conversion_currency',
    'conversion_revenue',
    'conversion_order_id',
    'converted_at',
  ]) {
    await db.schema.alterTable('deliveries').dropColumn(column).execute()
  }
}
