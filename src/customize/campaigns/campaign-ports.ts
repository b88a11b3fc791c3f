import type { Kysely } from 'kysely'
import type { Result } from '../../core/result.js'
import type { OfferContext } from '../templates/template-context.js'
import type { InteractDeps } from '../../interact/interact-deps.js'
import type { sendMessages } from '../../interact/send-messages.js'
import type { Database } from '../../store/database.js'
import type { QueueStore } from './job-queue.js'

/**
 * One thing wrong with a campaign, found before anything is sent. `path` names the field
 * (`templateName`, `variants.1.segmentId`, `audience`, `offers`…).
 */
export interface CampaignProblem {
  readonly path: string
  readonly code:
    | 'unknown_template'
    | 'invalid_template'
    | 'unknown_segment'
    | 'empty_segment'
    | 'no_eligible_customers'
    | 'no_treated_customers'
    | 'no_pilot_comparison'
    | 'channel_unavailable'
    | 'invalid_offer'
  readonly message: string
  readonly details?: unknown
}

/** Everything wrong with a campaign (or a template it names), listed at once. */
export interface InvalidCampaign {
  readonly type: 'invalid_campaign'
  readonly problems: readonly CampaignProblem[]
}

/** A message rendered for one customer. */
export interface RenderedContent {
  readonly subject: string
  readonly text: string
  readonly html: string | null
}

/** Why one customer's message could not be rendered. */
export interface RenderFailure {
  readonly type: 'render_failed' | 'customer_not_found'
  readonly message: string
}

/** What the campaign tells the template about itself, and the offer chosen per customer. */
export interface RenderExtras {
  readonly campaign: { readonly id: string; readonly name: string }
  /** Channel and topic the message goes out on (its unsubscribe link withdraws them). */
  readonly channel: string
  readonly topic: string
  /** One-to-one: each customer's next-best offer (null: none eligible). */
  readonly offers?: ReadonlyMap<string, OfferContext | null>
}

/** Each customer's message of a batch, or why it could not be rendered. */
export type RenderedBatch = Map<string, Result<RenderedContent, RenderFailure>>

/** A batch whose database reads are done; its messages may still be rendering elsewhere. */
export interface PendingRender {
  /** Rejects when the batch as a whole could not be rendered (its jobs are then retried). */
  readonly rendered: Promise<RenderedBatch>
}

/** A template compiled once, rendered for many customers in batches. */
export interface PreparedTemplate {
  /**
   * Reads what the batch's messages need and starts rendering them; resolves once the reads
   * are done, so the caller can use the database (send the previous batch) while they render.
   */
  startRender(customerIds: readonly string[], extras: RenderExtras): Promise<PendingRender>
}

/** Stored Liquid templates, as campaigns use them (adapter over customize/templates). */
export interface TemplateSource {
  /**
   * Problems of a template as a campaign would send it; empty when it is usable. `personal`:
   * one-to-one (per-customer lists and offer); otherwise the template may use the customer's
   * own fields (merge fields) but not recommendation lists: one message for all.
   */
  check(name: string, path: string, personal: boolean): Promise<CampaignProblem[]>
  prepare(name: string): Promise<Result<PreparedTemplate, InvalidCampaign>>
}

/** Stored segments, as campaigns target them (adapter over customize/segments). */
export interface SegmentSource {
  find(segmentId: string): Promise<{ readonly id: string; readonly name: string } | null>
  /** Current members' customer ids. */
  members(segmentId: string): Promise<ReadonlySet<string>>
  /** Recomputes the members from the rule (at launch, so the audience is as of then). */
  refresh(segmentId: string, nowMs: number): Promise<void>
}

/** Next-best-offer for one-to-one campaigns (adapter over customize/offers). */
export interface OfferSource {
  /** Offers that could be chosen but must not be (a negative margin…). */
  problems(): Promise<CampaignProblem[]>
  /**
   * Chooses each customer's offer (Thompson sampling over expected value), returning what the
   * template's `offer` slot shows, or null when none is eligible or worth making.
   */
  chooseBatch(
    customerIds: readonly string[],
    campaign: { readonly id: string; readonly name: string },
    nowMs: number,
  ): Promise<Map<string, OfferContext | null>>
  /**
   * Records the offers of the messages that went out as presented, under the campaign's
   * message key per customer (a retried send records nothing twice), on `db` (the transaction
   * that records the sends' outcomes).
   */
  recordPresented(
    db: Kysely<Database>,
    campaignId: string,
    presented: readonly { readonly customerId: string; readonly offerId: string }[],
    nowMs: number,
  ): Promise<void>
}

/** What launching and executing campaigns needs. */
export interface CampaignDeps {
  /** Database and engine capabilities (claims differ by engine). */
  readonly store: QueueStore
  /** Sending: consent, caps, quiet hours, channels, delivery records. */
  readonly interact: InteractDeps
  readonly templates: TemplateSource
  readonly segments: SegmentSource
  readonly offers: OfferSource
  /**
   * The send path: interact's sendMessages, one call per batch with a per-message report; a
   * throw sends the whole call's jobs back to the queue (tests wrap it to inject failures).
   */
  readonly send: typeof sendMessages
}
