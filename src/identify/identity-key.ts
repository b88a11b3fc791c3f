/** Kinds of identity the graph joins customers by. */
export const IDENTITY_KINDS = ['user_id', 'anonymous_id', 'email'] as const
export type IdentityKind = (typeof IDENTITY_KINDS)[number]

export interface Identity {
  readonly kind: IdentityKind
  readonly value: string
}

/** One string per identity, for maps and locks. */
export function identityKey(identity: Identity): string {
  return `${identity.kind}:${identity.value}`
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Emails are matched case-insensitively; anything that does not look like one is ignored. */
export function normalizeEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const email = value.trim().toLowerCase()
  return EMAIL.test(email) ? email : null
}
