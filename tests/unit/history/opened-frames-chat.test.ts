/**
 * The opened-frames cache as the chat uses it: a restarted peer shows the same history, and frames it opened in
 * full before are re-opened from the cache (the meta record exists and covers them).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createChat } from '../../../src/index.ts'
import { openStorage } from '../../../src/storage/node.ts'
import { OpenedFrames, openedFramesMetaKey } from '../../../src/history/opened-frames.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

describe('opened-frames cache in the chat', () => {
  it('is saved on close and covers every message; a restart shows the same history', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-opened-'))
    try {
      let storage = await openStorage({ dir })
      let chat = await createChat({ storage, relays: [], displayName: 'Ana', ...NET })
      const room = await chat.createRoom('cache')
      for (let i = 0; i < 20; i++) await chat.send(room.id, `m ${i}`)
      const before = chat.messages(room.id).map(m => [m.id, m.text])
      await chat.close()
      await storage.close()

      storage = await openStorage({ dir })
      const record = await storage.getMeta(openedFramesMetaKey(room.id))
      expect(record).toBeDefined()
      // Our 20 messages plus the profile we announced: every one opened with every check once.
      expect(new OpenedFrames(record).size).toBeGreaterThanOrEqual(20)
      chat = await createChat({ storage, relays: [], ...NET })
      expect(chat.messages(room.id).map(m => [m.id, m.text])).toEqual(before)
      await chat.close()
      await storage.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
