import type { Random } from '../../numeric/random.js'
import type { BgNbdParams } from './bg-nbd.js'
import type { GammaGammaParams } from './gamma-gamma.js'
import type { ParetoNbdParams } from './pareto-nbd.js'

/**
 * Customers drawn from the BG/NBD model, written into `x` and `tx` for the ages in `T`. With
 * `tick` > 0, repeat purchase times are rounded to the nearest multiple of it (e.g. 1/7 of a week
 * for whole days; ages should then lie on the same grid), which makes summaries repeat so they
 * can be grouped; purchases on one tick are merged, as the summary builder merges same-day
 * purchases.
 *
 * *Method:* λ ~ Gamma(r, α), p ~ Beta(a, b); exponential inter-purchase times at rate λ; after
 * each repeat purchase the customer drops out with probability p.
 *
 * *References:* Fader, Hardie & Lee (2005), Marketing Science 24(2):275–284, §3.
 */
export function simulateBgNbd(
  params: BgNbdParams,
  T: Float64Array,
  random: Random,
  x: Float64Array,
  tx: Float64Array,
  tick = 0,
): void {
  for (let i = 0; i < T.length; i++) {
    const age = T[i]!
    const lambda = random.gamma(params.r, params.alpha)
    const p = random.beta(params.a, params.b)
    let t = 0
    let count = 0
    let last = 0
    for (;;) {
      t += random.exponential(lambda)
      if (t > age) break
      const time = tick > 0 ? Math.round(t / tick) * tick : t
      if (tick === 0 || time > last) count++
      last = time
      if (random.uniform() < p) break
    }
    x[i] = count
    tx[i] = count > 0 ? last : 0
  }
}

/**
 * Customers drawn from the Pareto/NBD model, written into `x` and `tx` for the ages in `T`
 * (`tick` as in {@link simulateBgNbd}).
 *
 * *Method:* λ ~ Gamma(r, α), μ ~ Gamma(s, β); lifetime τ ~ Exp(μ); purchases a Poisson process
 * at rate λ on (0, min(τ, T)].
 *
 * *References:* Schmittlein, Morrison & Colombo (1987), Management Science 33(1):1–24.
 */
export function simulateParetoNbd(
  params: ParetoNbdParams,
  T: Float64Array,
  random: Random,
  x: Float64Array,
  tx: Float64Array,
  tick = 0,
): void {
  for (let i = 0; i < T.length; i++) {
    const lambda = random.gamma(params.r, params.alpha)
    const mu = random.gamma(params.s, params.beta)
    const end = Math.min(random.exponential(mu), T[i]!)
    let t = 0
    let count = 0
    let last = 0
    for (;;) {
      t += random.exponential(lambda)
      if (t > end) break
      const time = tick > 0 ? Math.round(t / tick) * tick : t
      if (tick === 0 || time > last) count++
      last = time
    }
    x[i] = count
    tx[i] = count > 0 ? last : 0
  }
}

/**
 * Mean repeat spend drawn from the Gamma-Gamma model for customers with x repeat purchases
 * (0 where x = 0), written into `zbar`.
 *
 * *Method:* ν ~ Gamma(q, γ); the mean of x Gamma(p, ν) amounts is Gamma(px, νx).
 *
 * *References:* Fader & Hardie (2013), brucehardie.com/notes/025.
 */
export function simulateSpend(
  params: GammaGammaParams,
  x: Float64Array,
  random: Random,
  zbar: Float64Array,
): void {
  for (let i = 0; i < x.length; i++) {
    const n = x[i]!
    if (n === 0) {
      zbar[i] = 0
      continue
    }
    const nu = random.gamma(params.q, params.gamma)
    zbar[i] = random.gamma(params.p * n, nu * n)
  }
}
