import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EXIT } from '../exit-codes.js'

const MAIN = new URL('../main.ts', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'idic-import-cli-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

function idic(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { env: { ...process.env, IDIC_DATABASE_URL: `sqlite:${join(dir, 'cli.db')}` } },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
      },
    )
  })
}

describe('idic import orders (command line)', () => {
  it('prints the report as JSON, exits 4 when broken rows were skipped, 0 on a clean re-import of the good rows', async () => {
    const broken = join(dir, 'orders.csv')
    writeFileSync(
      broken,
      [
        'order_id,customer_id,timestamp,product_id,quantity,price',
        'o1,u1,2024-01-01,p1,1,10',
        'o2,u2,2024-13-45,p1,1,10',
      ].join('\n'),
    )
    const first = await idic(['import', 'orders', broken, '--json'])
    expect(first.code).toBe(EXIT.partial)
    const report = JSON.parse(first.stdout) as { skipped: Record<string, { firstLines: number[] }> }
    expect(report.skipped['bad_timestamp']?.firstLines).toEqual([3])

    const clean = join(dir, 'clean.csv')
    writeFileSync(
      clean,
      'order_id,customer_id,timestamp,product_id,quantity,price\no1,u1,2024-01-01,p1,1,10\n',
    )
    const again = await idic(['import', 'orders', clean, '--json'])
    expect(again.code).toBe(EXIT.ok)
    expect(
      (JSON.parse(again.stdout) as { inserted: Record<string, number> }).inserted['orders'],
    ).toBe(0)

    const usage = await idic(['import', 'orders', clean, '--map', 'colour=x'])
    expect(usage.code).toBe(EXIT.usage)
    expect(usage.stderr).toContain('unknown field "colour"')
  }, 60_000)
})
