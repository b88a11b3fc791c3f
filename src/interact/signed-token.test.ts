import { describe, expect, it } from 'vitest'
import { signToken, verifyToken } from './signed-token.js'

const SECRET = 'a-secret-of-some-length-for-tests'

describe('signed tokens', () => {
  it('round-trips a payload until it expires', () => {
    const token = signToken(SECRET, 'pref', { c: 'cus_1' }, 1000)
    expect(verifyToken(SECRET, 'pref', token, 999)).toEqual({
      ok: true,
      value: { c: 'cus_1', p: 'pref', exp: 1000 },
    })
    expect(verifyToken(SECRET, 'pref', token, 1000)).toEqual({
      ok: false,
      error: { type: 'expired', expiredAt: 1000 },
    })
  })

  it('refuses tampering, another key, another purpose and garbage', () => {
    const token = signToken(SECRET, 'unsub', { c: 'cus_1' }, null)
    const [payload, mac] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ c: 'cus_2', p: 'unsub' })).toString('base64url')
    expect(verifyToken(SECRET, 'unsub', `${forged}.${mac}`, 0)).toEqual({
      ok: false,
      error: { type: 'tampered' },
    })
    expect(verifyToken('another-secret-another-secret', 'unsub', token, 0).ok).toBe(false)
    expect(verifyToken(SECRET, 'pref', token, 0)).toEqual({
      ok: false,
      error: { type: 'wrong_purpose', purpose: 'unsub' },
    })
    expect(verifyToken(SECRET, 'unsub', `${payload}`, 0)).toEqual({
      ok: false,
      error: { type: 'malformed' },
    })
    expect(verifyToken(SECRET, 'unsub', 'a.b.c', 0)).toEqual({
      ok: false,
      error: { type: 'malformed' },
    })
  })
})
