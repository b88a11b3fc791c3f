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
})
export type PilotConfig = z.infer<typeof PilotSchema>

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
