import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtemp, rm, readFile, writeFile, appendFile, stat, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openFileUpdateStore } from '../../../src/storage/file-update-store.ts'
import { encodeRecord, FILE_MAGIC } from '../../../src/storage/record-file.ts'
import { updateStoreSuite } from '../history/update-store.suite.ts'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { makeRoom, makeAuthor, frameOf, idsOf } from '../history/fixtures.ts'

updateStoreSuite('node file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cs-store-'))
  const path = join(dir, 'room.log')
  return { open: async () => await openFileUpdateStore({ path }), cleanup: async () => { await rm(dir, { recursive: true, force: true }) } }
})

describe('node file store: crash damage', () => {
  let dir: string
  let path: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'cs-store-')); path = join(dir, 'room.log') })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  async function writeThree (): Promise<void> {
    const s = await openFileUpdateStore({ path })
    await s.append(Uint8Array.of(1, 1, 1))
    await s.append(Uint8Array.of(2, 2, 2, 2))
    await s.append(Uint8Array.of(3, 3, 3, 3, 3))
    await s.close()
  }

  it('drops every kind of torn last record and keeps the rest', async () => {
    await writeThree()
    const whole = await readFile(path)
    const lastLen = 8 + 5
    // Cut anywhere inside the last record: header, length, checksum, payload.
    for (let cut = 1; cut < lastLen; cut++) {
      await writeFile(path, whole.subarray(0, whole.length - cut))
      const s = await openFileUpdateStore({ path })
      expect((await s.load()).map(u => u[0])).toEqual([1, 2])
      await s.close()
      expect((await stat(path)).size).toBe(whole.length - lastLen)
    }
  })

  it('drops a zero-filled tail (extended file, data never written)', async () => {
    await writeThree()
    await appendFile(path, new Uint8Array(4096))
    const s = await openFileUpdateStore({ path })
    expect((await s.load()).map(u => u[0])).toEqual([1, 2, 3])
    await s.append(Uint8Array.of(4))
    await s.close()
    const r = await openFileUpdateStore({ path })
    expect((await r.load()).map(u => u[0])).toEqual([1, 2, 3, 4])
    await r.close()
  })

  it('a bit flip in the last record drops only that record', async () => {
    await writeThree()
    const whole = await readFile(path)
    whole[whole.length - 2] = (whole[whole.length - 2] as number) ^ 0x10
    await writeFile(path, whole)
    const s = await openFileUpdateStore({ path })
    expect((await s.load()).map(u => u[0])).toEqual([1, 2])
    await s.close()
  })

  it('damage in the middle keeps the valid prefix and moves the rest aside, never deleting it', async () => {
    await writeThree()
    const whole = await readFile(path)
    whole[FILE_MAGIC.length + 8] = (whole[FILE_MAGIC.length + 8] as number) ^ 0xff // first payload byte of record 1
    await writeFile(path, whole)
    const s = await openFileUpdateStore({ path })
    expect(await s.load()).toEqual([])
    await s.close()
    const aside = (await readdir(dir)).filter(n => n.includes('.damaged-'))
    expect(aside.length).toBe(1)
  })

  it('refuses a file that is not a history file', async () => {
    await writeFile(path, 'hello, this is not ours')
    await expect(openFileUpdateStore({ path })).rejects.toMatchObject({ name: 'CorruptStoreError' })
  })

  it('a file torn during creation (partial header) is re-created', async () => {
    await writeFile(path, FILE_MAGIC.subarray(0, 3))
    const s = await openFileUpdateStore({ path })
    expect(await s.load()).toEqual([])
    await s.append(Uint8Array.of(9))
    await s.close()
    const r = await openFileUpdateStore({ path })
    expect((await r.load()).map(u => u[0])).toEqual([9])
    await r.close()
  })

  it('a record with a wrong length field is cut, not trusted', async () => {
    await writeThree()
    const bogus = encodeRecord(Uint8Array.of(4, 4))
    bogus[0] = 0x7f // claims ~2 GiB
    await appendFile(path, bogus)
    const s = await openFileUpdateStore({ path })
    expect((await s.load()).map(u => u[0])).toEqual([1, 2, 3])
    await s.close()
  })

  it('a compaction interrupted before its rename leaves the old file intact', async () => {
    await writeThree()
    await writeFile(join(dir, '.room.log.compact'), FILE_MAGIC.subarray(0, 5))
    const s = await openFileUpdateStore({ path })
    expect((await s.load()).map(u => u[0])).toEqual([1, 2, 3])
    await s.compact(Uint8Array.of(7, 7))
    await s.close()
    const r = await openFileUpdateStore({ path })
    expect((await r.load()).map(u => u[0])).toEqual([7])
    await r.close()
  })
})

describe('node file store: group commit', () => {
  let dir: string
  let path: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'cs-store-')); path = join(dir, 'room.log') })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('concurrent appends share write + fdatasync pairs, and each resolves only once its record is synced', async () => {
    const s = await openFileUpdateStore({ path })
    await s.load()
    const base = s.durableWrites
    const resolvedAt: number[] = []
    await Promise.all(Array.from({ length: 100 }, async (_, i) => {
      await s.append(Uint8Array.of(i + 1))
      resolvedAt.push(s.durableWrites)
    }))
    // The first record may start a sync alone; everything admitted meanwhile joins the next one.
    expect(s.durableWrites - base).toBeLessThanOrEqual(2)
    // No promise resolved before a sync had completed.
    expect(resolvedAt.every(n => n > base)).toBe(true)
    await s.close()
    const r = await openFileUpdateStore({ path })
    expect((await r.load()).map(u => u[0])).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    await r.close()
  })

  it('a room log does not serialize concurrent appends: a burst costs a few syncs, not one per frame', async () => {
    const room = makeRoom()
    const author = makeAuthor()
    const frames: Uint8Array[] = []
    for (let i = 0; i < 50; i++) frames.push(await frameOf(room, author, `burst ${i}`))
    const store = await openFileUpdateStore({ path })
    const log = await openRoomLog({ store, roomId: room.roomId, writePublicKey: room.writePublicKey })
    const base = store.durableWrites
    await Promise.all(frames.map(async f => await log.append(f)))
    expect(store.durableWrites - base).toBeLessThanOrEqual(2)
    const ids = idsOf(log)
    await log.close()
    const again = await openRoomLog({ store: await openFileUpdateStore({ path }), roomId: room.roomId, writePublicKey: room.writePublicKey })
    expect(idsOf(again)).toEqual(ids)
    expect(again.length).toBe(50)
    await again.close()
  })
})
