import type {
  ApiKeysTable,
  CustomersTable,
  EventsTable,
  IdentitiesTable,
  IdentityConflictsTable,
  InteractionsTable,
  MergesTable,
  OrderItemsTable,
  OrdersTable,
  ProductsTable,
  SettingsTable,
} from './tables/identify.table.js'
import type { OrderReturnsTable } from './tables/import.table.js'
import type {
  ConsentsTable,
  ContactLogTable,
  DeliveriesTable,
  ManagersTable,
  MessagesTable,
  SuppressionsTable,
  TasksTable,
} from './tables/interact.table.js'
import type { ModelRunsTable, ScoresTable } from './tables/value.table.js'
import type {
  RecommenderEvaluationsTable,
  RecommenderModelsTable,
} from './tables/recommend.table.js'
import type { SegmentMembersTable, SegmentsTable } from './tables/segments.table.js'
import type {
  CampaignAssignmentsTable,
  CampaignsTable,
  JobsTable,
} from './tables/campaigns.table.js'
import type { TemplatesTable } from './tables/templates.table.js'
import type { OfferOutcomesTable, OffersTable } from './tables/offers.table.js'
import type {
  IngestInboxFailuresTable,
  IngestInboxProgressTable,
} from './tables/ingest-inbox.table.js'

/** Every table idic keeps, by name. Each stage adds its tables here. */
export interface Database {
  api_keys: ApiKeysTable
  customers: CustomersTable
  identities: IdentitiesTable
  merges: MergesTable
  identity_conflicts: IdentityConflictsTable
  events: EventsTable
  products: ProductsTable
  orders: OrdersTable
  order_items: OrderItemsTable
  order_returns: OrderReturnsTable
  interactions: InteractionsTable
  settings: SettingsTable
  consents: ConsentsTable
  messages: MessagesTable
  deliveries: DeliveriesTable
  contact_log: ContactLogTable
  suppressions: SuppressionsTable
  managers: ManagersTable
  tasks: TasksTable
  model_runs: ModelRunsTable
  scores: ScoresTable
  recommender_models: RecommenderModelsTable
  recommender_evaluations: RecommenderEvaluationsTable
  segments: SegmentsTable
  segment_members: SegmentMembersTable
  jobs: JobsTable
  campaigns: CampaignsTable
  campaign_assignments: CampaignAssignmentsTable
  templates: TemplatesTable
  offers: OffersTable
  offer_outcomes: OfferOutcomesTable
  ingest_inbox_progress: IngestInboxProgressTable
  ingest_inbox_failures: IngestInboxFailuresTable
}

/** Tables whose rows belong to one customer: merges move them, erasure deletes them. */
export const CUSTOMER_KEYED_TABLES = [
  'customers',
  'identities',
  'merges',
  'identity_conflicts',
  'events',
  'orders',
  'order_items',
  'order_returns',
  'interactions',
  'consents',
  'messages',
  'deliveries',
  'contact_log',
  'tasks',
  'scores',
  'segment_members',
  'campaign_assignments',
  'offer_outcomes',
] as const satisfies readonly (keyof Database)[]
