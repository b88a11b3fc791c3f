/** The dashboard's only way to the server: the public HTTP API, with the signed-in key. */

const KEY_STORAGE = 'idic.secretKey'

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE)
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE)
  else sessionStorage.setItem(KEY_STORAGE, key)
}

/** An answer other than 2xx, with the API's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The error body's `details` (e.g. a refused rule's problems with their paths). */
    readonly details: unknown = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** Calls the API with the stored key; rejects with ApiError on a non-2xx answer. */
export async function api<T>(
  path: string,
  init: {
    readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
    readonly body?: unknown
    readonly key?: string
  } = {},
): Promise<T> {
  const key = init.key ?? storedKey()
  const headers: Record<string, string> = { accept: 'application/json' }
  if (key !== null) headers['authorization'] = `Bearer ${key}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    })
  } catch (cause) {
    throw new ApiError(0, 'network', `The server cannot be reached (${String(cause)})`)
  }
  const body: unknown = await response.json().catch(() => null)
  if (!response.ok) {
    const error = isRecord(body) && isRecord(body['error']) ? body['error'] : {}
    const code = typeof error['code'] === 'string' ? error['code'] : 'http_error'
    const message =
      typeof error['message'] === 'string' ? error['message'] : `HTTP ${response.status}`
    throw new ApiError(response.status, code, message, error['details'] ?? null)
  }
  return body as T
}

export type Role = 'admin' | 'analyst' | 'manager' | 'write'

export interface Session {
  readonly name: string
  readonly role: Role
  readonly managerId: string | null
}

export interface Stats {
  readonly customers: number
  readonly events: number
  readonly orders: number
  readonly orderItems: number
  readonly products: number
}

export const TIERS = ['mvc', 'mgc', 'low_maintenance', 'below_zero'] as const
export type Tier = (typeof TIERS)[number]

export interface TierTotals {
  readonly customers: number
  readonly actualValue: number
  readonly clv: number
}

export interface ValueSummary {
  readonly customers: number
  readonly tiers: Readonly<Record<Tier, TierTotals>>
  readonly valueDistribution: Readonly<
    Record<'min' | 'p10' | 'p25' | 'median' | 'p75' | 'p90' | 'p99' | 'max' | 'mean', number | null>
  > & { readonly total: number }
  readonly model: {
    readonly id: string
    readonly kind: string
    readonly createdAt: number
    readonly params: Readonly<Record<string, unknown>>
    readonly metrics: Readonly<Record<string, unknown>>
  } | null
}

export interface HistogramBin {
  readonly from: number
  readonly to: number
  readonly customers: number
}

export interface ValueCharts {
  readonly scored: number
  readonly activeShare: number | null
  readonly clvHistogram: readonly HistogramBin[]
  readonly valueHistogram: readonly HistogramBin[]
  readonly pAliveByRecency: readonly (HistogramBin & { readonly meanPAlive: number | null })[]
}

export interface CustomerSummary {
  readonly id: string
  readonly email: string | null
  readonly traits: Readonly<Record<string, unknown>>
  readonly firstSeenAt: number
  readonly lastSeenAt: number
}

export interface CustomerPage {
  readonly customers: readonly CustomerSummary[]
  readonly nextCursor: string | null
}

export interface CustomerProfile {
  readonly id: string
  readonly traits: Readonly<Record<string, unknown>>
  readonly email: string | null
  readonly identities: readonly { kind: string; value: string; firstSeenAt: number }[]
  readonly merges: readonly {
    mergedCustomerId: string
    identities: unknown
    reason: string
    mergedAt: number
  }[]
  readonly conflicts: readonly {
    otherCustomerId: string
    kind: string
    value: string
    reason: string
    detectedAt: number
  }[]
  readonly firstSeenAt: number
  readonly lastSeenAt: number
  readonly managerId: string | null
  readonly eventCounts: Readonly<Record<string, number>>
  readonly orders: {
    readonly count: number
    readonly revenue: number
    readonly refunded: number
    readonly currencies: readonly string[]
    readonly lastOrderAt: number | null
  }
  readonly timeline: readonly {
    messageId: string
    type: string
    name: string | null
    occurredAt: number
    properties: Readonly<Record<string, unknown>>
  }[]
}

export interface CustomerValue {
  readonly tier: Tier
  readonly reason: string
  readonly model: string | null
  readonly computedAt: number
  readonly frequency: number
  readonly recency: number
  readonly age: number
  readonly historicalRevenue: number
  readonly historicalMargin: number
  readonly costToServe: number
  readonly expectedTransactions: number | null
  readonly pAlive: number | null
  readonly expectedSpend: number | null
  readonly clv: number | null
  readonly actualValue: number | null
  readonly rfm: {
    readonly r: number
    readonly f: number
    readonly m: number
    readonly segment: string
  }
  readonly wallet: number | null
  readonly shareOfWallet: number | null
  readonly growthPotential: number | null
}

export const LIST_KINDS = ['for-you', 'because-you-bought', 'discovery', 'popular'] as const
export type ListKind = (typeof LIST_KINDS)[number]

export interface RecommendationList {
  readonly list: ListKind
  readonly model: string
  readonly items: readonly {
    readonly productId: string
    readonly name: string | null
    readonly category: string | null
    readonly price: number | null
    readonly score: number
    readonly reason: { readonly code: string; readonly text: string }
  }[]
  readonly note?: string
}

export type FeedbackKind = 'like' | 'skip' | 'dismiss'

export interface Portfolio {
  readonly managerId: string
  readonly customers: readonly {
    readonly customerId: string
    readonly email: string | null
    readonly traits: Readonly<Record<string, unknown>>
    readonly lastSeenAt: number
    readonly revenue: number
    readonly openThreads: number
    readonly openTasks: number
  }[]
}

export interface Task {
  readonly id: string
  readonly customerId: string
  readonly managerId: string | null
  readonly rule: string
  readonly status: string
  readonly reason: string
  readonly dueAt: number
  readonly createdAt: number
}

export interface Thread {
  readonly status: 'open' | 'answered' | 'closed' | 'none'
  readonly messages: readonly {
    readonly id: string
    readonly direction: 'inbound' | 'outbound'
    readonly channel: string
    readonly kind: string
    readonly status: string | null
    readonly subject: string | null
    readonly body: string
    readonly createdAt: number
  }[]
}

export interface Consents {
  readonly consents: readonly {
    readonly channel: string
    readonly topic: string
    readonly granted: boolean
    readonly source: string
    readonly updatedAt: number
  }[]
}

export interface RankedPage {
  readonly customers: readonly {
    readonly id: string
    readonly email: string | null
    readonly traits: Readonly<Record<string, unknown>>
    readonly lastSeenAt: number
    readonly tier: string
    readonly actualValue: number | null
    readonly clv: number | null
    readonly pAlive: number | null
    readonly shareOfWallet: number | null
    readonly growthPotential: number | null
  }[]
  readonly nextCursor: string | null
}

/** A customer manager as `GET /v1/managers` lists them. */
export interface ManagerSummary {
  readonly id: string
  readonly name: string
  readonly email: string | null
  readonly active: boolean
  readonly portfolioSize: number
}

/** `GET /v1/customers/:identity/tasks`: who manages the customer, and their tasks. */
export interface CustomerCare {
  readonly customerId: string
  readonly manager: ManagerSummary | null
  readonly tasks: readonly Task[]
}
