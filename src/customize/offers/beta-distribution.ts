import { normalQuantile, regularizedIncompleteBeta } from '../../numeric/quantiles.js'
import { betaln } from '../../numeric/special.js'

/**
 * The CDF of Beta(a, b) at x: the regularized incomplete beta function I_x(a, b) of
 * `numeric/quantiles.ts` (continued fraction, modified Lentz). NaN for a ≤ 0, b ≤ 0 or x
 * outside [0, 1].
 */
export function betaCdf(x: number, a: number, b: number): number {
  return regularizedIncompleteBeta(x, a, b)
}

/** The density of Beta(a, b) at x; NaN outside the domain. */
export function betaPdf(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return NaN
  if (x === 0) return a < 1 ? Infinity : a === 1 ? b : 0
  if (x === 1) return b < 1 ? Infinity : b === 1 ? a : 0
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - betaln(a, b))
}

/**
 * The p-quantile of Beta(a, b): the x with I_x(a, b) = p. NaN for p outside [0, 1] or a bad shape.
 *
 * *Method:* Newton steps on I_x(a, b) − p kept inside a bisection bracket (a step that leaves the
 * bracket is replaced by bisection, geometric while the bracket spans orders of magnitude), from
 * Numerical Recipes' starting guess (a normal approximation for a, b ≥ 1, the power-law tails
 * otherwise); stops when a step moves x by less than 1e-15 relative.
 *
 * *References:* Press et al., *Numerical Recipes* (3rd ed., 2007), §6.14.10 (`Beta::invbetai`)
 * and §9.4 (safeguarded Newton–Raphson).
 */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !(p >= 0) || !(p <= 1)) return NaN
  if (p === 0) return 0
  if (p === 1) return 1
  let lo = 0
  let hi = 1
  let x = startingGuess(p, a, b)
  for (let iteration = 0; iteration < 400; iteration += 1) {
    const f = betaCdf(x, a, b) - p
    if (f === 0) return x
    if (f < 0) lo = x
    else hi = x
    const density = betaPdf(x, a, b)
    let next = density > 0 && Number.isFinite(density) ? x - f / density : NaN
    if (!(next > lo && next < hi)) {
      next = lo > 0 && hi / lo > 4 ? Math.sqrt(lo * hi) : lo === 0 ? hi / 8 : 0.5 * (lo + hi)
    }
    if (Math.abs(next - x) <= 1e-15 * Math.max(x, next) || next === lo || next === hi) return next
    x = next
  }
  return x
}

function startingGuess(p: number, a: number, b: number): number {
  let x: number
  if (a >= 1 && b >= 1) {
    const mean = a / (a + b)
    const sd = Math.sqrt((a * b) / ((a + b) * (a + b) * (a + b + 1)))
    x = mean + sd * normalQuantile(p)
  } else {
    const t = Math.exp(a * Math.log(a / (a + b))) / a
    const u = Math.exp(b * Math.log(b / (a + b))) / b
    const w = t + u
    x = p < t / w ? Math.pow(a * w * p, 1 / a) : 1 - Math.pow(b * w * (1 - p), 1 / b)
  }
  return x > 0 && x < 1 ? x : a / (a + b)
}

/** The central credible interval of Beta(a, b) holding `level` of the mass (0.95 → 2.5%–97.5%). */
export function betaInterval(a: number, b: number, level = 0.95): readonly [number, number] {
  const tail = (1 - level) / 2
  return [betaQuantile(tail, a, b), betaQuantile(1 - tail, a, b)]
}
