/** Longest text `JSON.stringify` gives a number, as in `-0.0000012345678901234567`. */
const MAX_NUMBER_CHARS = 25
/** Bytes a string's UTF-16 unit may take in JSON text: `\uXXXX` at most (UTF-8 needs ≤ 3). */
const MAX_BYTES_PER_UNIT = 6
/** Deeper than this, measure exactly (and let `JSON.stringify` report a cycle). */
const MAX_DEPTH = 100

/**
 * The size of `JSON.stringify(value)` in UTF-8 bytes when it is over `limit`, else null.
 *
 * Method: an upper bound first, walking the value without serializing it (a string's UTF-16
 * units at 6 bytes each, a number at 25 characters, keys and punctuation counted), stopping as
 * soon as the bound passes `limit`. A bound within the limit proves the text is too; otherwise,
 * or for anything but plain objects, arrays and JSON scalars (a `toJSON`, a class instance, a
 * bigint), the value is serialized and measured, so the answer is exact at the limit.
 */
export function jsonBytesOver(value: unknown, limit: number): number | null {
  if (boundWithin(value, limit, 0) >= 0) return null
  const bytes = Buffer.byteLength(JSON.stringify(value))
  return bytes > limit ? bytes : null
}

/** `budget` minus an upper bound of the value's JSON size, or -1 once it is spent or unknown. */
function boundWithin(value: unknown, budget: number, depth: number): number {
  switch (typeof value) {
    case 'string':
      return budget - 2 - MAX_BYTES_PER_UNIT * value.length
    case 'number':
      return budget - MAX_NUMBER_CHARS
    case 'boolean':
    case 'undefined':
      return budget - 5
    case 'object':
      break
    case 'bigint':
    case 'function':
    case 'symbol':
      return -1
  }
  if (value === null) return budget - 4
  if (depth >= MAX_DEPTH) return -1
  let left = budget - 2
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && left >= 0; i += 1) {
      left = boundWithin(value[i], left - 1, depth + 1)
    }
    return left
  }
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return -1
  const record = value as Record<string, unknown>
  if (typeof record['toJSON'] === 'function') return -1
  for (const key of Object.keys(record)) {
    left = boundWithin(record[key], left - 4 - MAX_BYTES_PER_UNIT * key.length, depth + 1)
    if (left < 0) return -1
  }
  return left
}
