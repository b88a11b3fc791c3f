/**
 * The n best items by score, best first, skipping excluded ones, without sorting the catalog:
 * a bounded min-heap, O(items · log n). Ties go to the lower item index so results are stable.
 * Items whose score is not finite are skipped. Returns how many were written into `outItems`.
 */
export function selectTopN(
  scores: Float64Array | Float32Array,
  itemCount: number,
  n: number,
  excluded: Uint8Array | null,
  outItems: Int32Array,
  outScores?: Float64Array,
): number {
  const cap = Math.min(n, outItems.length)
  if (cap <= 0) return 0
  // Heap arrays live in outItems / a scratch; root is the worst kept item.
  const heapScore = outScores ?? new Float64Array(cap)
  let size = 0
  for (let i = 0; i < itemCount; i++) {
    if (excluded !== null && excluded[i] === 1) continue
    const s = scores[i]!
    if (!Number.isFinite(s)) continue
    if (size < cap) {
      let pos = size++
      while (pos > 0) {
        const parent = (pos - 1) >> 1
        if (!worse(s, i, heapScore[parent]!, outItems[parent]!)) break
        heapScore[pos] = heapScore[parent]!
        outItems[pos] = outItems[parent]!
        pos = parent
      }
      heapScore[pos] = s
      outItems[pos] = i
    } else if (worse(heapScore[0]!, outItems[0]!, s, i)) {
      siftDown(heapScore, outItems, size, s, i)
    }
  }
  // Pop into place: repeatedly move the worst to the end.
  for (let end = size - 1; end > 0; end--) {
    const ws = heapScore[0]!
    const wi = outItems[0]!
    siftDown(heapScore, outItems, end, heapScore[end]!, outItems[end]!)
    heapScore[end] = ws
    outItems[end] = wi
  }
  return size
}

/** a ranks below b: lower score, or equal score and higher index. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib)
}

function siftDown(
  heapScore: Float64Array,
  heapItem: Int32Array,
  size: number,
  s: number,
  item: number,
): void {
  let pos = 0
  for (;;) {
    const l = 2 * pos + 1
    if (l >= size) break
    const r = l + 1
    let c = l
    if (r < size && worse(heapScore[r]!, heapItem[r]!, heapScore[l]!, heapItem[l]!)) c = r
    if (!worse(heapScore[c]!, heapItem[c]!, s, item)) break
    heapScore[pos] = heapScore[c]!
    heapItem[pos] = heapItem[c]!
    pos = c
  }
  heapScore[pos] = s
  heapItem[pos] = item
}
