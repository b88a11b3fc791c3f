/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32) with the draws the
 * demo shop needs. Same seed, same sequence, on every platform: no Math.random anywhere.
 */
export class SeededRandom {
  private a: number
  private b: number
  private c: number
  private d: number

  /** `seed` and `stream` pick independent sequences (e.g. the shop's seed and a customer's index). */
  constructor(seed: number, stream = 0) {
    let state = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream | 0, 0x85ebca6b)) >>> 0
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0
      let z = state
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    for (let i = 0; i < 12; i += 1) this.next()
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return (t >>> 0) / 4294967296
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }

  /** Index drawn with probability proportional to `weights`. */
  weighted(weights: readonly number[]): number {
    let total = 0
    for (const w of weights) total += w
    let x = this.next() * total
    for (let i = 0; i < weights.length; i += 1) {
      x -= weights[i]!
      if (x < 0) return i
    }
    return weights.length - 1
  }

  normal(): number {
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate
  }

  /**
   * Gamma(shape, rate) by Marsaglia & Tsang (2000), "A simple method for generating gamma
   * variables"; shape < 1 through the boost u^(1/shape).
   */
  gamma(shape: number, rate: number): number {
    if (shape < 1) return this.gamma(shape + 1, rate) * Math.pow(this.next(), 1 / shape)
    const d = shape - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      let x: number
      let v: number
      do {
        x = this.normal()
        v = 1 + c * x
      } while (v <= 0)
      v = v * v * v
      const u = this.next()
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return (d * v) / rate
      }
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a, 1)
    return x / (x + this.gamma(b, 1))
  }

  poisson(mean: number): number {
    let k = 0
    let p = Math.exp(-mean)
    let s = p
    const u = this.next()
    while (u > s && k < 1000) {
      k += 1
      p *= mean / k
      s += p
    }
    return k
  }
}
