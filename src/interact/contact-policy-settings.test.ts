import { describe, expect, it } from 'vitest'
import { DAY_MS, manualClock, WEEK_MS } from '../core/clock.js'
import { loadConfig } from '../config/config.js'
import { describeEachEngine } from '../../test-support/test-store.js'
import { parseContactPolicy } from './contact-policy-settings.js'
import { DEFAULT_CONTACT_POLICY } from './contact-pressure.js'
import { buildInteractDeps } from './interact-deps.js'

describe('contact policy settings', () => {
  it('keeps the defaults for what is not set', () => {
    expect(parseContactPolicy({})).toEqual({ ok: true, value: DEFAULT_CONTACT_POLICY })
  })

  it('reads caps, quiet hours, wait or drop and the default zone', () => {
    const parsed = parseContactPolicy({
      caps: 'email=2/3d, in_app=off, webhook=10/12h',
      quietHours: '22-7',
      onLimit: 'drop',
      defaultTimeZone: 'Europe/Paris',
    })
    expect(parsed).toEqual({
      ok: true,
      value: {
        ...DEFAULT_CONTACT_POLICY,
        caps: {
          email: { max: 2, periodMs: 3 * DAY_MS },
          webhook: { max: 10, periodMs: 12 * 3_600_000 },
        },
        quietHours: { startHour: 22, endHour: 7 },
        onLimit: 'drop',
        defaultTimeZone: 'Europe/Paris',
      },
    })
    expect(parseContactPolicy({ caps: 'off', quietHours: 'off' })).toMatchObject({
      ok: true,
      value: { caps: {}, quietHours: null },
    })
    expect(parseContactPolicy({ caps: 'email=1/1w' })).toMatchObject({
      value: { caps: { email: { max: 1, periodMs: WEEK_MS }, in_app: { max: 5 } } },
    })
  })

  it('names the setting and the part it cannot read', () => {
    expect(parseContactPolicy({ caps: 'email=3/7d,sms=1/1d' })).toMatchObject({
      ok: false,
      error: { setting: 'caps', message: expect.stringMatching(/^"sms=1\/1d" is not/) },
    })
    expect(parseContactPolicy({ caps: 'email=0/1d' })).toMatchObject({ ok: false })
    expect(parseContactPolicy({ quietHours: '25-8' })).toMatchObject({
      error: { setting: 'quietHours' },
    })
    expect(parseContactPolicy({ quietHours: '8-8' })).toMatchObject({ ok: false })
    expect(parseContactPolicy({ onLimit: 'queue' })).toMatchObject({
      error: { setting: 'onLimit' },
    })
    expect(parseContactPolicy({ defaultTimeZone: 'Mars/Olympus' })).toMatchObject({
      error: { setting: 'defaultTimeZone' },
    })
    expect(() => loadConfig({ IDIC_QUIET_HOURS: 'nights' })).toThrow(
      /^Invalid configuration: IDIC_QUIET_HOURS: "nights" is not/,
    )
  })
})

describeEachEngine('contact policy from the configuration', (current) => {
  it('is the one sending uses unless another is given', async () => {
    const config = loadConfig({ IDIC_FREQUENCY_CAPS: 'email=1/1d', IDIC_ON_LIMIT: 'drop' })
    const deps = await buildInteractDeps(current(), manualClock(0), config)
    expect(deps.policy).toMatchObject({ caps: { email: { max: 1 } }, onLimit: 'drop' })
    const given = await buildInteractDeps(current(), manualClock(0), config, {
      policy: DEFAULT_CONTACT_POLICY,
    })
    expect(given.policy).toBe(DEFAULT_CONTACT_POLICY)
  })
})
