import { useEffect, useState } from 'preact/hooks'

/** Path-based routes (the server answers index.html for them) over the History API. */
export type Route =
  | { readonly page: 'overview' }
  | {
      readonly page: 'customers'
      readonly query: string
      /** recent (last seen), or a ranking: value, clv, p_alive, share_of_wallet, growth_potential. */
      readonly sort: string
      readonly tier: string
      /** segment id: only its members (ranked list). */
      readonly segment: string
      /** manager id: only their portfolio (ranked list). */
      readonly manager: string
    }
  | { readonly page: 'customer'; readonly identity: string }
  | { readonly page: 'portfolio' }
  | { readonly page: 'recommendations' }
  | { readonly page: 'segments' }
  | { readonly page: 'new-segment' }
  | { readonly page: 'segment'; readonly id: string }
  | { readonly page: 'campaigns' }
  | { readonly page: 'campaign'; readonly id: string }
  | { readonly page: 'campaign-compare'; readonly ids: string }
  | { readonly page: 'not-found'; readonly path: string }

export function parseRoute(location: Location): Route {
  const path = location.pathname.replace(/\/+$/, '') || '/'
  if (path === '/' || path === '/overview') return { page: 'overview' }
  if (path === '/portfolio') return { page: 'portfolio' }
  if (path === '/recommendations') return { page: 'recommendations' }
  if (path === '/segments') return { page: 'segments' }
  if (path === '/segments/new') return { page: 'new-segment' }
  if (path === '/campaigns') return { page: 'campaigns' }
  if (path === '/campaigns/compare') {
    return { page: 'campaign-compare', ids: new URLSearchParams(location.search).get('ids') ?? '' }
  }
  const item = /^\/(segments|campaigns)\/(.+)$/.exec(path)
  if (item?.[1] !== undefined && item[2] !== undefined) {
    const id = decodeURIComponent(item[2])
    return item[1] === 'segments' ? { page: 'segment', id } : { page: 'campaign', id }
  }
  if (path === '/customers') {
    const params = new URLSearchParams(location.search)
    return {
      page: 'customers',
      query: params.get('query') ?? '',
      sort: params.get('sort') ?? 'recent',
      tier: params.get('tier') ?? '',
      segment: params.get('segment') ?? '',
      manager: params.get('manager') ?? '',
    }
  }
  const match = /^\/customers\/(.+)$/.exec(path)
  if (match?.[1] !== undefined) {
    return { page: 'customer', identity: decodeURIComponent(match[1]) }
  }
  return { page: 'not-found', path }
}

const listeners = new Set<() => void>()

/** Goes to a path inside the app without reloading. */
export function link(path: string): void {
  if (path !== location.pathname + location.search) history.pushState(null, '', path)
  for (const listener of listeners) listener()
  window.scrollTo(0, 0)
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location))
  useEffect(() => {
    const update = (): void => {
      setRoute(parseRoute(location))
    }
    listeners.add(update)
    window.addEventListener('popstate', update)
    // Plain <a data-link> anchors navigate in-app; modified clicks keep the browser's behaviour.
    const onClick = (event: MouseEvent): void => {
      if (event.defaultPrevented || event.button !== 0) return
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
      const anchor = (event.target as Element | null)?.closest('a[data-link]')
      if (!(anchor instanceof HTMLAnchorElement)) return
      event.preventDefault()
      link(anchor.pathname + anchor.search)
    }
    document.addEventListener('click', onClick)
    return () => {
      listeners.delete(update)
      window.removeEventListener('popstate', update)
      document.removeEventListener('click', onClick)
    }
  }, [])
  return route
}
