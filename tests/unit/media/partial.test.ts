/**
 * A member who holds only a verified prefix of a file (an interrupted fetch) serves that prefix to others who lack
 * it (request `p`, header `h`); the rest comes from a peer that holds the whole file, and the result is the file.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { createChat } from '../../../src/index.ts'
import { MEDIA_CHUNK_BYTES } from '../../../src/constants.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import type { Chat, FetchProgress } from '../../../src/index.ts'
import type { StorageBackend } from '../../../src/history/types.ts'
import type { Relay } from '../../../relay/relay.ts'
import { until } from '../../support/until.ts'

const NET = { mdns: false, webrtc: false, listen: ['/p2p-circuit'] }

describe('partial holders', () => {
  let dir: string
  let relay: Relay
  const chats: Chat[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-media-partial-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
  })

  afterAll(async () => {
    for (const c of chats) await c.close().catch(() => {})
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('serve the prefix they hold; the rest comes from the sender', async () => {
    const make = async (name: string, storage: StorageBackend = memoryStorage()): Promise<Chat> => {
      const c = await createChat({ storage, relays: [relay.url], displayName: name, ...NET })
      chats.push(c)
      expect(await c.waitForRelay(10_000)).toBe(true)
      return c
    }
    const anaStorage = memoryStorage()
    const ana = await make('Ana', anaStorage)
    const ben = await make('Ben')
    const cy = await make('Cy')
    const room = await ana.createRoom('files')
    await ben.joinRoom(room.invite)
    await cy.joinRoom(room.invite)
    const bytes = randomBytes(11 * MEDIA_CHUNK_BYTES - 1000)
    const sent = await ana.sendFile(room.id, { name: 'a.bin', mime: 'application/octet-stream', bytes })
    await until(() => ben.messages(room.id).some(m => m.id === sent.id) && cy.messages(room.id).some(m => m.id === sent.id))

    // Ben stops after 4 verified chunks: he holds a prefix.
    const stop = new AbortController()
    await expect(ben.fetchFile(room.id, sent.id, { signal: stop.signal, onProgress: p => { if (p.bytes >= 4 * MEDIA_CHUNK_BYTES) stop.abort() } }))
      .rejects.toMatchObject({ name: 'TransferCancelledError' })
    expect(await ben.mediaFile(room.id, sent.id)).toMatchObject({ local: 'partial', localBytes: 4 * MEDIA_CHUNK_BYTES })

    // The sender is gone: Cy gets Ben's prefix (verified), and the fetch says the rest is missing.
    await ana.close()
    await expect(cy.fetchFile(room.id, sent.id)).rejects.toMatchObject({ name: 'MediaUnavailableError' })
    expect(await cy.mediaFile(room.id, sent.id)).toMatchObject({ local: 'partial', localBytes: 4 * MEDIA_CHUNK_BYTES })

    // The sender is back (same device): Cy resumes after Ben's prefix and the file is whole.
    const ana2 = await make('Ana', anaStorage)
    await until(() => ana2.rooms().some(r => r.id === room.id))
    const progress: FetchProgress[] = []
    expect(Buffer.from(await cy.fetchFile(room.id, sent.id, { onProgress: p => progress.push(p) })).equals(bytes)).toBe(true)
    expect(progress[0]?.bytes).toBe(4 * MEDIA_CHUNK_BYTES)
    expect(progress.at(-1)?.peerId).toBe(ana2.peerId)
  }, 90_000)
})
