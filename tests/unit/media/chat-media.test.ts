/**
 * Media through createChat with StorageBackend storage (the browser's path: media records in the backend, here
 * the memory backend), an in-process relay and real libp2p: send, fetch, local state, files served on by a
 * receiver (want/have) once the sender is gone.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { createChat } from '../../../src/index.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import type { Chat, FetchProgress } from '../../../src/index.ts'
import type { Relay } from '../../../relay/relay.ts'
import { until } from '../../support/until.ts'

const NET = { mdns: false, webrtc: false, listen: ['/p2p-circuit'] }

describe('media with StorageBackend storage', () => {
  let dir: string
  let relay: Relay
  const chats: Chat[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-media-chat-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
  })

  afterAll(async () => {
    for (const c of chats) await c.close().catch(() => {})
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('sends, fetches, and a receiver serves the file on after the sender left', async () => {
    const make = async (name: string): Promise<Chat> => {
      const c = await createChat({ storage: memoryStorage(), relays: [relay.url], displayName: name, ...NET })
      chats.push(c)
      expect(await c.waitForRelay(10_000)).toBe(true)
      return c
    }
    const ana = await make('Ana')
    const ben = await make('Ben')
    const cy = await make('Cy')
    const room = await ana.createRoom('pics')
    await ben.joinRoom(room.invite)
    await cy.joinRoom(room.invite)
    const bytes = randomBytes(700_000)
    const sent = await ana.sendFile(room.id, { name: 'cat.webp', mime: 'image/webp', bytes, preview: new Uint8Array([9, 9]), duration: 0 })
    expect((await ana.mediaFile(room.id, sent.id)).local).toBe('complete')
    await until(() => ben.messages(room.id).some(m => m.id === sent.id) && cy.messages(room.id).some(m => m.id === sent.id))
    const view = ben.messages(room.id).find(m => m.id === sent.id)
    expect(view?.body).toMatchObject({ k: 'file', name: 'cat.webp', size: bytes.length })
    expect(Buffer.from(await ben.fetchFile(room.id, sent.id)).equals(bytes)).toBe(true)
    expect(await ben.mediaFile(room.id, sent.id)).toMatchObject({ local: 'complete', localBytes: bytes.length, preview: new Uint8Array([9, 9]) })
    await ana.close()
    // Ana (the sender) is gone: Cy asks the room (want), Ben answers (have) and serves it.
    const progress: FetchProgress[] = []
    expect(Buffer.from(await cy.fetchFile(room.id, sent.id, { onProgress: p => progress.push(p) })).equals(bytes)).toBe(true)
    expect(progress.at(-1)?.peerId).toBe(ben.peerId)
  }, 60_000)
})
