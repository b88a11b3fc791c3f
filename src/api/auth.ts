import type { FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { RequestError } from '../core/errors.js'
import type { Role } from '../core/roles.js'
import { findApiKey, type ApiKey } from '../store/api-keys.repository.js'
import type { Database } from '../store/database.js'

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKey | null
  }
}

/**
 * Reads the key from `Authorization`: HTTP Basic with the key as user name (what Segment and
 * RudderStack SDKs send with a write key) or `Bearer KEY`.
 */
export function keyFromAuthorization(header: string | undefined): string | null {
  if (header === undefined) return null
  const [scheme, value] = header.split(' ', 2)
  if (value === undefined || value === '') return null
  if (scheme?.toLowerCase() === 'bearer') return value.trim()
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const user = decoded.split(':', 1)[0] ?? ''
    return user === '' ? null : user
  }
  return null
}

const CACHE_TTL_MS = 10_000

/** Looks keys up with a short cache, so ingestion does not query the key table per batch. */
export class KeyAuthenticator {
  private readonly cache = new Map<string, { key: ApiKey | null; until: number }>()

  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number,
  ) {}

  async authenticate(request: FastifyRequest, roles: readonly Role[]): Promise<ApiKey> {
    const secret = keyFromAuthorization(request.headers.authorization)
    if (secret === null) {
      throw new RequestError(
        'unauthorized',
        401,
        'Missing API key: send it as HTTP Basic user name (write keys) or as Bearer token',
      )
    }
    const key = await this.lookup(secret)
    if (key === null) throw new RequestError('unauthorized', 401, 'Unknown or revoked API key')
    if (!roles.includes(key.role)) {
      throw new RequestError('forbidden', 403, `A ${key.role} key may not use this endpoint`, {
        allowedRoles: roles,
      })
    }
    request.apiKey = key
    return key
  }

  private async lookup(secret: string): Promise<ApiKey | null> {
    const nowMs = this.now()
    const cached = this.cache.get(secret)
    if (cached !== undefined && cached.until > nowMs) return cached.key
    const key = await findApiKey(this.db, secret)
    if (this.cache.size > 10_000) this.cache.clear()
    this.cache.set(secret, { key, until: nowMs + CACHE_TTL_MS })
    return key
  }
}
