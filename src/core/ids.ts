import { randomFillSync } from 'node:crypto'

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'

/**
 * Random bytes drawn from the system's generator a few kilobytes at a time: one call per id
 * cost more than the rest of making it, and bulk paths (a campaign batch) make thousands.
 */
const pool = Buffer.alloc(4096)
let used = pool.length

/**
 * A new identifier: a prefix, the time in base 36 (so ids sort by creation) and 10 random
 * characters. Example: `cus_lz2k9x1a_4f8k2m9q0p`.
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool)
    used = 0
  }
  let random = ''
  for (let i = used; i < used + 10; i++) random += ALPHABET.charAt(pool[i]! % 36)
  used += 10
  return `${prefix}_${nowMs.toString(36)}_${random}`
}
