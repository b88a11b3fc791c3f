/**
 * Wilson's score interval for one proportion x/n.
 *
 * *Method:* the interval of p where |p̂ − p| ≤ z √(p(1−p)/n), solved in closed form.
 *
 * *References:* E. B. Wilson (1927), "Probable inference, the law of succession, and
 * statistical inference", JASA 22, 209–212.
 */
export function wilsonInterval(x: number, n: number, z: number): { low: number; high: number } {
  if (n <= 0) return { low: NaN, high: NaN }
  const p = x / n
  const z2 = z * z
  const denominator = 1 + z2 / n
  const center = (p + z2 / (2 * n)) / denominator
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) }
}
