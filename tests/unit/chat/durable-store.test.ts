import { describe, it, expect } from 'vitest'
import { durableStore } from '../../../src/chat/durable-store.ts'
import type { UpdateStore } from '../../../src/history/types.ts'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'

/** A real in-memory store that records the order in which writes reach it. */
function recording (): { inner: UpdateStore, order: string[] } {
  const base = memoryUpdateStore()
  const order: string[] = []
  const inner: UpdateStore = {
    load: async () => await base.load(),
    append: async (u) => { order.push(`append ${u[0] ?? -1}`); await base.append(u) },
    compact: async (m) => { order.push('compact'); await base.compact(m) },
    close: async () => { order.push('close'); await base.close() }
  }
  return { inner, order }
}

function gate (): { promise: Promise<void>, open: () => void, fail: () => void } {
  let open = (): void => {}
  let fail = (): void => {}
  const promise = new Promise<void>((resolve, reject) => { open = resolve; fail = () => { reject(new Error('hold failed')) } })
  promise.catch(() => {})
  return { promise, open, fail }
}

const tick = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 5)) }

describe('durable store holds', () => {
  it('writes at once when nothing is held', async () => {
    const { inner, order } = recording()
    const store = durableStore(inner, () => {})
    const u = new Uint8Array([1])
    await store.append(u)
    expect(order).toEqual(['append 1'])
    await store.durable(u)
  })

  it('holds a write until its gate opens, and later writes stay behind it in call order', async () => {
    const { inner, order } = recording()
    let hold: Promise<void> | undefined
    const store = durableStore(inner, () => {}, () => hold)
    const g = gate()
    hold = g.promise
    const first = new Uint8Array([1])
    await store.append(first)
    hold = undefined
    // Not held itself, but called after a held write: it must not overtake it.
    const second = new Uint8Array([2])
    await store.append(second)
    let durable = false
    void store.durable(first).then(() => { durable = true })
    await tick()
    expect(order).toEqual([])
    expect(durable).toBe(false)
    g.open()
    await store.durable(first)
    await store.durable(second)
    expect(order).toEqual(['append 1', 'append 2'])
    // Nothing held any more: the next write goes straight through.
    await store.append(new Uint8Array([3]))
    expect(order).toEqual(['append 1', 'append 2', 'append 3'])
  })

  it('keeps call order across two holds and a compaction, and close waits for them', async () => {
    const { inner, order } = recording()
    let hold: Promise<void> | undefined
    const store = durableStore(inner, () => {}, () => hold)
    const a = gate()
    const b = gate()
    hold = a.promise
    await store.append(new Uint8Array([1]))
    hold = b.promise
    await store.append(new Uint8Array([2]))
    hold = undefined
    const compacted = store.compact(new Uint8Array([9]))
    const closed = store.close()
    b.open()
    await tick()
    expect(order).toEqual([])
    a.open()
    await compacted
    await closed
    expect(order).toEqual(['append 1', 'append 2', 'compact', 'close'])
  })

  it('a failed hold still releases the write', async () => {
    const { inner, order } = recording()
    const errors: unknown[] = []
    const g = gate()
    const store = durableStore(inner, (err) => { errors.push(err) }, () => g.promise)
    const u = new Uint8Array([1])
    await store.append(u)
    g.fail()
    await store.durable(u)
    expect(order).toEqual(['append 1'])
    expect(errors).toEqual([])
  })
})
