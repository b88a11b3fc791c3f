import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runEvaluation } from './run-evaluation.js'

describe('runEvaluation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idic-eval-'))
  const file = join(dir, 'data.tsv')
  const lines: string[] = []
  for (let u = 0; u < 50; u++) {
    for (let i = 0; i < 40; i++) {
      if ((u * 13 + i * 7) % 6 < 2 || (u % 5 === i % 5 && i < 20)) {
        lines.push(`${u}\t${i}\t1\t${1_600_000_000 + u * 100 + i}`)
      }
    }
  }
  writeFileSync(file, lines.join('\n'))

  it('reports every model side by side with the metrics and fit time', () => {
    const report = runEvaluation({
      data: file,
      format: 'tsv',
      split: 'random',
      seed: 3,
      ks: [5, 10],
    })
    expect(Object.keys(report.models)).toEqual(['popularity', 'item-knn', 'ease', 'ials'])
    for (const m of Object.values(report.models)) {
      for (const key of [
        'precision@5',
        'recall@10',
        'ndcg@10',
        'map@5',
        'hitrate@10',
        'coverage@10',
        'fitMs',
      ]) {
        expect(m[key], key).toBeTypeOf('number')
      }
      expect(m['ndcg@10']).toBeGreaterThanOrEqual(0)
      expect(m['ndcg@10']).toBeLessThanOrEqual(1)
    }
    expect(report.evaluatedCustomers).toBe(50)
  })

  it('supports time and leave-last splits', () => {
    const time = runEvaluation({
      data: file,
      format: 'tsv',
      split: 'time',
      holdoutDays: 0.02,
      models: ['popularity'],
    })
    expect(time.testInteractions).toBeGreaterThan(0)
    expect(time.split).toMatch(/^time/)
    const last = runEvaluation({
      data: file,
      format: 'tsv',
      split: 'leave-last',
      models: ['popularity'],
    })
    expect(last.evaluatedCustomers).toBe(last.testInteractions)
  })
})
