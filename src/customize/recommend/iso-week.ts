import { seededRandom } from './evaluate.js'

const DAY_MS = 86_400_000

/** The ISO 8601 week of an instant (UTC), as `YYYY-Www`. */
export function isoWeek(ms: number): string {
  const d = new Date(Math.floor(ms / DAY_MS) * DAY_MS)
  const day = (d.getUTCDay() + 6) % 7 // Monday = 0
  // The week's Thursday decides its year.
  const thursday = new Date(d.getTime() + (3 - day) * DAY_MS)
  const year = thursday.getUTCFullYear()
  const jan1 = Date.UTC(year, 0, 1)
  const week = Math.floor((thursday.getTime() - jan1) / DAY_MS / 7) + 1
  return `${year}-W${String(week).padStart(2, '0')}`
}

/** A generator seeded from a customer and a week (FNV-1a of both). */
export function weeklyRandom(customerId: string, week: string): () => number {
  let h = 0x811c9dc5
  const text = `${customerId}\u0000${week}`
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return seededRandom(h >>> 0)
}
