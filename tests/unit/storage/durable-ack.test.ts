/**
 * The durable acknowledgement rule (DESIGN "History"): an append, and so a message shown as sent, resolves only after
 * the bytes are on disk. Checked at the system boundary: on Node the append waits for the real `datasync` call on
 * the file handle; in the browser every write transaction is opened with `durability: 'strict'`.
 */
import 'fake-indexeddb/auto'
import { open as openFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openFileUpdateStore } from '../../../src/storage/file-update-store.ts'
import { openStorage } from '../../../src/storage/browser.ts'

const dirs: string[] = []
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })

describe('Node: append resolves only after fdatasync', () => {
  it('an append stays pending while its datasync has not returned', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-durable-'))
    dirs.push(dir)
    const s = await openFileUpdateStore({ path: join(dir, 'room.log') })
    await s.load()
    // Gate the real FileHandle.datasync (the prototype every handle shares).
    const probe = await openFile(join(dir, 'probe'), 'w')
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }
    await probe.close()
    const real = proto.datasync
    let gate: (() => void) | undefined
    let syncs = 0
    proto.datasync = async function (this: unknown) {
      syncs++
      await new Promise<void>(resolve => { gate = resolve })
      return await real.call(this)
    }
    try {
      let done = false
      const appending = s.append(Uint8Array.of(1, 2, 3)).then(() => { done = true })
      for (let i = 0; i < 200 && gate === undefined; i++) await new Promise(resolve => setTimeout(resolve, 5))
      expect(syncs).toBe(1)
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(done).toBe(false)
      gate?.()
      await appending
      expect(done).toBe(true)
    } finally {
      proto.datasync = real
    }
    await s.close()
  })
})

describe('browser: every write transaction is strict', () => {
  it('appends, meta records and compaction open readwrite transactions with durability strict', async () => {
    const proto = IDBDatabase.prototype as unknown as { transaction: (...args: unknown[]) => IDBTransaction }
    const real = proto.transaction
    const seen: Array<{ mode: unknown, durability: unknown }> = []
    proto.transaction = function (this: IDBDatabase, ...args: unknown[]) {
      seen.push({ mode: args[1], durability: (args[2] as { durability?: string } | undefined)?.durability })
      return real.apply(this, args)
    }
    try {
      const storage = await openStorage({ name: 'cs-durable-strict' })
      const room = await storage.openRoom('r')
      await room.load()
      await Promise.all([room.append(Uint8Array.of(1)), room.append(Uint8Array.of(2))])
      await room.compact(Uint8Array.of(3))
      await storage.setMeta('k', Uint8Array.of(9))
      await storage.close()
    } finally {
      proto.transaction = real
    }
    const writes = seen.filter(t => t.mode === 'readwrite')
    expect(writes.length).toBeGreaterThan(0)
    expect(writes.filter(t => t.durability !== 'strict')).toEqual([])
  })
})
