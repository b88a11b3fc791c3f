import { readDataset, readTsvInteractions, type DatasetFormat } from './dataset-files.js'
import {
  buildTrainTest,
  evaluateModels,
  splitByTime,
  splitLeaveLast,
  splitRandom,
  type RowSplit,
  type SplitKind,
} from './evaluate.js'
import { fitRecommender } from './fit-recommender.js'
import type { InteractionMatrixOptions } from './interaction-matrix.js'
import { MODEL_KINDS, type FitProgress, type ModelKind, type ModelParams } from './recommender.js'

/** EASE inverts an items × items matrix; past this many items it is left out. */
export const EASE_MAX_ITEMS = 20_000

export interface EvaluationRequest {
  readonly data: string
  readonly format: DatasetFormat
  /** A fixed test file (same format as `data`, or TSV for MovieLens-style splits). */
  readonly test?: string
  readonly split?: SplitKind
  readonly seed?: number
  /** For the time split: hold out the last this many days (default 30). */
  readonly holdoutDays?: number
  readonly ks?: readonly number[]
  readonly models?: readonly ModelKind[]
  readonly params?: Partial<Record<ModelKind, ModelParams>>
  readonly progress?: (model: string) => FitProgress
}

export interface EvaluationReport {
  readonly data: string
  readonly split: string
  readonly customers: number
  readonly items: number
  readonly trainInteractions: number
  readonly testInteractions: number
  readonly evaluatedCustomers: number
  readonly models: Readonly<Record<string, Readonly<Record<string, number>>>>
  readonly skipped: Readonly<Record<string, string>>
}

/**
 * Reads a data set, splits it, fits each model and reports the ranking metrics side by side
 * (`idic evaluate`). Cells are binary (an interaction happened), as in the MovieLens README.
 */
export function runEvaluation(request: EvaluationRequest): EvaluationReport {
  const rows = readDataset(request.data, request.format)
  let split: RowSplit
  let splitName: string
  if (request.test !== undefined) {
    const test =
      request.format === 'online-retail'
        ? readDataset(request.test, request.format)
        : readTsvInteractions(request.test)
    split = { train: rows, test }
    splitName = `fixed (${request.test})`
  } else {
    const kind = request.split ?? (request.format === 'online-retail' ? 'time' : 'random')
    switch (kind) {
      case 'random':
        split = splitRandom(rows, { testFraction: 0.2, seed: request.seed ?? 42 })
        splitName = `random 80/20 per customer, seed ${request.seed ?? 42}`
        break
      case 'time': {
        let last = -Infinity
        for (const r of rows) if (r.time > last) last = r.time
        const days = request.holdoutDays ?? 30
        const cutoff = last - days * 86_400_000
        split = splitByTime(rows, cutoff)
        splitName = `time: last ${days} days held out (from ${new Date(cutoff).toISOString()})`
        break
      }
      case 'leave-last':
        split = splitLeaveLast(rows)
        splitName = 'leave-last per customer'
        break
    }
  }
  return evaluateSplit(split, {
    data: request.data,
    split: splitName,
    // Cells are binary for data files (an interaction happened), as in the MovieLens README.
    matrixOptions: { binary: true },
    ...pickDefined(request),
  })
}

/** What `evaluateSplit` needs besides the split: names, cut-offs, models and their settings. */
export interface SplitEvaluationOptions {
  readonly data: string
  readonly split: string
  readonly matrixOptions: InteractionMatrixOptions
  readonly ks?: readonly number[]
  readonly models?: readonly ModelKind[]
  readonly params?: Partial<Record<ModelKind, ModelParams>>
  readonly progress?: (model: string) => FitProgress
}

function pickDefined(
  request: EvaluationRequest,
): Pick<SplitEvaluationOptions, 'ks' | 'models' | 'params' | 'progress'> {
  return {
    ...(request.ks === undefined ? {} : { ks: request.ks }),
    ...(request.models === undefined ? {} : { models: request.models }),
    ...(request.params === undefined ? {} : { params: request.params }),
    ...(request.progress === undefined ? {} : { progress: request.progress }),
  }
}

/**
 * Fits each model on a split's training rows and reports the ranking metrics on its test rows,
 * side by side; EASE is left out (and says why) past {@link EASE_MAX_ITEMS} items.
 */
export function evaluateSplit(split: RowSplit, options: SplitEvaluationOptions): EvaluationReport {
  const data = buildTrainTest(split, options.matrixOptions)
  const kinds = options.models ?? MODEL_KINDS
  const skipped: Record<string, string> = {}
  const runnable = kinds.filter((kind) => {
    if (kind === 'ease' && data.train.cols > EASE_MAX_ITEMS) {
      skipped[kind] =
        `${data.train.cols} items: EASE's dense inverse is for up to ${EASE_MAX_ITEMS}`
      return false
    }
    return true
  })
  const results = evaluateModels(
    data,
    runnable.map((kind) => ({
      name: kind,
      fit: (x, progress) => fitRecommender(kind, x, options.params?.[kind] ?? {}, progress),
    })),
    {
      ks: options.ks ?? [10, 20],
      ...(options.progress === undefined ? {} : { progress: options.progress }),
    },
  )
  const models: Record<string, Record<string, number>> = {}
  for (const r of results) {
    models[r.name] = {
      ...r.metrics,
      fitMs: Math.round(r.fitMs),
      evalMs: Math.round(r.evalMs),
    }
  }
  return {
    data: options.data,
    split: options.split,
    customers: data.train.rows,
    items: data.train.cols,
    trainInteractions: data.train.rowPtr[data.train.rows]!,
    testInteractions: data.test.rowPtr[data.test.rows]!,
    evaluatedCustomers: results[0]?.customers ?? 0,
    models,
    skipped,
  }
}
