/** Per-peer strikes for rejected frames: struck exactly once at the limit, within the window, bounded. */
import { describe, expect, it } from 'vitest'
import { RejectStrikes } from '../../../src/net/reject-strikes.ts'

describe('RejectStrikes', () => {
  it('strikes a peer once, at the limit, and only within the window', () => {
    const s = new RejectStrikes({ limit: 3, windowMs: 1000, maxPeers: 10 })
    expect([s.note('a', 0), s.note('a', 10), s.note('a', 20), s.note('a', 30)]).toEqual([false, false, true, false])
    expect(s.struck('a', 500)).toBe(true)
    expect(s.struck('a', 2000)).toBe(false)
    expect(s.struck('b', 500)).toBe(false)
    // A slow trickle never adds up.
    const t = new RejectStrikes({ limit: 3, windowMs: 100, maxPeers: 10 })
    expect([t.note('c', 0), t.note('c', 150), t.note('c', 300), t.note('c', 450)]).toEqual([false, false, false, false])
  })

  it('tracks at most maxPeers, forgetting the oldest', () => {
    const s = new RejectStrikes({ limit: 1, windowMs: 1000, maxPeers: 2 })
    s.note('a', 0); s.note('b', 0); s.note('c', 0)
    expect([s.struck('a', 1), s.struck('b', 1), s.struck('c', 1)]).toEqual([false, true, true])
  })
})
