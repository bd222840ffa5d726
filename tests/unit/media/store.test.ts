/**
 * Both media stores (Node directory, StorageBackend records) pass the same suite: chunks in order, resume point
 * after flush/close, complete files, hash lists, and no path or key injection through the content hash.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MEDIA_CHUNK_BYTES, MEDIA_FLUSH_CHUNKS, MEDIA_RECORD_CHUNKS } from '../../../src/constants.ts'
import { toHex } from '../../../src/crypto/encoding.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import { openDirMediaStore } from '../../../src/media/store-dir.ts'
import { metaMediaStore } from '../../../src/media/store-meta.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import type { MediaStore } from '../../../src/media/types.ts'

const dirs: string[] = []
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })

async function dirStore (): Promise<{ store: MediaStore, reopen: () => Promise<MediaStore>, dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-media-store-'))
  dirs.push(dir)
  return { store: await openDirMediaStore(dir), reopen: async () => await openDirMediaStore(dir), dir }
}

async function metaStore (): Promise<{ store: MediaStore, reopen: () => Promise<MediaStore> }> {
  const storage = memoryStorage()
  return { store: metaMediaStore(storage), reopen: async () => metaMediaStore(storage) }
}

const hash = toHex(randomBytes(32))
const size = 3 * MEDIA_CHUNK_BYTES * MEDIA_FLUSH_CHUNKS / 2 + 100
const data = randomBytes(size)
const chunk = (i: number): Uint8Array => data.subarray(i * MEDIA_CHUNK_BYTES, (i + 1) * MEDIA_CHUNK_BYTES)
const n = Math.ceil(size / MEDIA_CHUNK_BYTES)

describe.each([['directory', dirStore], ['records', metaStore]] as const)('%s media store', (_name, make) => {
  it('keeps verified chunks across a close and resumes after the last durable one', async () => {
    const { store, reopen } = await make()
    expect(await store.state(hash)).toBeUndefined()
    const w = await store.writer(hash, size, MEDIA_CHUNK_BYTES)
    expect(w.have).toBe(0)
    for (let i = 0; i < MEDIA_FLUSH_CHUNKS + 3; i++) await w.append(chunk(i))
    await w.close()
    const again = await reopen()
    expect(await again.state(hash)).toEqual({ size, chunkBytes: MEDIA_CHUNK_BYTES, have: MEDIA_FLUSH_CHUNKS + 3, complete: false })
    const w2 = await again.writer(hash, size, MEDIA_CHUNK_BYTES)
    expect(w2.have).toBe(MEDIA_FLUSH_CHUNKS + 3)
    await expect(w2.append(new Uint8Array(5))).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    for (let i = w2.have; i < n; i++) await w2.append(chunk(i))
    await w2.complete()
    await w2.close()
    expect((await again.state(hash))?.complete).toBe(true)
    for (let i = 0; i < n; i++) expect(Buffer.from(await again.readChunk(hash, i)).equals(chunk(i))).toBe(true)
    await expect(again.readChunk(hash, n)).rejects.toMatchObject({ name: 'NotFoundError' })
  })

  it('stores the chunk hash list; refuses a second writer and names that are not content hashes', async () => {
    const { store } = await make()
    const list = randomBytes(32 * 3)
    await store.saveHashes(hash, list)
    expect(await store.loadHashes(hash)).toEqual(list)
    expect(await store.loadHashes(toHex(randomBytes(32)))).toBeUndefined()
    await expect(store.saveHashes(hash, new Uint8Array(33))).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    const w = await store.writer(hash, size, MEDIA_CHUNK_BYTES)
    await expect(store.writer(hash, size, MEDIA_CHUNK_BYTES)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await w.close()
    for (const bad of ['../../etc/passwd', hash.toUpperCase(), hash.slice(1), `${hash}/x`]) {
      await expect(store.state(bad)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    }
    await expect(store.writer(hash, size, 1000)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })
})

describe('directory media store', () => {
  it('a damaged state record is a CorruptStoreError, not a crash or a wrong resume point', async () => {
    const { store, dir } = await dirStore()
    await writeFile(join(dir, `${hash}.state`), new Uint8Array([0xa1, 0x01]))
    await expect(store.state(hash)).rejects.toMatchObject({ name: 'CorruptStoreError' })
  })
})

describe('records media store (write-behind)', () => {
  it('writes full groups behind the caller, one at a time; a failed write is thrown by the next call and never counted as held', async () => {
    const storage = memoryStorage()
    const setMeta = storage.setMeta.bind(storage)
    let running = 0
    let most = 0
    let failGroup: string | undefined
    let release: (() => void) | undefined
    storage.setMeta = async (key, value) => {
      running++
      most = Math.max(most, running)
      try {
        // The first group's record waits until the test lets it go: appends go on meanwhile.
        if (key.endsWith('-g0') && release === undefined) await new Promise<void>(resolve => { release = resolve })
        if (key === failGroup) throw new Error('disk full')
        await setMeta(key, value)
      } finally { running-- }
    }
    const store = metaMediaStore(storage)
    const w = await store.writer(hash, size, MEDIA_CHUNK_BYTES)
    for (let i = 0; i < MEDIA_RECORD_CHUNKS + 1; i++) await w.append(chunk(i))
    // Group 0 is still being written: it is appended, not yet durable.
    expect(w.have).toBe(MEDIA_RECORD_CHUNKS + 1)
    expect(await store.state(hash)).toBeUndefined()
    release?.()
    failGroup = `media-${hash}-g1`
    await expect((async () => { for (let i = MEDIA_RECORD_CHUNKS + 1; i < 3 * MEDIA_RECORD_CHUNKS; i++) await w.append(chunk(i)) })()).rejects.toThrow('disk full')
    await w.close()
    expect(most).toBe(1)
    // Only group 0 and its state record were written: a resume starts after it.
    expect((await store.state(hash))?.have).toBe(MEDIA_RECORD_CHUNKS)
    const again = await store.writer(hash, size, MEDIA_CHUNK_BYTES)
    expect(again.have).toBe(MEDIA_RECORD_CHUNKS)
    failGroup = undefined
    for (let i = again.have; i < n; i++) await again.append(chunk(i))
    await again.complete()
    await again.close()
    for (let i = 0; i < n; i++) expect(Buffer.from(await store.readChunk(hash, i)).equals(chunk(i))).toBe(true)
  })
})
