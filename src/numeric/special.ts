import betalnImpl from '@stdlib/math-base-special-betaln'
import digammaImpl from '@stdlib/math-base-special-digamma'
import gammalnImpl from '@stdlib/math-base-special-gammaln'

/**
 * Natural logarithm of the gamma function.
 *
 * *Method:* stdlib-js `gammaln` (Lanczos-free rational approximations from FreeBSD msun).
 *
 * *References:* stdlib-js, `@stdlib/math-base-special-gammaln`.
 */
export const gammaln: (x: number) => number = gammalnImpl

/**
 * Natural logarithm of the beta function, ln B(a, b).
 *
 * *Method:* stdlib-js `betaln` (Boost's algorithm, stable for large arguments).
 *
 * *References:* stdlib-js, `@stdlib/math-base-special-betaln`.
 */
export const betaln: (a: number, b: number) => number = betalnImpl

/**
 * The digamma function ψ(x) = d/dx ln Γ(x).
 *
 * *Method:* stdlib-js `digamma` (Boost's rational approximations).
 *
 * *References:* stdlib-js, `@stdlib/math-base-special-digamma`.
 */
export const digamma: (x: number) => number = digammaImpl

/**
 * ln(e^u + e^v) without overflow; −∞ inputs are allowed.
 *
 * *Method:* factor out the larger exponent.
 *
 * *References:* standard; see e.g. Blanchard, Higham & Higham (2021), "Accurately computing the
 * log-sum-exp and softmax functions", IMA J. Numer. Anal. 41(4).
 */
export function logAddExp(u: number, v: number): number {
  if (u === -Infinity) return v
  if (v === -Infinity) return u
  return u > v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v))
}

/**
 * ln(e^u − e^v) for u ≥ v; −∞ when u = v, NaN when u < v.
 *
 * *Method:* u + ln(1 − e^{v−u}) with `log1p`/`expm1` chosen for accuracy near 0.
 *
 * *References:* Mächler (2012), "Accurately computing log(1 − exp(−|a|))", Rmpfr vignette.
 */
export function logSubExp(u: number, v: number): number {
  if (v === -Infinity) return u
  if (u < v) return NaN
  if (u === v) return -Infinity
  const d = v - u
  return u + (d > -Math.LN2 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d)))
}
