/**
 * A smooth objective to minimise. When `gradient` is given, the function writes ∂f/∂x into it.
 * Non-finite values are allowed and read as "outside the domain".
 */
export type Objective = (x: Float64Array, gradient: Float64Array | null) => number

export interface BfgsOptions {
  readonly maxIterations?: number
  /** Stop when max |∂f/∂xᵢ| ≤ gradientTolerance · max(1, |f|). */
  readonly gradientTolerance?: number
  /** Largest move of any coordinate in one iteration (log-parameters: a factor of e^maxStep). */
  readonly maxStep?: number
}

export interface BfgsResult {
  readonly x: Float64Array
  readonly value: number
  readonly gradient: Float64Array
  readonly iterations: number
  readonly evaluations: number
  readonly converged: boolean
  readonly message: string
}

const ARMIJO = 1e-4
const MAX_BACKTRACKS = 40
/** Steps shorter than this (in the largest coordinate) cannot change f beyond rounding. */
const MIN_STEP = 1e-12

function maxAbs(v: Float64Array): number {
  let m = 0
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!))
  return m
}

function resetIdentity(h: Float64Array, n: number): void {
  h.fill(0)
  for (let i = 0; i < n; i++) h[i * n + i] = 1
}

/**
 * Minimises a smooth function of a few variables with BFGS and a backtracking line search.
 *
 * *Method:* quasi-Newton BFGS on the inverse Hessian (Nocedal & Wright, Algorithm 6.1), the
 * initial inverse scaled by sᵀy/yᵀy after the first step, the update skipped when the curvature
 * condition fails; the line search backtracks from the full step with safeguarded quadratic
 * interpolation until the Armijo condition holds, treating non-finite values as +∞ so the
 * search stays inside the domain, and gives up once the step is too short to change f beyond
 * rounding (large sums near the optimum). A failed search restarts from steepest descent once.
 *
 * *References:* Nocedal & Wright (2006), Numerical Optimization, 2nd ed., §3.1, §3.5, §6.1.
 */
export function minimizeBfgs(
  objective: Objective,
  start: Float64Array,
  options: BfgsOptions = {},
): BfgsResult {
  const n = start.length
  const maxIterations = options.maxIterations ?? 500
  const tolerance = options.gradientTolerance ?? 1e-9
  const maxStep = options.maxStep ?? 2
  const x = Float64Array.from(start)
  const g = new Float64Array(n)
  const h = new Float64Array(n * n)
  const d = new Float64Array(n)
  const xNew = new Float64Array(n)
  const gNew = new Float64Array(n)
  const s = new Float64Array(n)
  const y = new Float64Array(n)
  const hy = new Float64Array(n)
  resetIdentity(h, n)
  let evaluations = 1
  let f = objective(x, g)
  if (!Number.isFinite(f)) {
    return {
      x,
      value: f,
      gradient: g,
      iterations: 0,
      evaluations,
      converged: false,
      message: `objective is not finite at the start point (${Array.from(start).join(', ')})`,
    }
  }
  let restarted = false
  let firstStep = true
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if (maxAbs(g) <= tolerance * Math.max(1, Math.abs(f))) {
      return {
        x,
        value: f,
        gradient: g,
        iterations: iteration - 1,
        evaluations,
        converged: true,
        message: 'gradient below tolerance',
      }
    }
    // Search direction d = −H g, shortened so no coordinate moves more than maxStep.
    let slope = 0
    for (let i = 0; i < n; i++) {
      let sum = 0
      for (let j = 0; j < n; j++) sum -= h[i * n + j]! * g[j]!
      d[i] = sum
      slope += sum * g[i]!
    }
    if (!(slope < 0)) {
      resetIdentity(h, n)
      for (let i = 0; i < n; i++) d[i] = -g[i]!
      slope = 0
      for (let i = 0; i < n; i++) slope -= g[i]! * g[i]!
    }
    const longest = maxAbs(d)
    let step = longest > maxStep ? maxStep / longest : 1
    let fNew = Infinity
    let accepted = false
    for (let k = 0; k < MAX_BACKTRACKS && step * longest > MIN_STEP; k++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!
      evaluations++
      fNew = objective(xNew, gNew)
      if (Number.isFinite(fNew) && fNew <= f + ARMIJO * step * slope) {
        accepted = true
        break
      }
      // Minimiser of the quadratic through f, the slope and fNew, kept within [0.1, 0.5]·step.
      let next = 0.5 * step
      if (Number.isFinite(fNew)) {
        const q = (-slope * step * step) / (2 * (fNew - f - slope * step))
        if (Number.isFinite(q)) next = Math.min(0.5 * step, Math.max(0.1 * step, q))
      }
      step = next
    }
    if (!accepted) {
      const loose = maxAbs(g) <= 1e3 * tolerance * Math.max(1, Math.abs(f))
      if (restarted || loose) {
        return {
          x,
          value: f,
          gradient: g,
          iterations: iteration,
          evaluations,
          converged: loose,
          message: loose
            ? 'line search cannot improve further; gradient near zero'
            : 'line search failed',
        }
      }
      restarted = true
      resetIdentity(h, n)
      continue
    }
    restarted = false
    let sy = 0
    let yy = 0
    let ss = 0
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!
      y[i] = gNew[i]! - g[i]!
      sy += s[i]! * y[i]!
      yy += y[i]! * y[i]!
      ss += s[i]! * s[i]!
    }
    const fOld = f
    x.set(xNew)
    g.set(gNew)
    f = fNew
    if (sy > 1e-12 * Math.sqrt(ss * yy)) {
      if (firstStep) {
        resetIdentity(h, n)
        const scale = sy / yy
        for (let i = 0; i < n; i++) h[i * n + i] = scale
        firstStep = false
      }
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, written out with Hy.
      const rho = 1 / sy
      let yhy = 0
      for (let i = 0; i < n; i++) {
        let sum = 0
        for (let j = 0; j < n; j++) sum += h[i * n + j]! * y[j]!
        hy[i] = sum
        yhy += y[i]! * sum
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          h[i * n + j] =
            h[i * n + j]! -
            rho * (hy[i]! * s[j]! + s[i]! * hy[j]!) +
            (rho * rho * yhy + rho) * s[i]! * s[j]!
        }
      }
    }
    if (Math.abs(fOld - f) <= 1e-15 * Math.max(1, Math.abs(f)) && maxAbs(s) <= 1e-12) {
      const loose = maxAbs(g) <= 1e3 * tolerance * Math.max(1, Math.abs(f))
      return {
        x,
        value: f,
        gradient: g,
        iterations: iteration,
        evaluations,
        converged: loose,
        message: 'no further progress',
      }
    }
  }
  return {
    x,
    value: f,
    gradient: g,
    iterations: maxIterations,
    evaluations,
    converged: false,
    message: `no convergence in ${maxIterations} iterations`,
  }
}

/**
 * Wraps an objective that computes only its value so that it also fills gradients, by central
 * differences.
 *
 * *Method:* (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / 2hᵢ with hᵢ = ε^(1/3) · max(1, |xᵢ|).
 *
 * *References:* Nocedal & Wright (2006), §8.1.
 */
export function withCentralDifferences(value: (x: Float64Array) => number): Objective {
  let probe = new Float64Array(0)
  return (x, gradient) => {
    const f = value(x)
    if (gradient === null || !Number.isFinite(f)) return f
    if (probe.length !== x.length) probe = new Float64Array(x.length)
    probe.set(x)
    for (let i = 0; i < x.length; i++) {
      const step = 6e-6 * Math.max(1, Math.abs(x[i]!))
      probe[i] = x[i]! + step
      const up = value(probe)
      probe[i] = x[i]! - step
      const down = value(probe)
      probe[i] = x[i]!
      gradient[i] = (up - down) / (2 * step)
    }
    return f
  }
}
