import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonBytesOver } from './json-bytes-over.js'

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value))

describe('jsonBytesOver', () => {
  it('agrees with JSON.stringify at, just under and just over the size of any JSON value', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ stringUnit: 'binary' }),
        fc.integer({ min: -3, max: 3 }),
        (value, offset) => {
          const size = bytesOf(value)
          const limit = Math.max(0, size + offset)
          expect(jsonBytesOver(value, limit)).toBe(size > limit ? size : null)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('is exact for strings that escape or take several bytes, and for long numbers', () => {
    const value = {
      quote: 'say "hi"\\',
      control: '\u0001\n\t',
      accents: 'déjà vu',
      emoji: '😀',
      lone: '\ud800',
      numbers: [-0.0000012345678901234567, 1e21, -2.2250738585072014e-308],
    }
    const size = bytesOf(value)
    expect(jsonBytesOver(value, size)).toBeNull()
    expect(jsonBytesOver(value, size - 1)).toBe(size)
  })

  it('measures what it cannot bound (toJSON, class instances) by serializing it', () => {
    const value = { at: new Date(0), list: new Map([[1, 2]]) }
    const size = bytesOf(value)
    expect(jsonBytesOver(value, size)).toBeNull()
    expect(jsonBytesOver(value, size - 1)).toBe(size)
  })
})
