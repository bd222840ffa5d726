/** Small timing helpers shared by the benchmarks: warm up, then the median of several timed rounds. */

export interface Measurement {
  /** Median microseconds per operation over the rounds. */
  usPerOp: number
  /** Fastest round, µs per operation. */
  minUsPerOp: number
  /** Operations timed (all rounds). */
  ops: number
}

export interface MeasureOptions {
  /** Operations per round. */
  iterations: number
  /** Timed rounds (median reported). */
  rounds?: number
  /** Untimed operations first, so the JIT has settled. */
  warmup?: number
}

/** Times `op` (awaited one after another, as a receiver processes a stream). */
export async function measure (op: (i: number) => unknown, opts: MeasureOptions): Promise<Measurement> {
  const rounds = opts.rounds ?? 5
  const warmup = opts.warmup ?? Math.min(opts.iterations, 1000)
  for (let i = 0; i < warmup; i++) await op(i)
  const perRound: number[] = []
  let n = warmup
  for (let r = 0; r < rounds; r++) {
    const start = performance.now()
    for (let i = 0; i < opts.iterations; i++) await op(n++)
    perRound.push((performance.now() - start) * 1000 / opts.iterations)
  }
  perRound.sort((a, b) => a - b)
  return {
    usPerOp: perRound[Math.floor(perRound.length / 2)] as number,
    minUsPerOp: perRound[0] as number,
    ops: rounds * opts.iterations
  }
}
