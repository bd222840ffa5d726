import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { publicKeyFromSeed, signSync } from '../../../src/crypto/ed25519.node.ts'
import { verifyBatched, verifyBatchStats, warmVerifyWorkers } from '../../../src/crypto/verify-batch.node.ts'
import { VERIFY_BATCH_MIN } from '../../../src/constants.ts'

function signed (n: number): Array<{ pk: Uint8Array, msg: Uint8Array, sig: Uint8Array }> {
  const seeds = [randomBytes(32), randomBytes(32), randomBytes(32)]
  return Array.from({ length: n }, (_, i) => {
    const seed = seeds[i % seeds.length] as Uint8Array
    const msg = randomBytes(1 + (i * 37) % 700)
    return { pk: publicKeyFromSeed(seed), msg, sig: signSync(seed, msg) }
  })
}

describe('verifyBatched (main thread + worker threads)', () => {
  it('gives the same answer as a single verify for every entry of a large batch, in order', async () => {
    const items = signed(500)
    const bad = new Set<number>()
    // Break some: a flipped message byte, a flipped signature byte, a wrong key, a key that is not a point.
    for (let i = 3; i < items.length; i += 17) {
      const it = items[i] as typeof items[number]
      const kind = (i / 17 | 0) % 4
      if (kind === 0) it.msg = Uint8Array.from(it.msg, (b, j) => j === 0 ? b ^ 1 : b)
      else if (kind === 1) it.sig = Uint8Array.from(it.sig, (b, j) => j === 10 ? b ^ 0x80 : b)
      else if (kind === 2) it.pk = publicKeyFromSeed(randomBytes(32))
      else it.pk = new Uint8Array(32).fill(0xff)
      bad.add(i)
    }
    // Round 0 may run before the workers are up (they then find the batch done); later rounds share it with them.
    for (let round = 0; round < 3; round++) {
      if (round === 1) await warmVerifyWorkers()
      const results = await Promise.all(items.map(async x => await verifyBatched(x.pk, x.msg, x.sig)))
      expect(results).toEqual(items.map((_, i) => !bad.has(i)))
    }
    // The workers take part (on a machine with more than one core); a busy machine may deschedule a worker for a
    // whole batch, so a few more batches are allowed before this counts as broken.
    for (let round = 0; round < 20 && availableParallelism() > 1 && verifyBatchStats().byWorkers === 0; round++) {
      expect(await Promise.all(items.map(async x => await verifyBatched(x.pk, x.msg, x.sig)))).toEqual(items.map((_, i) => !bad.has(i)))
    }
    if (availableParallelism() > 1) expect(verifyBatchStats().byWorkers).toBeGreaterThan(0)
  })

  it('verifies small batches and malformed arguments too', async () => {
    const items = signed(VERIFY_BATCH_MIN - 1)
    expect(await Promise.all(items.map(async x => await verifyBatched(x.pk, x.msg, x.sig)))).toEqual(items.map(() => true))
    const x = items[0] as typeof items[number]
    expect(await verifyBatched(x.pk.subarray(1), x.msg, x.sig)).toBe(false)
    expect(await verifyBatched(x.pk, x.msg, x.sig.subarray(1))).toBe(false)
    expect(await verifyBatched(x.pk, 'nope' as unknown as Uint8Array, x.sig)).toBe(false)
  })

  it('keeps batches of separate ticks apart', async () => {
    const a = signed(40)
    const b = signed(40)
    b.forEach(x => { x.sig = new Uint8Array(64) })
    const first = Promise.all(a.map(async x => await verifyBatched(x.pk, x.msg, x.sig)))
    await Promise.resolve()
    const second = Promise.all(b.map(async x => await verifyBatched(x.pk, x.msg, x.sig)))
    expect(await first).toEqual(a.map(() => true))
    expect(await second).toEqual(b.map(() => false))
  })
})
