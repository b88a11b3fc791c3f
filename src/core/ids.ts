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

/**
 * `count` new identifiers that sort in the order they are handed out (ids made in the same
 * millisecond otherwise sort by their random part). Rows written in this order and later read
 * in id order (a job queue claims by id) sit next to each other in the table and its indexes,
 * so each batch touches a few pages instead of a few of every page.
 */
export function newIdsInOrder(prefix: string, count: number, nowMs: number = Date.now()): string[] {
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push(newId(prefix, nowMs))
  return ids.sort()
}
