import { useCallback, useEffect, useState } from 'preact/hooks'
import { api, ApiError } from './api.js'

export type Load<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: ApiError }
  | { readonly state: 'done'; readonly data: T }

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'client', String(error))
}

/** GETs a path (null: nothing to load) and follows its loading, error and done states. */
export function useApi<T>(path: string | null): readonly [Load<T>, () => void] {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' })
  const [round, setRound] = useState(0)
  useEffect(() => {
    if (path === null) return undefined
    let live = true
    setLoad({ state: 'loading' })
    api<T>(path).then(
      (data) => {
        if (live) setLoad({ state: 'done', data })
      },
      (error: unknown) => {
        if (live) setLoad({ state: 'error', error: asApiError(error) })
      },
    )
    return () => {
      live = false
    }
  }, [path, round])
  const reload = useCallback(() => {
    setRound((r) => r + 1)
  }, [])
  return [load, reload]
}

export { asApiError }
