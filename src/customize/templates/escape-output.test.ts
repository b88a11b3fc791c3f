import { Drop, Liquid } from 'liquidjs'
import { describe, expect, it } from 'vitest'
import { escapeOutput } from './escape-output.js'

class PriceDrop extends Drop {
  override valueOf(): string {
    return '<5 & up>'
  }
}

describe('escapeOutput', () => {
  it("writes what liquidjs' own escape writes, for every kind of value", () => {
    const builtIn = new Liquid({ outputEscape: 'escape' })
    const ours = new Liquid({ outputEscape: escapeOutput })
    const values: Record<string, unknown> = {
      plain: 'Ada Lovelace',
      special: `Tom & Jerry's <b>"best"</b>`,
      number: 12.5,
      zero: 0,
      nil: null,
      missing: undefined,
      truth: false,
      list: ['a<', 'b&', 3],
      nested: [['<x>'], null],
      drop: new PriceDrop(),
      unicode: 'Zoë → “quotes” &amp; entity',
      object: { a: 1 },
      custom: { toString: () => '<custom & co>' },
      big: 12n,
    }
    const source = Object.keys(values)
      .map((k) => `[{{ ${k} }}|{{ ${k} | raw }}|{{ ${k} | upcase }}]`)
      .join('\n')
    const expected = builtIn.parseAndRenderSync(source, values)
    expect(ours.parseAndRenderSync(source, values)).toBe(expected)
    expect(expected).toContain('[Tom &amp; Jerry&#39;s &lt;b&gt;&#34;best&#34;&lt;/b&gt;|')
  })

  it('counts what it writes against the memory limit', () => {
    const limited = new Liquid({ outputEscape: escapeOutput, memoryLimit: 10 })
    expect(() => limited.parseAndRenderSync('{{ v }}', { v: 'x'.repeat(50) })).toThrow(/memory/i)
  })
})
