import type { Kysely } from 'kysely'

// Migrations take Kysely<unknown>: they describe the schema as it was then, not as it is now.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('manager_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('traits', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('email', 'text')
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('manager_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('customers_email').on('customers').column('email').execute()
  await db.schema
    .createIndex('customers_last_seen')
    .on('customers')
    .columns(['last_seen_at', 'id'])
    .execute()

  await db.schema
    .createTable('identities')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('identities_pk', ['value', 'kind'])
    .execute()
  await db.schema
    .createIndex('identities_customer')
    .on('identities')
    .column('customer_id')
    .execute()

  await db.schema
    .createTable('merges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('merged_customer_id', 'text', (c) => c.notNull())
    .addColumn('identities', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('merged_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('merges_customer').on('merges').column('customer_id').execute()

  await db.schema
    .createTable('identity_conflicts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('other_customer_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('detected_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('identity_conflicts_customer')
    .on('identity_conflicts')
    .column('customer_id')
    .execute()

  await db.schema
    .createTable('events')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('user_id', 'text')
    .addColumn('anonymous_id', 'text')
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('properties', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('events_customer_time')
    .on('events')
    .columns(['customer_id', 'occurred_at'])
    .execute()

  await db.schema
    .createTable('products')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sku', 'text')
    .addColumn('name', 'text')
    .addColumn('category', 'text')
    .addColumn('price', 'double precision')
    .addColumn('cost', 'double precision')
    .addColumn('in_stock', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('repeatable', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('products_category').on('products').column('category').execute()

  await db.schema
    .createTable('orders')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('placed_at', 'bigint', (c) => c.notNull())
    .addColumn('total', 'double precision', (c) => c.notNull())
    .addColumn('discount', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('refunded', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('orders_pk', ['customer_id', 'order_id'])
    .execute()
  await db.schema.createIndex('orders_order_id').on('orders').column('order_id').execute()
  await db.schema.createIndex('orders_placed_at').on('orders').column('placed_at').execute()

  await db.schema
    .createTable('order_items')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('sku', 'text')
    .addColumn('name', 'text')
    .addColumn('category', 'text')
    .addColumn('price', 'double precision', (c) => c.notNull())
    .addColumn('quantity', 'double precision', (c) => c.notNull())
    .addColumn('returned_quantity', 'double precision', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('order_items_pk', ['customer_id', 'order_id', 'line'])
    .execute()
  await db.schema
    .createIndex('order_items_product')
    .on('order_items')
    .column('product_id')
    .execute()

  await db.schema
    .createTable('interactions')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull().defaultTo(1))
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('interactions_pk', ['customer_id', 'message_id', 'product_id'])
    .execute()
  await db.schema
    .createIndex('interactions_time')
    .on('interactions')
    .column('occurred_at')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'interactions',
    'order_items',
    'orders',
    'products',
    'events',
    'identity_conflicts',
    'merges',
    'identities',
    'customers',
    'api_keys',
    'settings',
  ]) {
    await db.schema.dropTable(table).ifExists().execute()
  }
}
