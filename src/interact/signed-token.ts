import { createHmac, timingSafeEqual } from 'node:crypto'
import { isJsonObject, type JsonObject } from '../core/json.js'
import { err, ok, type Result } from '../core/result.js'

/** Why a token was refused. */
export type TokenError =
  | { readonly type: 'malformed' }
  | { readonly type: 'tampered' }
  | { readonly type: 'expired'; readonly expiredAt: number }
  | { readonly type: 'wrong_purpose'; readonly purpose: string }

/**
 * A signed token: `base64url(JSON payload).base64url(HMAC-SHA256)`. The payload names its purpose
 * (`p`) so a token minted for one use (an open pixel) cannot be replayed for another (erasure),
 * and may carry an expiry (`exp`, epoch ms).
 */
export function signToken(
  secret: string,
  purpose: string,
  payload: JsonObject,
  expiresAt: number | null,
): string {
  const body = { ...payload, p: purpose, ...(expiresAt === null ? {} : { exp: expiresAt }) }
  const encoded = Buffer.from(JSON.stringify(body)).toString('base64url')
  return `${encoded}.${mac(secret, encoded)}`
}

export function verifyToken(
  secret: string,
  purpose: string,
  token: string,
  nowMs: number,
): Result<JsonObject, TokenError> {
  const [encoded, signature, extra] = token.split('.')
  if (encoded === undefined || signature === undefined || extra !== undefined || encoded === '') {
    return err({ type: 'malformed' })
  }
  const expected = Buffer.from(mac(secret, encoded))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return err({ type: 'tampered' })
  }
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
  } catch {
    return err({ type: 'malformed' })
  }
  if (!isJsonObject(payload)) return err({ type: 'malformed' })
  if (payload['p'] !== purpose) {
    const given = payload['p']
    return err({ type: 'wrong_purpose', purpose: typeof given === 'string' ? given : '' })
  }
  const exp = payload['exp']
  if (typeof exp === 'number' && exp <= nowMs) return err({ type: 'expired', expiredAt: exp })
  return ok(payload)
}

function mac(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url')
}
