import { z } from 'zod'
import { CHANNELS } from '../../interact/channel.js'
import { DEFAULT_HOLDOUT_SHARE } from './assign-holdout.js'

/**
 * Peppers and Rogers' four ways to target: one message to all (mass), one niche (concentrated),
 * a message per segment (differentiated), each customer their own (one-to-one).
 */
export const CAMPAIGN_STRATEGIES = ['mass', 'concentrated', 'differentiated', 'one-to-one'] as const
export type CampaignStrategy = (typeof CAMPAIGN_STRATEGIES)[number]

export const CAMPAIGN_STATUSES = ['draft', 'running', 'sent', 'completed', 'failed'] as const
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number]

/** What came of one assignment's send. */
export const SEND_STATUSES = [
  'holdout',
  'queued',
  'sent',
  'held',
  'dropped',
  'skipped',
  'failed',
] as const
export type SendStatus = (typeof SEND_STATUSES)[number]

export const DEFAULT_ATTRIBUTION_DAYS = 14

/** When the rest of a piloted campaign is sent, judged at the end of the pilot's wait. */
export const PILOT_RULES = ['always', 'not-worse', 'better'] as const
export type PilotRule = (typeof PILOT_RULES)[number]
/** The pilot's uplift a rule looks at. */
export const PILOT_METRICS = ['conversion', 'revenue', 'feedback'] as const
export type PilotMetric = (typeof PILOT_METRICS)[number]

const name = z.string().trim().min(1).max(200).describe('template or segment name/id as stored')

export const CampaignVariantSchema = z.object({
  segmentId: name.describe('customers of this segment (first match in list order) get'),
  templateName: name.describe('this template'),
})
export type CampaignVariant = z.infer<typeof CampaignVariantSchema>

export const PilotSchema = z.object({
  share: z
    .number()
    .gt(0)
    .max(1)
    .describe('share of the treated customers, the most active first, sent before the rest'),
  waitHours: z
    .number()
    .min(0)
    .max(24 * 30)
    .default(0)
    .describe('how long the rest waits after the pilot becomes due (0: right after it)'),
  promoteIf: z
    .enum(PILOT_RULES)
    .default('always')
    .describe(
      'when the rest is sent: always; not-worse (unless the pilot did significantly worse than its holdout counterpart during the wait); better (only if it did significantly better)',
    ),
  promoteOn: z
    .enum(PILOT_METRICS)
    .default('conversion')
    .describe(
      'the uplift the rule looks at: conversion rate, revenue per customer, or feedback (likes minus skips and dismissals per customer)',
    ),
})
export type PilotConfig = z.infer<typeof PilotSchema>

/**
 * What a gated pilot decided for the rest, from the pilot's uplift over its holdout counterpart
 * (95 % interval) on the orders placed during the wait. Stored as JSON; the API shows it.
 */
export const PilotDecisionSchema = z
  .object({
    promoted: z.boolean().describe('whether the rest is sent'),
    rule: z.enum(PILOT_RULES),
    metric: z.enum(PILOT_METRICS),
    decidedAt: z.number().describe('epoch ms'),
    judgedAt: z
      .number()
      .optional()
      .describe(
        'epoch ms: the end of the window judged (from the launch, for both arms), when the rest became due',
      ),
    estimate: z.number().nullable().describe('the uplift the rule looked at; null: not known'),
    low: z.number().nullable(),
    high: z.number().nullable(),
    pilotCustomers: z.number(),
    counterpartCustomers: z.number(),
    reason: z.string().describe('the decision in words'),
  })
  .meta({ id: 'PilotDecision' })
export type PilotDecision = z.infer<typeof PilotDecisionSchema>

/** Whether the rest of this campaign waits on a decision from its pilot. */
export function isGated(pilot: PilotConfig | null): pilot is PilotConfig {
  return pilot !== null && pilot.promoteIf !== 'always' && pilot.share < 1
}

/**
 * How long after the launch the rest of a campaign (everyone outside the pilot, treated or held
 * out) becomes due, and so when its attribution window opens: the pilot's wait, at least a
 * millisecond so the pilot is claimed first; 0 without a pilot.
 */
export function restDelayMs(pilot: PilotConfig | null): number {
  return pilot === null ? 0 : Math.max(1, Math.round(pilot.waitHours * 3_600_000))
}

/**
 * How long after the launch the rest's attribution windows open, for both arms: when its gated
 * pilot was judged (the rest goes out then, or never), else when it was due.
 */
export function restOpensAfterMs(
  campaign: Pick<Campaign, 'pilot' | 'pilotDecision' | 'launchedAt'>,
): number {
  const due = restDelayMs(campaign.pilot)
  const decision = campaign.pilotDecision
  if (decision === null || campaign.launchedAt === null) return due
  return Math.max(due, (decision.judgedAt ?? decision.decidedAt) - campaign.launchedAt)
}

/** A campaign as asked for (API body, CLI file); strategy decides which fields it needs. */
export const CampaignInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    strategy: z.enum(CAMPAIGN_STRATEGIES),
    channel: z.enum(CHANNELS),
    topic: z.string().trim().min(1).max(100).describe('consent topic the messages go out under'),
    templateName: name.optional().describe('mass, concentrated and one-to-one'),
    segmentId: name.optional().describe('concentrated: the segment targeted'),
    variants: z
      .array(CampaignVariantSchema)
      .min(1)
      .max(50)
      .optional()
      .describe('differentiated: a template per segment, first matching segment wins'),
    holdoutShare: z.number().min(0).max(0.9).default(DEFAULT_HOLDOUT_SHARE),
    attributionDays: z.number().int().min(1).max(365).default(DEFAULT_ATTRIBUTION_DAYS),
    seed: z.string().min(1).max(200).optional().describe('holdout draw seed; default the id'),
    pilot: PilotSchema.optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    for (const issue of strategyIssues(input)) ctx.addIssue({ code: 'custom', ...issue })
    const gate = input.pilot?.promoteIf ?? 'always'
    if (gate !== 'always' && input.holdoutShare === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['pilot', 'promoteIf'],
        message: `promoteIf ${gate} compares the pilot with its counterpart in the holdout; holdoutShare 0 leaves none`,
      })
    }
    if (gate !== 'always' && (input.pilot?.waitHours ?? 0) < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['pilot', 'waitHours'],
        message: `promoteIf ${gate} judges the pilot on what it did during the wait; give it waitHours of at least 1`,
      })
    }
    if (gate !== 'always' && input.pilot?.share === 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['pilot', 'promoteIf'],
        message: `promoteIf ${gate} decides on the rest, and a pilot of share 1 leaves no rest`,
      })
    }
  })
export type CampaignInput = z.input<typeof CampaignInputSchema>
export type CampaignSpec = z.output<typeof CampaignInputSchema>

/**
 * What a strategy requires and refuses of the other fields, as path + message pairs. Run by the
 * schema, and on its own over raw input whose other fields failed, so that every problem is
 * reported at once.
 */
export function strategyIssues(input: {
  readonly strategy: CampaignStrategy
  readonly templateName?: unknown
  readonly segmentId?: unknown
  readonly variants?: unknown
}): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = []
  type Field = 'templateName' | 'segmentId' | 'variants'
  const needs = (field: Field, why: string): void => {
    if (input[field] === undefined) {
      issues.push({ path: [field], message: `${field} is required: ${why}` })
    }
  }
  const refuses = (field: Field, why: string): void => {
    if (input[field] !== undefined) {
      issues.push({ path: [field], message: `${field} is not used: ${why}` })
    }
  }
  switch (input.strategy) {
    case 'mass':
    case 'one-to-one':
      needs('templateName', `a ${input.strategy} campaign sends one template`)
      refuses('segmentId', `a ${input.strategy} campaign targets every consenting customer`)
      refuses('variants', 'variants belong to differentiated campaigns')
      break
    case 'concentrated':
      needs('templateName', 'a concentrated campaign sends one template')
      needs('segmentId', 'a concentrated campaign targets one segment')
      refuses('variants', 'variants belong to differentiated campaigns')
      break
    case 'differentiated':
      needs('variants', 'a differentiated campaign sends a template per segment')
      refuses('templateName', 'each variant names its template')
      refuses('segmentId', 'each variant names its segment')
      if (Array.isArray(input.variants)) {
        const seen = new Set<unknown>()
        input.variants.forEach((v: unknown, i) => {
          const id =
            typeof v === 'object' && v !== null
              ? (v as { segmentId?: unknown }).segmentId
              : undefined
          if (id !== undefined && seen.has(id)) {
            issues.push({
              path: ['variants', i, 'segmentId'],
              message: `segment ${JSON.stringify(id)} appears twice; the second would never match`,
            })
          }
          seen.add(id)
        })
      }
      break
  }
  return issues
}

/** A stored campaign. */
export interface Campaign {
  readonly id: string
  readonly name: string
  readonly strategy: CampaignStrategy
  readonly channel: (typeof CHANNELS)[number]
  readonly topic: string
  readonly templateName: string | null
  readonly segmentId: string | null
  readonly variants: readonly CampaignVariant[] | null
  readonly holdoutShare: number
  readonly attributionDays: number
  readonly seed: string
  readonly status: CampaignStatus
  readonly pilot: PilotConfig | null
  /** A gated pilot's decision on the rest, once the rest came due. */
  readonly pilotDecision: PilotDecision | null
  readonly lastError: string | null
  readonly createdAt: number
  readonly launchedAt: number | null
  readonly completedAt: number | null
}

/** Templates a campaign sends, in variant order. */
export function templatesOf(campaign: Pick<Campaign, 'templateName' | 'variants'>): string[] {
  const names = campaign.variants?.map((v) => v.templateName) ?? []
  if (campaign.templateName !== null) names.unshift(campaign.templateName)
  return [...new Set(names)]
}

/** Segments a campaign targets, in variant order. */
export function segmentsOf(campaign: Pick<Campaign, 'segmentId' | 'variants'>): string[] {
  const ids = campaign.variants?.map((v) => v.segmentId) ?? []
  if (campaign.segmentId !== null) ids.unshift(campaign.segmentId)
  return ids
}

/** Idempotency key of a campaign's message to one customer: a retried job never sends twice. */
export function campaignMessageKey(campaignId: string, customerId: string): string {
  return `campaign:${campaignId}:${customerId}`
}
