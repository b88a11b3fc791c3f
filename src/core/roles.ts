/**
 * Who a key speaks for. `write` keys may only send events (Segment's write key); `admin` reads
 * and changes everything; `analyst` reads everything and runs reports; `manager` sees only the
 * customers in their own portfolio.
 */
export const ROLES = ['write', 'admin', 'analyst', 'manager'] as const
export type Role = (typeof ROLES)[number]

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value)
}

/** Roles allowed to read customer data through the API. */
export const READ_ROLES = ['admin', 'analyst', 'manager'] as const satisfies readonly Role[]
