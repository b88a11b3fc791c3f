import { Command } from 'commander'
import { getCustomerProfile, type CustomerProfile } from '../../identify/customer-profile.js'
import { printResult, runWithStore, type GlobalOptions } from '../command-context.js'

export function profileCommand(): Command {
  return new Command('profile')
    .description('show one customer: traits, identities, merges, orders and recent timeline')
    .argument('<identity>', 'customer id, userId, email or anonymousId')
    .option('--timeline <n>', 'how many recent events to show', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print JSON')
    .option('--database <url>', 'database URL')
    .action(async (identity: string, options: GlobalOptions & { timeline: number }) => {
      await runWithStore(options, async (ctx) => {
        const profile = await getCustomerProfile(ctx.store.db, identity, {
          timelineLimit: options.timeline,
        })
        printResult(ctx, profile, () => renderProfile(profile))
        return undefined
      })
    })
}

function when(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16)
}

export function renderProfile(p: CustomerProfile): string {
  const lines = [
    `Customer ${p.id}${p.email === null ? '' : `  <${p.email}>`}`,
    `  first seen ${when(p.firstSeenAt)}, last seen ${when(p.lastSeenAt)}`,
    `  orders: ${p.orders.count}, revenue ${p.orders.revenue.toFixed(2)} ${p.orders.currencies.join('/')}` +
      (p.orders.refunded > 0 ? ` (refunded ${p.orders.refunded.toFixed(2)})` : ''),
    '',
    'Identities:',
    ...p.identities.map((i) => `  ${i.kind.padEnd(13)} ${i.value}`),
  ]
  const traits = Object.entries(p.traits)
  if (traits.length > 0)
    lines.push('', 'Traits:', ...traits.map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`))
  if (p.merges.length > 0) {
    lines.push(
      '',
      'Merges:',
      ...p.merges.map((m) => `  ${when(m.mergedAt)}  ${m.mergedCustomerId}  (${m.reason})`),
    )
  }
  if (p.conflicts.length > 0) {
    lines.push(
      '',
      'Conflicts (not merged):',
      ...p.conflicts.map((c) => `  ${when(c.detectedAt)}  ${c.reason}`),
    )
  }
  const counts = Object.entries(p.eventCounts).sort((a, b) => b[1] - a[1])
  if (counts.length > 0)
    lines.push('', 'Events:', ...counts.map(([name, n]) => `  ${String(n).padStart(6)}  ${name}`))
  if (p.timeline.length > 0) {
    lines.push(
      '',
      'Recent:',
      ...p.timeline.map((e) => `  ${when(e.occurredAt)}  ${e.type.padEnd(8)} ${e.name ?? ''}`),
    )
  }
  return lines.join('\n')
}
