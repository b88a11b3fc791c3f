import { html } from 'htm/preact'
import { render } from 'preact'
import type { VNode } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api, ApiError, storedKey, storeKey, type Session } from './api.js'
import { CustomersPage } from './pages/customers.js'
import { Customer360Page } from './pages/customer-360.js'
import { OverviewPage } from './pages/overview.js'
import { PortfolioPage } from './pages/portfolio.js'
import { RecommendationsPage } from './pages/recommendations.js'
import { NewSegmentPage, SegmentPage, SegmentsPage } from './pages/segments.js'
import { CampaignComparePage, CampaignPage, CampaignsPage } from './pages/campaigns.js'
import { link, useRoute, type Route } from './router.js'
import { ErrorNote, Loading } from './ui.js'
import { asApiError } from './use-api.js'
import './styles.css'

const DASHBOARD_ROLES: readonly string[] = ['admin', 'analyst', 'manager']

/** Checks a key against the API; resolves to who it speaks for, or rejects with why not. */
async function openSession(key: string): Promise<Session> {
  const session = await api<Session>('/v1/me', { key })
  if (!DASHBOARD_ROLES.includes(session.role)) {
    throw new ApiError(403, 'forbidden', `A ${session.role} key cannot open the dashboard`)
  }
  return session
}

function SignIn(props: { readonly onSession: (session: Session, key: string) => void }): VNode {
  const [key, setKey] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const submit = (event: Event): void => {
    event.preventDefault()
    const trimmed = key.trim()
    if (trimmed === '') return
    setBusy(true)
    setError(null)
    openSession(trimmed).then(
      (session) => {
        props.onSession(session, trimmed)
      },
      (e: unknown) => {
        setBusy(false)
        setError(asApiError(e))
      },
    )
  }
  return html`<main class="signin">
    <form onSubmit=${submit} aria-labelledby="signin-title">
      <h1 id="signin-title">idic</h1>
      <p class="muted">Sign in with a secret key (admin, analyst or manager).</p>
      <label for="secret-key">Secret key</label>
      <input
        id="secret-key"
        type="password"
        autocomplete="current-password"
        value=${key}
        onInput=${(e: Event) => {
          setKey((e.currentTarget as HTMLInputElement).value)
        }}
        autofocus
      />
      <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      ${error === null ? null : html`<${ErrorNote} error=${error} what="a session" />`}
      <p class="muted small">
        Create one with <code>idic keys create --name me --role admin</code>.
      </p>
    </form>
  </main>`
}

function Page(props: { readonly route: Route; readonly session: Session }): VNode {
  const r = props.route
  const manager = props.session.role === 'manager'
  switch (r.page) {
    case 'overview':
      // A manager's home is their portfolio; the base-wide figures are not theirs to see.
      return manager ? html`<${PortfolioPage} />` : html`<${OverviewPage} />`
    case 'portfolio':
      return html`<${PortfolioPage} />`
    case 'recommendations':
      return manager ? html`<${PortfolioPage} />` : html`<${RecommendationsPage} />`
    case 'customers':
      return manager
        ? html`<${PortfolioPage} />`
        : html`<${CustomersPage}
            key=${`${r.query}|${r.sort}|${r.tier}|${r.segment}|${r.manager}`}
            query=${r.query}
            sort=${r.sort}
            tier=${r.tier}
            segment=${r.segment}
            manager=${r.manager}
          />`
    case 'segments':
      return manager ? html`<${PortfolioPage} />` : html`<${SegmentsPage} />`
    case 'new-segment':
      return manager ? html`<${PortfolioPage} />` : html`<${NewSegmentPage} />`
    case 'segment':
      return manager ? html`<${PortfolioPage} />` : html`<${SegmentPage} key=${r.id} id=${r.id} />`
    case 'campaigns':
      return manager ? html`<${PortfolioPage} />` : html`<${CampaignsPage} />`
    case 'campaign':
      return manager ? html`<${PortfolioPage} />` : html`<${CampaignPage} key=${r.id} id=${r.id} />`
    case 'campaign-compare':
      return manager
        ? html`<${PortfolioPage} />`
        : html`<${CampaignComparePage} key=${r.ids} ids=${r.ids} />`
    case 'customer':
      return html`<${Customer360Page}
        key=${r.identity}
        identity=${r.identity}
        session=${props.session}
      />`
    case 'not-found':
      return html`<section>
        <h1>Not found</h1>
        <p>No page at <code>${r.path}</code>.</p>
      </section>`
  }
}

function Shell(props: { readonly session: Session; readonly onSignOut: () => void }): VNode {
  const route = useRoute()
  const manager = props.session.role === 'manager'
  const SECTION: Readonly<Record<string, string>> = {
    customer: 'customers',
    segment: 'segments',
    'new-segment': 'segments',
    campaign: 'campaigns',
    'campaign-compare': 'campaigns',
  }
  const current = manager ? 'portfolio' : (SECTION[route.page] ?? route.page)
  const nav = (page: string, href: string, label: string): VNode =>
    html`<a href=${href} data-link aria-current=${current === page ? 'page' : undefined}
      >${label}</a
    >`
  return html`<div class="shell">
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="/" data-link>idic</a>
      <nav aria-label="Main">
        ${
          manager
            ? nav('portfolio', '/portfolio', 'My portfolio')
            : html`${nav('overview', '/', 'Overview')}
              ${nav('customers', '/customers', 'Customers')}
              ${nav('segments', '/segments', 'Segments')}
              ${nav('campaigns', '/campaigns', 'Campaigns')}
              ${nav('recommendations', '/recommendations', 'Recommendations')}`
        }
      </nav>
      <div class="who">
        <span class="muted small">${props.session.name} · ${props.session.role}</span>
        <button type="button" class="link" onClick=${props.onSignOut}>Sign out</button>
      </div>
    </header>
    <main id="main" tabindex="-1"><${Page} route=${route} session=${props.session} /></main>
  </div>`
}

function App(): VNode {
  const [session, setSession] = useState<Session | null>(null)
  const [checking, setChecking] = useState(storedKey() !== null)
  useEffect(() => {
    const key = storedKey()
    if (key === null) return
    openSession(key).then(
      (s) => {
        setSession(s)
        setChecking(false)
      },
      () => {
        storeKey(null)
        setChecking(false)
      },
    )
  }, [])
  if (checking) return html`<${Loading} what="your session" />`
  if (session === null) {
    return html`<${SignIn}
      onSession=${(s: Session, key: string) => {
        storeKey(key)
        setSession(s)
      }}
    />`
  }
  return html`<${Shell}
    session=${session}
    onSignOut=${() => {
      storeKey(null)
      setSession(null)
      link('/')
    }}
  />`
}

const root = document.getElementById('app')
if (root === null) throw new Error('index.html has no #app element')
root.textContent = ''
render(html`<${App} />`, root)
