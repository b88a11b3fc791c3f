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

/** ln |Γ(x)| and the sign of Γ(x), for x not a non-positive integer. */
function signedGammaln(x: number, out: Float64Array, at: number): void {
  out[at] = gammaln(x)
  out[at + 1] = x > 0 || Math.floor(x) % 2 === 0 ? 1 : -1
}

const g = new Float64Array(8)
const part = new Float64Array(2)

/**
 * ₂F₁(a, b; c; z) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) ₂F₁(a, b; a+b−c+1; 1−z)
 *   + (1−z)^(c−a−b) Γ(c)Γ(a+b−c)/(Γ(a)Γ(b)) ₂F₁(c−a, c−b; c−a−b+1; 1−z)   (A&S 15.3.6),
 * for c − a − b not an integer. Writes ln |F| and its sign; false when a Gamma factor is at a
 * pole (a parameter a non-positive integer), so the caller falls back to the series.
 */
function connectToOne(a: number, b: number, c: number, z: number, out: Float64Array): boolean {
  const s = c - a - b
  for (const x of [c - a, c - b, a, b]) if (x <= 0 && Number.isInteger(x)) return false
  const w = 1 - z
  signedGammaln(c, g, 0)
  signedGammaln(s, g, 2)
  signedGammaln(c - a, g, 4)
  signedGammaln(c - b, g, 6)
  const log1 = g[0]! + g[2]! - g[4]! - g[6]!
  const sign1 = g[1]! * g[3]! * g[5]! * g[7]!
  gaussSeries(a, b, 1 - s, w, part)
  const l1 = log1 + part[0]!
  const s1 = sign1 * part[1]!
  signedGammaln(-s, g, 2)
  signedGammaln(a, g, 4)
  signedGammaln(b, g, 6)
  const log2 = g[0]! + g[2]! - g[4]! - g[6]! + s * Math.log(w)
  const sign2 = g[1]! * g[3]! * g[5]! * g[7]!
  gaussSeries(c - a, c - b, s + 1, w, part)
  const l2 = log2 + part[0]!
  const s2 = sign2 * part[1]!
  // Sum of two signed terms held as logs.
  const top = Math.max(l1, l2)
  const sum = s1 * Math.exp(l1 - top) + s2 * Math.exp(l2 - top)
  if (!Number.isFinite(sum) || sum === 0) return false
  out[0] = top + Math.log(Math.abs(sum))
  out[1] = sum < 0 ? -1 : 1
  return true
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
  // Near 1 the power series needs ~ln(ε)/ln(z) terms; the 1 − z connection formula converges
  // fast there, unless c − a − b is (close to) an integer, where its Gamma factors have poles.
  const s = c - a - b
  if (z > 0.9 && Math.abs(s - Math.round(s)) > 1e-5 && connectToOne(a, b, c, z, out)) return true
  // 0 < z < 1. Euler: ₂F₁(a, b; c; z) = (1 − z)^(c − a − b) ₂F₁(c − a, c − b; c; z). A series
  // whose terms keep one sign cannot cancel, so it wins; between two such series, the one with
  // the smaller parameters has the smaller hump before its terms fall (for Pareto/NBD, c = a + 1
  // and this turns a series with a large hump into one whose terms fall from the first).
  const directPositive = a > 0 && b > 0 && c > 0
  const eulerPositive = c - a > 0 && c - b > 0 && c > 0
  if (
    eulerPositive &&
    (!directPositive || Math.abs(c - a) + Math.abs(c - b) < Math.abs(a) + Math.abs(b))
  ) {
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
 * Pfaff's z → z/(z − 1) for z < 0; for 0.9 < z < 1 the connection formula to 1 − z (A&S 15.3.6)
 * when c − a − b is not within 1e-5 of an integer; otherwise Euler's (1 − z)^(c−a−b)
 * ₂F₁(c−a, c−b; c; z) when its terms keep one sign and its parameters are smaller (a series
 * with terms of one sign cannot cancel). Partial sums are rescaled so that
 * large parameters do not overflow. Gauss's theorem at z = 1. Where none of the fast forms
 * applies near z = 1 the series is summed directly, up to 2·10⁶ terms.
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
