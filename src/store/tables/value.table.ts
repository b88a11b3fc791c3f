/**
 * Tables of the Differentiate stage's value scores. Money in the orders' currency; times are
 * epoch milliseconds. Figures that could not be computed are null, never NaN.
 */

/** One fit of the value models: which model, its parameters and how well it fitted. */
export interface ModelRunsTable {
  id: string
  /** bgnbd | pnbd */
  kind: string
  /** JSON: purchase-model and spend-model parameters and the options used. */
  params: string
  /** JSON: log-likelihoods, standard errors, convergence, fit time, customer counts, warnings. */
  metrics: string
  created_at: number
}

/** The latest value figures of each customer. */
export interface ScoresTable {
  customer_id: string
  model_run_id: string
  /** Repeat purchase periods, recency and age in the run's time unit. */
  frequency: number
  recency: number
  age: number
  historical_revenue: number
  historical_margin: number
  cost_to_serve: number
  /** Expected repeat purchases in the run's horizon. */
  expected_transactions: number | null
  p_alive: number | null
  expected_spend: number | null
  clv: number | null
  /** History margin + CLV − cost to serve. */
  actual_value: number | null
  /** mvc | mgc | low_maintenance | below_zero */
  tier: string
  tier_reason: string
  rfm_r: number
  rfm_f: number
  rfm_m: number
  rfm_segment: string
  wallet: number | null
  share_of_wallet: number | null
  growth_potential: number | null
  computed_at: number
}
