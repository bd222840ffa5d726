import { describe, expect, it } from 'vitest'
import { openAhead } from '../../../src/history/open-ahead.ts'

describe('openAhead', () => {
  it('yields every item in order, starting work in bursts of half a window, at most a window ahead', async () => {
    const items = Array.from({ length: 23 }, (_, i) => i)
    const started: number[] = []
    const bursts: number[][] = []
    let burst: number[] = []
    const seen: number[] = []
    for (const [item, p] of openAhead(items, (i) => { started.push(i); burst.push(i); return Promise.resolve(i * 10) }, 8)) {
      if (burst.length > 0) { bursts.push(burst); burst = [] }
      expect(started.length - seen.length).toBeLessThanOrEqual(8)
      seen.push(item)
      expect(await p).toBe(item * 10)
    }
    expect(seen).toEqual(items)
    expect(started).toEqual(items)
    // First a full window, then refills of at least half a window (the last one may be shorter).
    expect(bursts[0]).toHaveLength(8)
    for (const b of bursts.slice(1, -1)) expect(b.length).toBeGreaterThanOrEqual(4)
  })

  it('passes skips through and does not report a rejection that waits in line as unhandled', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (r: unknown): void => { unhandled.push(r) }
    process.on('unhandledRejection', onUnhandled)
    try {
      const out: string[] = []
      for (const [item, p] of openAhead([1, 2, 3, 4], (i) => i === 2 ? undefined : i === 3 ? Promise.reject(new Error('bad')) : Promise.resolve(i), 4)) {
        // Let the rejection of item 3 settle before it is awaited.
        await new Promise(resolve => setTimeout(resolve, 1))
        if (p === undefined) { out.push(`${item}:skip`); continue }
        try { out.push(`${item}:${await p}`) } catch (err) { out.push(`${item}:${(err as Error).message}`) }
      }
      expect(out).toEqual(['1:1', '2:skip', '3:bad', '4:4'])
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
