/**
 * A tail-first open whose room history cannot be read after createChat returned (an unreadable log): the room stops
 * loading with a clear error (the `loaded` event says so, `roomError`, `waitForRoomLoaded` rejects), keeps the last
 * messages shown before, refuses what needs the whole room, and the chat still closes. Before, the failure was
 * swallowed: the room reported itself loaded with its log missing. Offline, memory storage, no timing.
 */
import { describe, expect, it } from 'vitest'
import { createChat } from '../../../src/index.ts'
import { memoryStorage } from './support/memory-storage.ts'
import type { StorageBackend } from '../../../src/history/types.ts'

describe('tail-first open of a room whose history cannot be read', () => {
  const storage = memoryStorage()
  let roomId = ''
  let texts: string[] = []

  it('a first session leaves the room with its shown-tail record', async () => {
    const chat = await createChat({ storage, offline: true, tailFirst: true })
    try {
      roomId = (await chat.createRoom('fragile')).id
      for (let i = 1; i <= 40; i++) await chat.send(roomId, `m ${i}`)
      texts = chat.messages(roomId).map(m => m.text)
    } finally {
      await chat.close()
    }
  })

  it('reports an error state for the room instead of staying loading or pretending it loaded', async () => {
    // The room's log read fails (the tail cache, read first, still works).
    const broken: StorageBackend = {
      ...storage,
      openRoom: async (key) => {
        const store = await storage.openRoom(key)
        return key === roomId ? { ...store, load: async () => { throw new Error('EIO: i/o error, read') } } : store
      }
    }
    const chat = await createChat({ storage: broken, offline: true, tailFirst: true })
    const events: string[] = []
    chat.addEventListener('loaded', (e) => { events.push(`loaded ${e.detail.error !== undefined ? 'with error' : 'ok'}`) })
    try {
      expect(chat.roomLoading(roomId)).toBe(true)
      expect(chat.roomError(roomId)).toBeUndefined()
      const early = chat.messages(roomId).map(m => m.text)
      expect(early.length).toBeGreaterThan(0)
      expect(early).toEqual(texts.slice(-early.length))
      await expect(chat.waitForRoomLoaded(roomId)).rejects.toMatchObject({ name: 'CorruptStoreError' })
      expect(events).toEqual(['loaded with error'])
      expect(chat.roomLoading(roomId)).toBe(false)
      expect(chat.roomError(roomId)).toMatch(/could not be read: EIO/)
      // What was shown stays readable; what needs the whole room is refused with the same error.
      expect(chat.messages(roomId).map(m => m.text)).toEqual(early)
      await expect(chat.send(roomId, 'lost?')).rejects.toMatchObject({ name: 'CorruptStoreError' })
      await expect(chat.exportRoom(roomId)).rejects.toMatchObject({ name: 'CorruptStoreError' })
      await chat.markRead(roomId).catch(() => {})
      expect(chat.rooms().map(r => r.id)).toContain(roomId)
    } finally {
      await chat.close()
    }
    // Nothing was written over the room: a chat that can read it again shows all of it.
    const again = await createChat({ storage, offline: true, tailFirst: true })
    try {
      await again.waitForRoomLoaded(roomId)
      expect(again.roomError(roomId)).toBeUndefined()
      expect(again.messages(roomId).map(m => m.text)).toEqual(texts)
    } finally {
      await again.close()
    }
  })
})
