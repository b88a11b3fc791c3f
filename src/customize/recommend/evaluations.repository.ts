import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { newId } from '../../core/ids.js'
import type { Database } from '../../store/database.js'
import { readInteractionRows } from './recommend.repository.js'
import type { EvaluationReport } from './run-evaluation.js'
import { evaluateShopInteractions, type ShopEvaluationOptions } from './shop-evaluation.js'

export interface StoredEvaluation {
  readonly id: string
  readonly createdAt: number
  readonly report: EvaluationReport
}

/** Keeps an evaluation report; the dashboard shows the newest. */
export async function saveRecommenderEvaluation(
  db: Kysely<Database>,
  report: EvaluationReport,
  createdAt: number,
): Promise<StoredEvaluation> {
  const id = newId('re', createdAt)
  await db
    .insertInto('recommender_evaluations')
    .values({ id, split: report.split, report: JSON.stringify(report), created_at: createdAt })
    .execute()
  return { id, createdAt, report }
}

/** Stored evaluations, newest first. */
export async function listRecommenderEvaluations(
  db: Kysely<Database>,
  limit: number,
): Promise<StoredEvaluation[]> {
  const rows = await db
    .selectFrom('recommender_evaluations')
    .select(['id', 'report', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  // Written by saveRecommenderEvaluation from an EvaluationReport, and by nothing else.
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    report: JSON.parse(r.report) as EvaluationReport,
  }))
}

/**
 * Evaluates the recommenders on the shop's own interactions (see `evaluateShopInteractions`)
 * and keeps the report (`idic evaluate --shop`).
 */
export async function evaluateShopAndStore(
  deps: { readonly db: Kysely<Database>; readonly clock: Clock },
  options: ShopEvaluationOptions = {},
): Promise<StoredEvaluation> {
  const report = evaluateShopInteractions(await readInteractionRows(deps.db), options)
  return saveRecommenderEvaluation(deps.db, report, deps.clock.now())
}
