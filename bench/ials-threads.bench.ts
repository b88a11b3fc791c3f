/**
 * iALS fit on one thread against two, alternately, on the simulated shop (nnz / 20 customers ×
 * 50,000 items, 64 factors): wall time per iteration and each thread's CPU time per iteration
 * (from /proc/self/task, Linux), which tells what two free cores would give when the machine is
 * shared and wall times are not to be trusted.
 *
 *   npx tsx bench/ials-threads.bench.ts [--simulated 1000000] [--iterations 2] [--rounds 1]
 *     [--threads 1,2]
 */
import { readdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fitIals } from '../src/customize/recommend/ials.js'
import { simulateInteractions } from './simulate-interactions.js'

const args = process.argv.slice(2)
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name)
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback
}
const nnz = Number(flag('--simulated', '1000000'))
const iterations = Number(flag('--iterations', '2'))
const rounds = Number(flag('--rounds', '1'))
const threadCounts = flag('--threads', '1,2').split(',').map(Number)

/** CPU milliseconds per live thread of this process (utime + stime, 100 ticks a second). */
function threadCpuMs(): Map<string, number> {
  const cpu = new Map<string, number>()
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const fields = readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]!.split(' ')
      cpu.set(task, (Number(fields[11]) + Number(fields[12])) * 10)
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return cpu
}

const load = (): string =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')
const x = simulateInteractions(Math.round(nnz / 20), 50_000, nnz)
for (let r = 0; r < rounds; r++) {
  for (const threads of threadCounts) {
    const loadBefore = load()
    // Snapshots at the start and after each iteration, while the helper threads still live.
    const snapshots = [threadCpuMs()]
    const at: number[] = []
    const t0 = performance.now()
    fitIals(
      x,
      { factors: 64, regularization: 25, alpha: 1.5, iterations, cgSteps: 3, threads },
      () => {
        at.push(performance.now() - t0)
        snapshots.push(threadCpuMs())
      },
    )
    const perIteration = at.map((t, i) => {
      const before = snapshots[i]!
      const cpu = [...snapshots[i + 1]!]
        .map(([task, ms]) => ms - (before.get(task) ?? 0))
        .filter((ms) => ms > 50)
        .sort((a, b) => b - a)
      return { wallMs: Math.round(t - (i === 0 ? 0 : at[i - 1]!)), threadCpuMs: cpu }
    })
    console.log(JSON.stringify({ nnz, threads, perIteration, loadBefore, loadAfter: load() }))
  }
}
