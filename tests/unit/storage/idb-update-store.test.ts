import 'fake-indexeddb/auto'
import { describe, it, expect } from 'vitest'
import { openStorage } from '../../../src/storage/browser.ts'
import { openIdbUpdateStore, UPDATES_STORE } from '../../../src/storage/idb-update-store.ts'
import { updateStoreSuite } from '../history/update-store.suite.ts'
import type { StorageBackend } from '../../../src/history/types.ts'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { makeRoom, makeAuthor, frameOf, idsOf } from '../history/fixtures.ts'

let n = 0
updateStoreSuite('IndexedDB (fake-indexeddb)', async () => {
  const name = `cs-test-${++n}`
  let storage: StorageBackend | undefined
  return {
    open: async () => {
      await storage?.close()
      storage = await openStorage({ name })
      return await storage.openRoom('room-a')
    },
    cleanup: async () => { await storage?.close() }
  }
})

describe('browser storage backend', () => {
  it('keeps rooms apart and meta records', async () => {
    const s = await openStorage({ name: 'cs-backend-1' })
    const a = await s.openRoom('a')
    const b = await s.openRoom('b')
    await a.append(Uint8Array.of(1))
    await b.append(Uint8Array.of(2))
    await b.append(Uint8Array.of(3))
    expect((await a.load()).map(u => u[0])).toEqual([1])
    expect((await b.load()).map(u => u[0])).toEqual([2, 3])
    await b.compact(Uint8Array.of(9))
    expect((await a.load()).map(u => u[0])).toEqual([1])
    expect(await s.getMeta('identity')).toBeUndefined()
    await s.setMeta('identity', Uint8Array.of(4, 5))
    expect(await s.getMeta('identity')).toEqual(Uint8Array.of(4, 5))
    await expect(s.openRoom('a')).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await s.close()
    const again = await openStorage({ name: 'cs-backend-1' })
    expect(((await (await again.openRoom('b')).load())).map(u => u[0])).toEqual([9])
    expect(await again.getMeta('identity')).toEqual(Uint8Array.of(4, 5))
    await again.close()
  })
})

describe('room log on IndexedDB', () => {
  it('appends durably, reopens with the same frames, and offers the tail cache first', async () => {
    const room = makeRoom()
    const author = makeAuthor()
    const s = await openStorage({ name: 'cs-log-1' })
    const log = await openRoomLog({ store: await s.openRoom(room.roomIdText), roomId: room.roomId, writePublicKey: room.writePublicKey })
    for (let i = 0; i < 30; i++) await log.append(await frameOf(room, author, `idb ${i}`))
    const ids = idsOf(log)
    await log.close()
    await s.close()
    const again = await openStorage({ name: 'cs-log-1' })
    let tail = 0
    const reopened = await openRoomLog({ store: await again.openRoom(room.roomIdText), roomId: room.roomId, writePublicKey: room.writePublicKey, onTail: f => { tail = f.length } })
    expect(tail).toBe(30)
    expect(idsOf(reopened)).toEqual(ids)
    await reopened.close()
    await again.close()
  })
})

describe('IndexedDB store: group commit', () => {
  it('concurrent appends share strict transactions, in call order', async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('cs-group-1', 1)
      req.onupgradeneeded = () => { req.result.createObjectStore(UPDATES_STORE) }
      req.onsuccess = () => { resolve(req.result) }
      req.onerror = () => { reject(req.error) }
    })
    const s = await openIdbUpdateStore(db, 'g')
    await Promise.all(Array.from({ length: 100 }, async (_, i) => { await s.append(Uint8Array.of(i + 1)) }))
    // The first append may start a transaction alone; all the others join the next one.
    expect(s.durableWrites).toBeLessThanOrEqual(2)
    expect((await s.load()).map(u => u[0])).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    await s.close()
    db.close()
  })
})
