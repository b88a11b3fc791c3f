import { describe, expect, it } from 'vitest'
import { DAY_MS, WEEK_MS } from '../core/clock.js'
import { DEFAULT_CONTACT_POLICY, decideContact, type ContactPolicy } from './contact-pressure.js'

// Tuesday 2026-03-10 12:00 UTC.
const NOON_UTC = Date.UTC(2026, 2, 10, 12, 0, 0)

describe('contact pressure', () => {
  it('lets a message through under the cap and outside quiet hours', () => {
    const decision = decideContact(
      { nowMs: NOON_UTC, channel: 'email', contactTimes: [NOON_UTC - DAY_MS], timeZone: 'UTC' },
      DEFAULT_CONTACT_POLICY,
    )
    expect(decision).toEqual({ action: 'send' })
  })

  it('holds a capped message until the oldest contact leaves the window', () => {
    const times = [NOON_UTC - 6 * DAY_MS, NOON_UTC - 2 * DAY_MS, NOON_UTC - DAY_MS]
    const decision = decideContact(
      { nowMs: NOON_UTC, channel: 'email', contactTimes: times, timeZone: 'UTC' },
      DEFAULT_CONTACT_POLICY,
    )
    // 6 days ago + 1 week = tomorrow noon UTC, outside quiet hours.
    expect(decision).toEqual({ action: 'wait', reason: 'frequency_cap', until: NOON_UTC + DAY_MS })
    // Contacts older than the window do not count.
    const old = decideContact(
      {
        nowMs: NOON_UTC,
        channel: 'email',
        contactTimes: times.map((t) => t - WEEK_MS),
        timeZone: null,
      },
      DEFAULT_CONTACT_POLICY,
    )
    expect(old.action).toBe('send')
  })

  it('drops instead of waiting when the policy says so', () => {
    const policy: ContactPolicy = { ...DEFAULT_CONTACT_POLICY, onLimit: 'drop' }
    const times = [NOON_UTC - 1, NOON_UTC - 2, NOON_UTC - 3]
    expect(
      decideContact(
        { nowMs: NOON_UTC, channel: 'email', contactTimes: times, timeZone: 'UTC' },
        policy,
      ),
    ).toEqual({ action: 'drop', reason: 'frequency_cap' })
  })

  it('keeps quiet hours in the customer own time zone', () => {
    // 12:00 UTC is 21:00 in Tokyo (UTC+9): quiet until 08:00 there, 11 hours later.
    const tokyo = decideContact(
      { nowMs: NOON_UTC, channel: 'email', contactTimes: [], timeZone: 'Asia/Tokyo' },
      DEFAULT_CONTACT_POLICY,
    )
    expect(tokyo).toEqual({
      action: 'wait',
      reason: 'quiet_hours',
      until: NOON_UTC + 11 * 3_600_000,
    })
    // The same instant is 08:00 in New York (EDT, UTC-4): fine.
    const newYork = decideContact(
      { nowMs: NOON_UTC, channel: 'email', contactTimes: [], timeZone: 'America/New_York' },
      DEFAULT_CONTACT_POLICY,
    )
    expect(newYork.action).toBe('send')
    // The in-app inbox is pulled by the customer: no quiet hours.
    const inbox = decideContact(
      { nowMs: NOON_UTC, channel: 'in_app', contactTimes: [], timeZone: 'Asia/Tokyo' },
      DEFAULT_CONTACT_POLICY,
    )
    expect(inbox.action).toBe('send')
  })

  it('falls back to the default zone for an unknown one', () => {
    const decision = decideContact(
      { nowMs: NOON_UTC, channel: 'email', contactTimes: [], timeZone: 'Mars/Olympus_Mons' },
      DEFAULT_CONTACT_POLICY,
    )
    expect(decision.action).toBe('send')
  })

  it('moves a capped message past quiet hours when the window reopens at night', () => {
    const times = [NOON_UTC - WEEK_MS + 10 * 3_600_000, NOON_UTC - 1, NOON_UTC - 2]
    // The window reopens at 22:00 UTC, inside quiet hours: wait until 08:00 next day.
    const decision = decideContact(
      { nowMs: NOON_UTC, channel: 'email', contactTimes: times, timeZone: 'UTC' },
      DEFAULT_CONTACT_POLICY,
    )
    expect(decision).toEqual({
      action: 'wait',
      reason: 'frequency_cap',
      until: Date.UTC(2026, 2, 11, 8, 0, 0),
    })
  })

  it('ends quiet hours at the local hour across a daylight saving change', () => {
    // Lisbon springs forward on 2026-03-29 at 01:00 UTC (UTC+0 → UTC+1). At 22:00 local on the
    // 28th, quiet hours end at 08:00 local on the 29th, which is 07:00 UTC: 9 hours, not 10.
    const lateEvening = Date.UTC(2026, 2, 28, 22, 0, 0)
    const decision = decideContact(
      { nowMs: lateEvening, channel: 'email', contactTimes: [], timeZone: 'Europe/Lisbon' },
      DEFAULT_CONTACT_POLICY,
    )
    expect(decision).toEqual({
      action: 'wait',
      reason: 'quiet_hours',
      until: Date.UTC(2026, 2, 29, 7, 0, 0),
    })
  })
})
