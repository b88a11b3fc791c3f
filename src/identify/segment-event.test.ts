import { describe, expect, it } from 'vitest'
import { MAX_EVENT_BYTES, validateSegmentEvent } from './segment-event.js'

/** A track event whose JSON text is exactly `bytes` long, padded with two-byte characters. */
function eventOfSize(bytes: number): Record<string, unknown> {
  const event = { type: 'track', userId: 'u1', event: 'Big', properties: { blob: '' } }
  const fill = bytes - Buffer.byteLength(JSON.stringify(event))
  // An odd fill ends with one ASCII byte; a quote is escaped, so it counts two.
  event.properties.blob = fill % 2 === 0 ? 'é'.repeat(fill / 2) : 'é'.repeat((fill - 3) / 2) + 'x"'
  expect(Buffer.byteLength(JSON.stringify(event))).toBe(bytes)
  return event
}

describe('validateSegmentEvent', () => {
  it('takes an event of exactly 32 KB and refuses one byte more, saying how large it is', () => {
    for (const size of [MAX_EVENT_BYTES, MAX_EVENT_BYTES - 1]) {
      expect(validateSegmentEvent(eventOfSize(size)).ok).toBe(true)
    }
    for (const size of [MAX_EVENT_BYTES + 1, MAX_EVENT_BYTES + 2]) {
      expect(validateSegmentEvent(eventOfSize(size))).toEqual({
        ok: false,
        rejection: {
          code: 'event_too_large',
          message: `event is ${size} bytes; the limit is ${MAX_EVENT_BYTES}`,
          path: null,
        },
      })
    }
  })

  it('normalizes each call type to the same fields', () => {
    const base = { userId: 'u1', anonymousId: 'a1', messageId: 'm1' }
    const context = { traits: { email: 'x@example.com' } }
    const identify = validateSegmentEvent({
      ...base,
      type: 'identify',
      context,
      traits: { plan: 'pro' },
    })
    const alias = validateSegmentEvent({ ...base, type: 'alias', previousId: 'a0' })
    const group = validateSegmentEvent({ ...base, type: 'group', groupId: 7, traits: { n: 1 } })
    const page = validateSegmentEvent({ anonymousId: 'a1', name: 'Home' }, 'page')
    expect(identify).toEqual({
      ok: true,
      event: {
        messageId: 'm1',
        type: 'identify',
        name: null,
        userId: 'u1',
        anonymousId: 'a1',
        previousId: null,
        groupId: null,
        properties: { plan: 'pro' },
        traits: { email: 'x@example.com', plan: 'pro' },
        context,
        timestamp: null,
        sentAt: null,
      },
    })
    expect(alias).toMatchObject({
      ok: true,
      event: { type: 'alias', previousId: 'a0', properties: {} },
    })
    expect(group).toMatchObject({ ok: true, event: { groupId: '7', properties: { n: 1 } } })
    expect(page).toMatchObject({ ok: true, event: { type: 'page', name: 'Home', userId: null } })
  })
})
