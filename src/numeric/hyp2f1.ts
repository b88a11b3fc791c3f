import { gammaln } from './special.js'

/** Terms summed at most; the series ratio tends to z, so this covers z up to about 1 − 2e-5. */
const MAX_TERMS = 2_000_000
const RESCALE = 1e250
const LOG_RESCALE = Math.log(RESCALE)

/** Scratch for the series: [ln |S|, sign S]. Module-level so the kernels allocate nothing. */
const scratch = new Float64Array(2)

/**
 * Sums the Gauss series Σ (a)_j (b)_j / ((c)_j j!) z^j for 0 ≤ z < 1 and writes ln |S| and the
 * sign of S into `out`. Terms are rescaled when the partial sum grows past 1e250, so very large
 * parameters (many repeat purchases) do not overflow.
 */
function gaussSeries(a: number, b: number, c: number, z: number, out: Float64Array): void {
  let sum = 1
  let term = 1
  let logScale = 0
  for (let j = 0; j < MAX_TERMS; j++) {
    term *= ((a + j) * (b + j)) / ((c + j) * (j + 1))
    term *= z
    sum += term
    if (term === 0) break
    const absSum = Math.abs(sum)
    if (absSum > RESCALE) {
      sum /= RESCALE
      term /= RESCALE
      logScale += LOG_RESCALE
    }
    // Stop once terms are negligible and the remaining ones can only shrink: the ratio of
    // successive terms is below one from here on.
    if (
      Math.abs(term) <= 1e-17 * Math.abs(sum) &&
      Math.abs(((a + j + 1) * (b + j + 1)) / ((c + j + 1) * (j + 2))) * z < 1
    ) {
      break
    }
  }
  out[0] = Math.log(Math.abs(sum)) + logScale
  out[1] = sum < 0 ? -1 : sum > 0 ? 1 : 0
}

/**
 * Writes ln |₂F₁(a, b; c; z)| and its sign into `out` for real a, b, c and z < 1 (z = 1 when
 * c − a − b > 0). Returns false (and NaN in `out`) outside that domain.
 */
function logHyp2f1Into(a: number, b: number, c: number, z: number, out: Float64Array): boolean {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(c) || Number.isNaN(z) || z > 1) {
    out[0] = NaN
    out[1] = NaN
    return false
  }
  if (c <= 0 && Number.isInteger(c)) {
    out[0] = NaN
    out[1] = NaN
    return false
  }
  if (z === 0 || a === 0 || b === 0) {
    out[0] = 0
    out[1] = 1
    return true
  }
  if (z === 1) {
    // Gauss's summation theorem.
    if (c - a - b <= 0) {
      out[0] = NaN
      out[1] = NaN
      return false
    }
    out[0] = gammaln(c) + gammaln(c - a - b) - gammaln(c - a) - gammaln(c - b)
    out[1] = 1
    return true
  }
  if (z < 0) {
    // Pfaff: ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; z/(z − 1)), whose argument lies in
    // [0, 1). Of the two symmetric forms, pick the one with the smaller second parameter.
    const w = z / (z - 1)
    const log1mz = Math.log1p(-z)
    if (Math.abs(c - b) <= Math.abs(c - a)) {
      logHyp2f1Into(a, c - b, c, w, out)
      out[0] = out[0]! - a * log1mz
    } else {
      logHyp2f1Into(b, c - a, c, w, out)
      out[0] = out[0]! - b * log1mz
    }
    return true
  }
  // 0 < z < 1. Euler: ₂F₁(a, b; c; z) = (1 − z)^(c − a − b) ₂F₁(c − a, c − b; c; z). The series
  // with the smaller parameters has the smaller hump before its terms start to fall, so it is
  // the faster and the more accurate (for Pareto/NBD, c = a + 1 and this turns a series with a
  // large hump into one whose terms fall from the first).
  if (Math.abs(c - a) + Math.abs(c - b) < Math.abs(a) + Math.abs(b)) {
    gaussSeries(c - a, c - b, c, z, out)
    out[0] = out[0]! + (c - a - b) * Math.log1p(-z)
  } else {
    gaussSeries(a, b, c, z, out)
  }
  return true
}

/**
 * The Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and z < 1 (or z = 1 with
 * c − a − b > 0). Returns NaN outside that domain.
 *
 * *Method:* the power series, summed after the transformation that makes it converge fastest:
 * Pfaff's z → z/(z − 1) for z < 0, and for 0 < z < 1 Euler's (1 − z)^(c−a−b) ₂F₁(c−a, c−b; c; z)
 * whenever it has the smaller parameters. Partial sums are rescaled so that large parameters do
 * not overflow. Gauss's theorem at z = 1. The ratio of terms tends to z, so convergence slows
 * as z → 1; up to 2·10⁶ terms are summed.
 *
 * *References:* Abramowitz & Stegun (1964), 15.1.1, 15.1.20, 15.3.3–15.3.5; Fader & Hardie
 * (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions" (the α ≥ β / α < β
 * forms that keep the argument in [0, 1)); Pearson, Olver & Porter (2017), "Numerical methods
 * for the computation of the confluent and Gauss hypergeometric functions", Numer. Algorithms 74.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!logHyp2f1Into(a, b, c, z, scratch)) return NaN
  return scratch[1]! * Math.exp(scratch[0]!)
}

/**
 * ln ₂F₁(a, b; c; z), for the cases where the function is positive (all Pareto/NBD uses);
 * NaN where it is not positive or outside the domain of {@link hyp2f1}. Stays finite where
 * ₂F₁ itself overflows.
 *
 * *Method:* as {@link hyp2f1}, with the transformation prefactors kept in logarithms.
 *
 * *References:* as {@link hyp2f1}.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number): number {
  if (!logHyp2f1Into(a, b, c, z, scratch)) return NaN
  return scratch[1] === 1 ? scratch[0]! : NaN
}
