/** An expected outcome: a value, or an error tagged by `type`. */
export type Result<T, E extends { readonly type: string }> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E }

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value }
}

export function err<E extends { readonly type: string }>(
  error: E,
): { readonly ok: false; readonly error: E } {
  return { ok: false, error }
}
