/**
 * Tables of the Identify stage. Times are epoch milliseconds (bigint in PostgreSQL, integer in
 * SQLite); JSON is stored as text and parsed in repositories, so both engines return the same.
 */

export interface ApiKeysTable {
  id: string
  name: string
  role: string
  key_hash: string
  /** For role `manager`: the manager this key acts as. */
  manager_id: string | null
  created_at: number
  revoked_at: number | null
}

export interface CustomersTable {
  id: string
  /** JSON object of traits (email, name, plan, …), latest value wins per trait. */
  traits: string
  /** Lower-cased email copied from traits, for search. */
  email: string | null
  first_seen_at: number
  last_seen_at: number
  manager_id: string | null
  created_at: number
}

/** The identity graph: each known identity points at one customer. */
export interface IdentitiesTable {
  kind: string
  value: string
  customer_id: string
  first_seen_at: number
}

/** A record of two customers becoming one. */
export interface MergesTable {
  id: string
  customer_id: string
  merged_customer_id: string
  /** JSON array of the identities the merged customer brought. */
  identities: string
  reason: string
  message_id: string | null
  merged_at: number
}

/** Two identities met that must not merge silently (e.g. two userIds on one browser). */
export interface IdentityConflictsTable {
  id: string
  customer_id: string
  other_customer_id: string
  kind: string
  value: string
  reason: string
  message_id: string | null
  detected_at: number
}

export interface EventsTable {
  message_id: string
  customer_id: string
  type: string
  /** Event name for track, page/screen name, null otherwise. */
  name: string | null
  user_id: string | null
  anonymous_id: string | null
  /** When it happened (the event's timestamp), epoch ms. */
  occurred_at: number
  received_at: number
  /** JSON: properties for track/page/screen, traits for identify/group. */
  properties: string
  /** JSON: context, groupId, previousId and other envelope fields. */
  context: string
}

export interface ProductsTable {
  id: string
  sku: string | null
  name: string | null
  /** Category path, levels joined by ' > '. */
  category: string | null
  price: number | null
  cost: number | null
  in_stock: number
  /** 1 when customers buy it again and again (consumables); recommenders may then repeat it. */
  repeatable: number
  attributes: string
  created_at: number
  updated_at: number
}

/** Every column of `products`, in table order, for bulk writers. */
export const PRODUCT_COLUMNS = [
  'id',
  'sku',
  'name',
  'category',
  'price',
  'cost',
  'in_stock',
  'repeatable',
  'attributes',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof ProductsTable)[]

export interface OrdersTable {
  customer_id: string
  order_id: string
  placed_at: number
  /** Order total as charged, in `currency`. */
  total: number
  discount: number
  /** Amount refunded so far (returns, cancellations). */
  refunded: number
  currency: string
  /** completed | refunded | partially_refunded | cancelled */
  status: string
  country: string | null
  /** event | import */
  source: string
  message_id: string | null
  created_at: number
}

export interface OrderItemsTable {
  customer_id: string
  order_id: string
  line: number
  product_id: string
  sku: string | null
  name: string | null
  category: string | null
  price: number
  quantity: number
  /** Units returned or cancelled. */
  returned_quantity: number
}

/** Product interactions for the recommenders: views, clicks, cart adds, likes, skips, dismissals. */
export interface InteractionsTable {
  customer_id: string
  message_id: string
  product_id: string
  kind: string
  value: number
  occurred_at: number
}

/** Key-value settings the system keeps for itself (e.g. the signing secret). */
export interface SettingsTable {
  key: string
  value: string
}

/** Every column of `customers`, in the order the bulk writers bind them. */
export const CUSTOMER_COLUMNS = [
  'id',
  'traits',
  'email',
  'first_seen_at',
  'last_seen_at',
  'manager_id',
  'created_at',
] as const satisfies readonly (keyof CustomersTable)[]

/** Every column of `orders`, in the order the bulk writers bind them. */
export const ORDER_COLUMNS = [
  'customer_id',
  'order_id',
  'placed_at',
  'total',
  'discount',
  'refunded',
  'currency',
  'status',
  'country',
  'source',
  'message_id',
  'created_at',
] as const satisfies readonly (keyof OrdersTable)[]

/** Every column of `order_items`, in the order the bulk writers bind them. */
export const ORDER_ITEM_COLUMNS = [
  'customer_id',
  'order_id',
  'line',
  'product_id',
  'sku',
  'name',
  'category',
  'price',
  'quantity',
  'returned_quantity',
] as const satisfies readonly (keyof OrderItemsTable)[]
