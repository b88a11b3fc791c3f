/** Shapes of the segments and campaigns API (`/v1/segments`, `/v1/campaigns`) the pages read. */

export interface Segment {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly rule: unknown
  readonly refreshMode: 'live' | 'scheduled'
  readonly memberCount: number
  readonly refreshedAt: number | null
  readonly createdAt: number
  readonly updatedAt: number
}

export interface SegmentPreview {
  readonly count: number
  readonly estimated: boolean
  readonly interval: { readonly low: number; readonly high: number } | null
  readonly evaluatedCustomers: number
  readonly totalCustomers: number
  readonly sample: readonly { readonly customerId: string; readonly email: string | null }[]
  readonly refreshMode: 'live' | 'scheduled'
}

export interface SegmentMembers {
  readonly members: readonly {
    readonly customerId: string
    readonly email: string | null
    readonly addedAt: number
  }[]
  readonly nextCursor: string | null
}

export interface SegmentRefresh {
  readonly added: number
  readonly removed: number
  readonly count: number
}

/** One problem of a refused rule, as `error.details.errors` lists them. */
export interface RuleProblem {
  readonly type: string
  readonly path: string
  readonly message: string
  readonly allowed?: readonly string[]
}

export interface Campaign {
  readonly id: string
  readonly name: string
  readonly strategy: 'mass' | 'concentrated' | 'differentiated' | 'one-to-one'
  readonly channel: string
  readonly topic: string
  readonly templateName: string | null
  readonly segmentId: string | null
  readonly variants: readonly { readonly segmentId: string; readonly templateName: string }[] | null
  readonly holdoutShare: number
  readonly attributionDays: number
  readonly status: string
  readonly pilot: {
    readonly share: number
    readonly waitHours: number
    readonly promoteIf: 'always' | 'not-worse' | 'better'
    readonly promoteOn: 'conversion' | 'revenue' | 'feedback'
  } | null
  /** A gated pilot's decision on the rest, once the rest came due. */
  readonly pilotDecision: { readonly promoted: boolean; readonly reason: string } | null
  readonly lastError: string | null
  readonly createdAt: number
  readonly launchedAt: number | null
  readonly completedAt: number | null
}

export interface Interval {
  readonly estimate: number | null
  readonly low: number | null
  readonly high: number | null
}

export interface CampaignGroup {
  readonly key: string
  readonly label: string
  readonly customers: number
  readonly conversions: number
  readonly revenue: number
  readonly conversionRate: Interval
  readonly revenuePerCustomer: Interval
}

export interface Uplift {
  readonly against: string
  readonly confidence: number
  readonly conversion: Interval & { readonly method: string }
  readonly relativeLift: Interval & { readonly method: string }
  readonly revenuePerCustomer: Interval & {
    readonly method: string
    readonly degreesOfFreedom: number | null
  }
  readonly incrementalRevenue: Interval
}

export interface CampaignReport {
  readonly campaign: Campaign
  readonly generatedAt: number
  readonly attribution: { readonly days: number; readonly closed: boolean; readonly basis: string }
  readonly groups: readonly CampaignGroup[]
  readonly sends: Readonly<Record<string, number>>
  readonly deliveries: Readonly<Record<string, number>>
  readonly uplift: Uplift | null
  readonly pilotUplift: Uplift | null
  readonly restUplift: Uplift | null
  readonly variants: readonly {
    readonly segmentId: string
    readonly templateName: string | null
    readonly treatment: CampaignGroup
    readonly holdout: CampaignGroup
    readonly uplift: Uplift
  }[]
}

export interface CampaignComparison {
  readonly generatedAt: number
  readonly rows: readonly {
    readonly campaignId: string
    readonly name: string
    readonly strategy: Campaign['strategy']
    readonly status: string
    readonly treated: number
    readonly held: number
    readonly sent: number
    readonly treatment: CampaignGroup
    readonly holdout: CampaignGroup
    readonly uplift: Uplift | null
  }[]
  readonly winner: {
    readonly campaignId: string
    readonly strategy: Campaign['strategy']
    readonly revenuePerCustomerUplift: number
    readonly significant: boolean
  } | null
}
