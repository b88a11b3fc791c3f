import { describe, expect, it } from 'vitest'
import { DEFAULT_CONSENT_CATEGORIES, parseConsentCategories } from './consent-categories.js'
import { checkConsentEvent, consentAnswersOf, CONSENT_EVENTS } from './consent-events.js'

const segment = (categoryPreferences: unknown) => ({ consent: { categoryPreferences } }) as never

describe('consent events', () => {
  it('maps Segment consent categories to channels and topics; a withdrawal wins a tie', () => {
    const categories = parseConsentCategories(
      '{"Marketing": "*", "C0004": ["email:news", "in_app:*"], "Newsletter": "email:news"}',
    )
    if (!categories.ok) throw new Error(categories.error.message)
    const answers = consentAnswersOf(
      CONSENT_EVENTS.segment,
      {},
      segment({ c0004: true, newsletter: false, analytics: true }),
      categories.value,
    )
    expect(answers).toEqual({
      ok: true,
      value: [
        { channel: 'email', topic: 'news', granted: false },
        { channel: 'in_app', topic: '*', granted: true },
      ],
    })
    expect(
      consentAnswersOf(
        CONSENT_EVENTS.segment,
        {},
        segment({ Marketing: false }),
        DEFAULT_CONSENT_CATEGORIES,
      ),
    ).toEqual({
      ok: true,
      value: [
        { channel: 'email', topic: '*', granted: false },
        { channel: 'webhook', topic: '*', granted: false },
        { channel: 'in_app', topic: '*', granted: false },
      ],
    })
    // Cookie categories alone say nothing about messages.
    expect(
      consentAnswersOf(
        CONSENT_EVENTS.segment,
        {},
        segment({ Analytics: true }),
        DEFAULT_CONSENT_CATEGORIES,
      ),
    ).toEqual({ ok: true, value: [] })
  })

  it('reads Consent Updated with every channel and topic by default', () => {
    expect(consentAnswersOf(CONSENT_EVENTS.explicit, { granted: true }, {}, {})).toMatchObject({
      ok: true,
      value: [{ channel: 'email', topic: '*' }, {}, {}],
    })
    expect(
      consentAnswersOf(
        CONSENT_EVENTS.explicit,
        { channel: 'webhook', topic: 'news', granted: false },
        {},
        {},
      ),
    ).toEqual({ ok: true, value: [{ channel: 'webhook', topic: 'news', granted: false }] })
  })

  it('names the field of a consent event that does not say what it means', () => {
    const check = (name: string, properties: object, context: object = {}) =>
      checkConsentEvent({
        messageId: null,
        type: 'track',
        name,
        userId: 'u1',
        anonymousId: null,
        previousId: null,
        groupId: null,
        properties: properties as never,
        traits: {},
        context: context as never,
        timestamp: null,
        sentAt: null,
      })
    expect(check(CONSENT_EVENTS.explicit, { granted: 'yes' })?.message).toBe(
      'properties.granted: must be true or false',
    )
    expect(check(CONSENT_EVENTS.explicit, { granted: true, channel: 'sms' })?.path).toBe(
      'properties.channel',
    )
    expect(check(CONSENT_EVENTS.explicit, { granted: true, topic: '' })?.path).toBe(
      'properties.topic',
    )
    expect(check(CONSENT_EVENTS.segment, {})?.path).toBe('context.consent.categoryPreferences')
    expect(check(CONSENT_EVENTS.segment, {}, segment({ Marketing: 'yes' }))?.message).toBe(
      'context.consent.categoryPreferences.Marketing: must be true or false',
    )
    expect(check(CONSENT_EVENTS.segment, {}, segment({ Marketing: true }))).toBeNull()
    expect(check('Order Completed', { granted: 'yes' })).toBeNull()
  })

  it('refuses a category mapping that is not one', () => {
    for (const text of [
      'marketing',
      '[]',
      '{"marketing": []}',
      '{"marketing": "sms:*"}',
      '{"marketing": "email:"}',
      '{"marketing": 3}',
    ]) {
      expect(parseConsentCategories(text).ok).toBe(false)
    }
    expect(parseConsentCategories('{"marketing": "sms:*"}')).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^marketing: "sms:\*" is not/) },
    })
  })
})
