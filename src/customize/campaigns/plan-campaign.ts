import { err, ok, type Result } from '../../core/result.js'
import { consentingCustomers } from './campaign-audience.js'
import type { Campaign } from './campaign-definition.js'
import type { CampaignDeps, CampaignProblem, InvalidCampaign } from './campaign-ports.js'

/** Who a campaign would reach, with the variant (segment) each would get. */
export interface CampaignPlan {
  /** Consenting customers targeted, sorted by id. */
  readonly targets: readonly { readonly customerId: string; readonly variant: string | null }[]
  /** Consenting customers on the channel and topic, before segments narrow them. */
  readonly consenting: number
  /** Differentiated and concentrated: targeted customers per segment. */
  readonly perSegment: Readonly<Record<string, number>>
}

export type CampaignShape = Pick<
  Campaign,
  'strategy' | 'channel' | 'topic' | 'templateName' | 'segmentId' | 'variants'
>

/**
 * Checks a campaign against what it names and who it would reach, before anything is sent, and
 * lists every problem at once: unknown or invalid templates (syntax, unknown variables in strict
 * mode), unknown or empty segments, a channel this deployment cannot send on, no consenting
 * customer in the audience, offers that must not be made (one-to-one). Returns the audience
 * when there is none.
 */
export async function planCampaign(
  deps: Pick<CampaignDeps, 'store' | 'interact' | 'templates' | 'segments' | 'offers'>,
  campaign: CampaignShape,
): Promise<Result<CampaignPlan, InvalidCampaign>> {
  const problems: CampaignProblem[] = []
  if (deps.interact.channels[campaign.channel] === undefined) {
    problems.push({
      path: 'channel',
      code: 'channel_unavailable',
      message: `channel ${campaign.channel} is not configured on this deployment`,
    })
  }
  const templatePaths: [string, string][] = []
  if (campaign.templateName !== null) templatePaths.push([campaign.templateName, 'templateName'])
  campaign.variants?.forEach((v, i) => {
    templatePaths.push([v.templateName, `variants.${i}.templateName`])
  })
  const personal = campaign.strategy === 'one-to-one'
  for (const [name, path] of templatePaths) {
    problems.push(...(await deps.templates.check(name, path, personal)))
  }

  const segmentPaths: [string, string][] = []
  if (campaign.segmentId !== null) segmentPaths.push([campaign.segmentId, 'segmentId'])
  campaign.variants?.forEach((v, i) => {
    segmentPaths.push([v.segmentId, `variants.${i}.segmentId`])
  })
  const members = new Map<string, ReadonlySet<string>>()
  for (const [id, path] of segmentPaths) {
    const segment = await deps.segments.find(id)
    if (segment === null) {
      problems.push({ path, code: 'unknown_segment', message: `no segment "${id}"` })
      continue
    }
    const ids = await deps.segments.members(id)
    if (ids.size === 0) {
      problems.push({
        path,
        code: 'empty_segment',
        message: `segment "${segment.name}" (${id}) has no members`,
      })
    }
    members.set(id, ids)
  }
  if (campaign.strategy === 'one-to-one') problems.push(...(await deps.offers.problems()))

  const consenting = await consentingCustomers(deps.store.db, campaign.channel, campaign.topic)
  const order =
    campaign.variants?.map((v) => v.segmentId) ??
    (campaign.segmentId === null ? [] : [campaign.segmentId])
  const targets: { customerId: string; variant: string | null }[] = []
  const perSegment: Record<string, number> = {}
  for (const id of order) perSegment[id] = 0
  for (const customerId of consenting) {
    if (campaign.strategy === 'mass' || campaign.strategy === 'one-to-one') {
      targets.push({ customerId, variant: null })
      continue
    }
    const segmentId = order.find((id) => members.get(id)?.has(customerId) === true)
    if (segmentId === undefined) continue
    perSegment[segmentId] = (perSegment[segmentId] ?? 0) + 1
    targets.push({
      customerId,
      variant: campaign.strategy === 'differentiated' ? segmentId : null,
    })
  }
  const unknownSegment = problems.some((p) => p.code === 'unknown_segment')
  if (targets.length === 0 && !unknownSegment) {
    problems.push({
      path: 'audience',
      code: 'no_eligible_customers',
      message:
        consenting.length === 0
          ? `no customer has consented to ${campaign.channel} messages on topic "${campaign.topic}"`
          : `none of the ${consenting.length} customers consenting to ${campaign.channel}/${campaign.topic} is in the campaign's segments`,
      details: { consenting: consenting.length, perSegment },
    })
  }
  if (problems.length > 0) return err({ type: 'invalid_campaign', problems })
  return ok({ targets, consenting: consenting.length, perSegment })
}
