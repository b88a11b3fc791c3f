import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { parseJsonObject, type JsonObject, type JsonValue } from '../../core/json.js'
import { err, ok, type Result } from '../../core/result.js'
import { TIER_NAMES, TIERS, type Tier } from '../../differentiate/value/tiers.js'
import { ALL_TOPICS } from '../../interact/consents.repository.js'
import type { MessageLinks } from '../../interact/message-links.js'
import type { Database } from '../../store/database.js'
import type { SqlitePrepare } from '../../store/engine.js'
import { ALL_CONTEXT_NEEDS, type ContextNeeds } from './context-needs.js'
import { CustomerTraits } from './customer-traits.js'
import type { ActivityEvent, ProductFacts } from '../recommend/recommendation-lists.js'
import {
  readActivityOf,
  readContextRows,
  type ContextCustomerRow,
  type ContextScoreRow,
} from './template-context.repository.js'
import type { LiveRecommendationModel } from '../recommend/recommendation-service.js'
import { isCurrencyCode, isLocale, isTimeZone, type TemplateSettings } from './template-settings.js'

/** A product as templates see it (recommendation lists, offers). */
export interface TemplateItem {
  readonly id: string
  readonly name: string | null
  readonly category: string | null
  readonly price: number | null
  /** The product's `url` attribute, else `{shop.url}/products/{id}`. */
  readonly url: string | null
  /** The product's `image` (or `imageUrl`) attribute. */
  readonly imageUrl: string | null
  /** Why it is suggested, in the customer's words ("Because you bought …"). */
  readonly reason: string
}

export interface CustomerContext {
  readonly id: string
  readonly email: string | null
  /** From traits `firstName` / `first_name` (else the first word of `name`). */
  readonly firstName: string | null
  readonly lastName: string | null
  /** Trait `name`, else first and last name joined. */
  readonly name: string | null
  /** IANA zone from the `timezone` trait when valid; `local_date` formats in it. */
  readonly timezone: string | null
  /** BCP 47 tag from the `locale` trait when valid; `money` and `percent` format in it. */
  readonly locale: string | null
  /** ISO 4217 code from the `currency` trait when valid, else the shop's. */
  readonly currency: string
  /** ISO 8601. */
  readonly firstSeenAt: string
  readonly lastSeenAt: string
  /** Every trait; one the customer lacks reads as null. */
  readonly traits: CustomerTraits
}

/** The customer's latest value scores; every figure null (and `scored` false) when unscored. */
export interface ValueContext {
  readonly scored: boolean
  /** mvc | mgc | low_maintenance | below_zero */
  readonly tier: Tier | null
  /** "Most valuable", … */
  readonly tierName: string | null
  readonly tierReason: string | null
  readonly clv: number | null
  readonly pAlive: number | null
  /** Expected repeat purchases in the scoring horizon. */
  readonly expectedPurchases: number | null
  /** Expected spend per purchase. */
  readonly expectedSpend: number | null
  readonly historicalRevenue: number | null
  readonly historicalMargin: number | null
  readonly actualValue: number | null
  readonly wallet: number | null
  readonly shareOfWallet: number | null
  readonly growthPotential: number | null
  readonly rfmSegment: string | null
  readonly scoredAt: string | null
}

export interface RecommendationsContext {
  readonly forYou: readonly TemplateItem[]
  /** Items bought with the customer's latest purchase (or like), `anchor` being that product. */
  readonly becauseYouBought: {
    readonly anchor: TemplateItem | null
    readonly items: readonly TemplateItem[]
  }
  /** New to the customer, diverse, the same all ISO week. */
  readonly discovery: readonly TemplateItem[]
  /** The model that served the lists (`popularity:live` before one is trained). */
  readonly model: string | null
}

/** The next-best-offer a campaign chose, mapped by the campaign. */
export interface OfferContext {
  readonly id: string
  readonly name: string
  /** product | discount | bundle | content */
  readonly kind: string
  readonly description: string | null
  readonly discountPercent: number | null
  readonly code: string | null
  readonly url: string | null
  readonly expiresAt: string | null
  readonly products: readonly TemplateItem[]
}

export interface CampaignContext {
  readonly id: string
  readonly name: string
}

export interface LinksContext {
  /** Signed link to the customer's preference page (valid 30 days). */
  readonly preferences: string
  /** Signed one-click unsubscribe from the message's channel and topic. */
  readonly unsubscribe: string
}

export interface ShopContext {
  readonly name: string
  readonly url: string
  readonly currency: string
}

/**
 * Everything a message template can name. `offer` and `campaign` are null unless the caller
 * (a campaign) fills them; a template guards them with `{% if offer %}`.
 */
export interface TemplateContext {
  readonly customer: CustomerContext
  readonly value: ValueContext
  readonly recommendations: RecommendationsContext
  readonly offer: OfferContext | null
  readonly campaign: CampaignContext | null
  readonly links: LinksContext
  readonly shop: ShopContext
}

/** The catalog as the lists and their items read it. */
export interface RecommendationCatalog {
  readonly facts: ReadonlyMap<string, ProductFacts>
  /** Products' attributes (JSON text), for their links and pictures. */
  readonly attributes: ReadonlyMap<string, string>
}

/**
 * What serves the lists at a moment: the live model and the catalog. `version` changes when
 * either is reloaded, so a copy kept elsewhere (a render thread) knows when to take a new one.
 */
export interface RecommendationServing {
  readonly version: string
  readonly model: LiveRecommendationModel
  readonly catalog: RecommendationCatalog
}

/** The lists a template can show, for customers whose activity was read (createRecommendationSource). */
export interface RecommendationSource {
  /**
   * The three lists for each customer (only those `needs` asks for; the others empty), from
   * the live model and the customer's activity (bought, liked, skipped, dismissed).
   */
  listsFor(
    customers: readonly { readonly id: string; readonly events: readonly ActivityEvent[] }[],
    needs: ContextNeeds,
    n: number,
  ): Promise<Map<string, RecommendationsContext>>
  /** The model and catalog the lists come from now (for a render thread's copy). */
  serving(): Promise<RecommendationServing>
}

/** What building contexts needs; build it once and reuse it (the source caches the model). */
export interface TemplateContextDeps {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly settings: TemplateSettings
  /** Signs the preference and unsubscribe links. */
  readonly links: MessageLinks
  readonly recommendations: RecommendationSource
  /**
   * SQLite only: the store's statement handle (`Store.sqliteStatements`), so the activity is
   * read as row arrays from prepared statements (the bulk of a batch's rows).
   */
  readonly sqlite?: SqlitePrepare | null
}

/** What the caller adds to, or asks of, the contexts. */
export interface ContextExtras {
  /** The same offer for every customer (null or absent: none). */
  readonly offer?: OfferContext | null
  /** Each customer's own offer (the next-best-offer); wins over `offer`. */
  readonly offerFor?: (customerId: string) => OfferContext | null
  readonly campaign?: CampaignContext | null
  /** Channel and topic the unsubscribe link withdraws; default email and every topic. */
  readonly channel?: string
  readonly topic?: string
  /**
   * The parts the template reads (CompiledMessage.needs); the rest are left empty (lists
   * empty, value unscored, links empty strings). Default: everything.
   */
  readonly needs?: ContextNeeds
  /** Items per recommendation list; default 6. */
  readonly listLength?: number
}

/** Items per recommendation list unless the caller says otherwise. */
export const DEFAULT_LIST_LENGTH = 6

/** Customers read per round of queries in buildTemplateContexts. */
export const CONTEXT_CHUNK_SIZE = 500

export interface CustomerNotFound {
  readonly type: 'customer_not_found'
  readonly customerId: string
}

/** One customer's context: see buildTemplateContexts. */
export async function buildTemplateContext(
  deps: TemplateContextDeps,
  customerId: string,
  extras: ContextExtras = {},
): Promise<Result<TemplateContext, CustomerNotFound>> {
  const { contexts } = await buildTemplateContexts(deps, [customerId], extras)
  const context = contexts.get(customerId)
  return context === undefined ? err({ type: 'customer_not_found', customerId }) : ok(context)
}

/**
 * The contexts of many customers, read in chunks of CONTEXT_CHUNK_SIZE with one query per
 * table and chunk (customers, scores, order lines, interactions); recommendation lists come
 * from the live model in memory. Ids that name no customer are listed in `missing`.
 */
export async function buildTemplateContexts(
  deps: TemplateContextDeps,
  customerIds: readonly string[],
  extras: ContextExtras = {},
): Promise<{
  readonly contexts: Map<string, TemplateContext>
  readonly missing: readonly string[]
}> {
  const needs = extras.needs ?? ALL_CONTEXT_NEEDS
  const n = extras.listLength ?? DEFAULT_LIST_LENGTH
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new Error(`listLength must be an integer from 1 to 100, got ${n}`)
  }
  const wantsLists = needs.forYou || needs.becauseYouBought || needs.discovery
  const contexts = new Map<string, TemplateContext>()
  const missing: string[] = []
  const unique = [...new Set(customerIds)]
  for (let start = 0; start < unique.length; start += CONTEXT_CHUNK_SIZE) {
    const chunk = unique.slice(start, start + CONTEXT_CHUNK_SIZE)
    const [rows, activity] = await Promise.all([
      readContextRows(deps.db, chunk, needs.value),
      wantsLists
        ? readActivityOf(deps.db, chunk, deps.sqlite ?? null)
        : Promise.resolve(new Map<string, ActivityEvent[]>()),
    ])
    const lists = await deps.recommendations.listsFor(
      rows.customers.map((c) => ({ id: c.id, events: activity.get(c.id) ?? [] })),
      needs,
      n,
    )
    const found = new Set<string>()
    for (const row of rows.customers) {
      found.add(row.id)
      contexts.set(
        row.id,
        assembleTemplateContext(
          {
            row,
            score: rows.scores.get(row.id),
            lists: lists.get(row.id) ?? EMPTY_RECOMMENDATIONS,
            offer: extras.offerFor?.(row.id) ?? extras.offer ?? null,
            campaign: extras.campaign ?? null,
            links: needs.links
              ? {
                  preferences: deps.links.preferences(row.id),
                  unsubscribe: deps.links.unsubscribe(
                    row.id,
                    extras.channel ?? 'email',
                    extras.topic ?? ALL_TOPICS,
                  ),
                }
              : NO_LINKS,
          },
          deps.settings,
        ),
      )
    }
    for (const id of chunk) if (!found.has(id)) missing.push(id)
  }
  return { contexts, missing }
}

/** What one customer's context is made of, read and computed beforehand. */
export interface ContextParts {
  readonly row: ContextCustomerRow
  /** Undefined: unscored (or the template reads no value figures). */
  readonly score: ContextScoreRow | undefined
  readonly lists: RecommendationsContext
  readonly offer: OfferContext | null
  readonly campaign: CampaignContext | null
  readonly links: LinksContext
}

/**
 * One customer's context from its parts: pure (no I/O), so a render thread builds it from the
 * rows the database thread read, exactly as buildTemplateContexts does.
 */
export function assembleTemplateContext(
  parts: ContextParts,
  settings: TemplateSettings,
): TemplateContext {
  return {
    customer: customerContext(parts.row, settings),
    value: valueContext(parts.score),
    recommendations: parts.lists,
    offer: parts.offer,
    campaign: parts.campaign,
    links: parts.links,
    shop: { name: settings.shopName, url: settings.shopUrl, currency: settings.currency },
  }
}

export const EMPTY_RECOMMENDATIONS: RecommendationsContext = {
  forYou: [],
  becauseYouBought: { anchor: null, items: [] },
  discovery: [],
  model: null,
}

export const NO_LINKS: LinksContext = { preferences: '', unsubscribe: '' }

const UNSCORED: ValueContext = {
  scored: false,
  tier: null,
  tierName: null,
  tierReason: null,
  clv: null,
  pAlive: null,
  expectedPurchases: null,
  expectedSpend: null,
  historicalRevenue: null,
  historicalMargin: null,
  actualValue: null,
  wallet: null,
  shareOfWallet: null,
  growthPotential: null,
  rfmSegment: null,
  scoredAt: null,
}

function valueContext(s: ContextScoreRow | undefined): ValueContext {
  if (s === undefined) return UNSCORED
  const tier = (TIERS as readonly string[]).includes(s.tier) ? (s.tier as Tier) : null
  return {
    scored: true,
    tier,
    tierName: tier === null ? null : TIER_NAMES[tier],
    tierReason: s.tier_reason,
    clv: s.clv,
    pAlive: s.p_alive,
    expectedPurchases: s.expected_transactions,
    expectedSpend: s.expected_spend,
    historicalRevenue: s.historical_revenue,
    historicalMargin: s.historical_margin,
    actualValue: s.actual_value,
    wallet: s.wallet,
    shareOfWallet: s.share_of_wallet,
    growthPotential: s.growth_potential,
    rfmSegment: s.rfm_segment,
    scoredAt: new Date(s.computed_at).toISOString(),
  }
}

/** Validity of trait values by kind, remembered: Intl checks cost microseconds each. */
const validity = new Map<string, boolean>()

function validated(kind: string, value: JsonValue | undefined, test: (v: string) => boolean) {
  if (typeof value !== 'string' || value === '' || value.length > 64) return null
  const key = `${kind}|${value}`
  let valid = validity.get(key)
  if (valid === undefined) {
    valid = test(value)
    if (validity.size > 10_000) validity.clear()
    validity.set(key, valid)
  }
  return valid ? value : null
}

function text(traits: JsonObject, ...keys: string[]): string | null {
  for (const key of keys) {
    const v = traits[key]
    if (typeof v === 'string' && v.trim() !== '') return v.trim()
  }
  return null
}

function customerContext(row: ContextCustomerRow, settings: TemplateSettings): CustomerContext {
  const traits = parseJsonObject(row.traits)
  const fullName = text(traits, 'name')
  const firstName = text(traits, 'firstName', 'first_name') ?? fullName?.split(/\s+/)[0] ?? null
  const lastName = text(traits, 'lastName', 'last_name')
  const currency = validated('currency', traits['currency'], isCurrencyCode)
  return {
    id: row.id,
    email: row.email ?? text(traits, 'email'),
    firstName,
    lastName,
    name: fullName ?? ([firstName, lastName].filter((x) => x !== null).join(' ') || null),
    timezone: validated('timezone', traits['timezone'], isTimeZone),
    locale: validated('locale', traits['locale'], isLocale),
    currency: currency ?? settings.currency,
    firstSeenAt: new Date(row.first_seen_at).toISOString(),
    lastSeenAt: new Date(row.last_seen_at).toISOString(),
    traits: new CustomerTraits(traits),
  }
}
