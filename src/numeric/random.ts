/** A seeded source of random numbers; the same seed gives the same sequence on every platform. */
export interface Random {
  /** Uniform on [0, 1), 53 random bits. */
  uniform(): number
  /** Standard normal. */
  normal(): number
  /** Exponential with the given rate. */
  exponential(rate: number): number
  /** Gamma with shape k and rate θ (mean k/θ). */
  gamma(shape: number, rate: number): number
  /** Beta(a, b). */
  beta(a: number, b: number): number
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

/**
 * A seeded generator with the samplers the simulation studies need.
 *
 * *Method:* xoshiro128** (state seeded by splitmix32), two outputs per 53-bit double; normals by
 * the Marsaglia polar method; gammas by Marsaglia & Tsang's squeeze (shape < 1 boosted by
 * U^{1/k}); betas as X/(X + Y) of two gammas.
 *
 * *References:* Blackman & Vigna (2021), "Scrambled linear pseudorandom number generators", ACM
 * TOMS 47(4); Marsaglia & Tsang (2000), "A simple method for generating gamma variables", ACM
 * TOMS 26(3); Marsaglia & Bray (1964), "A convenient method for generating normal variables",
 * SIAM Review 6(3).
 */
export function createRandom(seed: number): Random {
  const init = splitmix32(seed)
  let s0 = init()
  let s1 = init()
  let s2 = init()
  let s3 = init()
  const next32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
    const t = s1 << 9
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 11)
    return result
  }
  const uniform = (): number => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992
  let spare = NaN
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const value = spare
      spare = NaN
      return value
    }
    for (;;) {
      const u = 2 * uniform() - 1
      const v = 2 * uniform() - 1
      const s = u * u + v * v
      if (s > 0 && s < 1) {
        const factor = Math.sqrt((-2 * Math.log(s)) / s)
        spare = v * factor
        return u * factor
      }
    }
  }
  const gamma = (shape: number, rate: number): number => {
    if (shape < 1) {
      const boost = Math.pow(1 - uniform(), 1 / shape)
      return gamma(shape + 1, rate) * boost
    }
    const d = shape - 1 / 3
    const c = 1 / Math.sqrt(9 * d)
    for (;;) {
      let z: number
      let v: number
      do {
        z = normal()
        v = 1 + c * z
      } while (v <= 0)
      v = v * v * v
      const u = 1 - uniform()
      if (u < 1 - 0.0331 * z * z * z * z || Math.log(u) < 0.5 * z * z + d * (1 - v + Math.log(v))) {
        return (d * v) / rate
      }
    }
  }
  return {
    uniform,
    normal,
    exponential: (rate) => -Math.log(1 - uniform()) / rate,
    gamma,
    beta: (a, b) => {
      const x = gamma(a, 1)
      return x / (x + gamma(b, 1))
    },
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
