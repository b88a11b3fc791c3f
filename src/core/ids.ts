import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'

/**
 * A new identifier: a prefix, the time in base 36 (so ids sort by creation) and 10 random
 * characters. Example: `cus_lz2k9x1a_4f8k2m9q0p`.
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  const bytes = randomBytes(10)
  let random = ''
  for (const byte of bytes) random += ALPHABET.charAt(byte % 36)
  return `${prefix}_${nowMs.toString(36)}_${random}`
}
