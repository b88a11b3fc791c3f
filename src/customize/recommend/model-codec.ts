import { restoreEase } from './ease.js'
import { restoreIals } from './ials.js'
import { restoreItemKnn } from './item-knn.js'
import { restorePopularity } from './popularity.js'
import { isModelKind, type ModelParams, type ModelState, type Recommender } from './recommender.js'

const MAGIC = 'IDICREC1'
type ArrayType = 'f64' | 'f32' | 'i32'

interface ArrayEntry {
  readonly name: string
  readonly type: ArrayType
  readonly length: number
  readonly offset: number
}

interface Header {
  readonly kind: string
  readonly itemCount: number
  readonly params: ModelParams
  readonly arrays: readonly ArrayEntry[]
}

type AnyArray = Float64Array | Float32Array | Int32Array

function typeOf(a: AnyArray): ArrayType {
  if (a instanceof Float64Array) return 'f64'
  if (a instanceof Float32Array) return 'f32'
  return 'i32'
}

/**
 * A model as bytes: `IDICREC1`, a little-endian u32 header length, a JSON header (kind, item
 * count, params, array table) and the arrays' raw little-endian bytes, each 8-byte aligned.
 */
export function encodeModel(state: ModelState): Uint8Array {
  const names = Object.keys(state.arrays)
  const entries: ArrayEntry[] = []
  let offset = 0
  for (const name of names) {
    const a = state.arrays[name]!
    entries.push({ name, type: typeOf(a), length: a.length, offset })
    offset += Math.ceil(a.byteLength / 8) * 8
  }
  const header: Header = {
    kind: state.kind,
    itemCount: state.itemCount,
    params: state.params,
    arrays: entries,
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify(header))
  const start = Math.ceil((MAGIC.length + 4 + headerBytes.length) / 8) * 8
  const out = new Uint8Array(start + offset)
  out.set(new TextEncoder().encode(MAGIC), 0)
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true)
  out.set(headerBytes, MAGIC.length + 4)
  for (const e of entries) {
    const a = state.arrays[e.name]!
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + e.offset)
  }
  return out
}

/** Reads what {@link encodeModel} wrote; throws on anything else. */
export function decodeModel(bytes: Uint8Array): ModelState {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length))
  if (magic !== MAGIC) throw new Error(`not an idic model (starts with ${JSON.stringify(magic)})`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = view.getUint32(MAGIC.length, true)
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)),
  ) as Header
  if (!isModelKind(header.kind)) throw new Error(`unknown model kind ${header.kind}`)
  const start = Math.ceil((MAGIC.length + 4 + headerLength) / 8) * 8
  const arrays: Record<string, AnyArray> = {}
  for (const e of header.arrays) {
    const size = e.type === 'f64' ? 8 : 4
    // Copy into a fresh, aligned buffer (the input may sit at any offset).
    const raw = bytes.slice(start + e.offset, start + e.offset + e.length * size)
    arrays[e.name] =
      e.type === 'f64'
        ? new Float64Array(raw.buffer)
        : e.type === 'f32'
          ? new Float32Array(raw.buffer)
          : new Int32Array(raw.buffer)
  }
  return { kind: header.kind, itemCount: header.itemCount, params: header.params, arrays }
}

/** A working model from its state. */
export function restoreRecommender(state: ModelState): Recommender {
  switch (state.kind) {
    case 'popularity':
      return restorePopularity(state)
    case 'item-knn':
      return restoreItemKnn(state)
    case 'ease':
      return restoreEase(state)
    case 'ials':
      return restoreIals(state)
  }
}
