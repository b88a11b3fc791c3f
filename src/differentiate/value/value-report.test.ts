import { describe, expect, it } from 'vitest'
import { renderValueReport, type ReportCustomer } from './value-report.js'

describe('renderValueReport', () => {
  const customers: ReportCustomer[] = Array.from({ length: 200 }, (_, i) => ({
    actualValue: i % 17 === 0 ? null : i * 3 - 40,
    tier: ['mvc', 'mgc', 'low_maintenance', 'below_zero'][i % 4]!,
    pAlive: i % 13 === 0 ? null : 1 / (1 + (i % 9)),
    recency: i % 30,
    frequency: i % 11,
  }))

  it('is self-contained HTML with the four plots', () => {
    const html = renderValueReport({
      title: 'Value <test>',
      generatedAt: '2026-01-01T00:00:00.000Z',
      model: 'bgnbd',
      params: { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 },
      logLik: -9582.43,
      spend: { params: { p: 6.25, q: 3.74, gamma: 15.44 }, logLik: -4055.9 },
      timeUnit: 'week',
      customers,
      tracking: {
        origin: '1997-01-01',
        timeUnit: 'week',
        calibrationPeriods: 3,
        actual: [1, 3, 6, 8, 9],
        expected: [1.2, 3.1, 5.5, 7.9, 9.9],
      },
    })
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html.match(/<svg /g)).toHaveLength(4)
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    expect(html).toContain('Value &lt;test&gt;')
    expect(html).toContain('Most valuable: 50 (25.0%)')
    expect(html).not.toContain('NaN')
  })

  it('renders empty inputs without failing', () => {
    const html = renderValueReport({
      generatedAt: 'now',
      model: 'pnbd',
      params: {},
      logLik: NaN,
      spend: { params: null, logLik: null },
      timeUnit: 'day',
      customers: [],
      tracking: null,
    })
    expect(html).toContain('No values to plot')
    expect(html).not.toContain('NaN')
  })
})
