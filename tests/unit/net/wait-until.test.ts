import { describe, expect, it } from 'vitest'
import { waitUntil } from '../../../src/net/wait-until.ts'

describe('waitUntil', () => {
  it('is true at once when the condition holds, without listening', async () => {
    expect(await waitUntil(() => true, 10, [])).toBe(true)
  })

  it('re-checks on each event of every source', async () => {
    const a = new EventTarget()
    const b = new EventTarget()
    let n = 0
    const waiting = waitUntil(() => n >= 2, 5_000, [[a, 'x'], [b, 'y']])
    n = 1
    a.dispatchEvent(new Event('x'))
    n = 2
    b.dispatchEvent(new Event('y'))
    expect(await waiting).toBe(true)
  })

  it('is false after the timeout and leaves no listener behind', async () => {
    const a = new EventTarget()
    let checks = 0
    expect(await waitUntil(() => { checks++; return false }, 20, [[a, 'x']])).toBe(false)
    a.dispatchEvent(new Event('x'))
    expect(checks).toBe(1)
  })
})
