/**
 * Maximal marginal relevance: picks `n` of the candidates one at a time, each maximizing
 * λ·relevance − (1−λ)·(largest similarity to an item already picked), so the list stays relevant
 * but does not repeat itself. Relevance should be on a scale comparable to similarity (e.g.
 * scaled to [0, 1]). Writes candidate positions into `out` in pick order; returns how many.
 *
 * *Method:* greedy MMR with a running max-similarity per candidate, O(n · candidates)
 * similarity evaluations.
 *
 * *References:* J. Carbonell, J. Goldstein, "The use of MMR, diversity-based reranking for
 * reordering documents and producing summaries", SIGIR 1998.
 */
export function selectMmr(
  relevance: Float64Array,
  count: number,
  similarity: (a: number, b: number) => number,
  n: number,
  lambda: number,
  out: Int32Array,
): number {
  const m = Math.min(n, count, out.length)
  if (m <= 0) return 0
  const maxSim = new Float64Array(count).fill(-Infinity)
  const taken = new Uint8Array(count)
  let picked = 0
  while (picked < m) {
    let best = -1
    let bestValue = -Infinity
    for (let c = 0; c < count; c++) {
      if (taken[c] === 1) continue
      const penalty = picked === 0 ? 0 : maxSim[c]!
      const value = lambda * relevance[c]! - (1 - lambda) * penalty
      if (value > bestValue) {
        bestValue = value
        best = c
      }
    }
    if (best < 0) break
    taken[best] = 1
    out[picked++] = best
    for (let c = 0; c < count; c++) {
      if (taken[c] === 1) continue
      const s = similarity(best, c)
      if (s > maxSim[c]!) maxSim[c] = s
    }
  }
  return picked
}
