/**
 * The tail-first early view without the room's opened-frames record (issue 4 P6): the shown-tail record carries the
 * opened-frames fingerprints of its frames, so createChat hands the room out without reading the room's whole
 * opened-frames record (100k fingerprints for a big room), which the background open reads before it opens any frame.
 * A record written before it had fingerprints still gives the early view (that read then comes first). Offline,
 * memory storage, no timing: the order of storage reads is what is checked.
 */
import { describe, expect, it } from 'vitest'
import { createChat } from '../../../src/index.ts'
import { openShownTail, sealShownTail, shownTailMetaKey } from '../../../src/chat/shown-tail.ts'
import { openedFramesMetaKey } from '../../../src/history/opened-frames.ts'
import { parseInviteLink } from '../../../src/room/invite.ts'
import { deriveRoomKeys } from '../../../src/room/keys.ts'
import { memoryStorage } from './support/memory-storage.ts'
import type { StorageBackend } from '../../../src/history/types.ts'

const COUNT = 120

describe('early view from the shown-tail record alone', () => {
  const storage = memoryStorage()
  let roomId = ''
  let invite = ''
  let all: string[] = []

  /** The same storage, noting reads of the room's opened-frames record and of its log. */
  function watched (order: string[]): StorageBackend {
    return {
      ...storage,
      getMeta: async (key) => {
        if (key === openedFramesMetaKey(roomId)) order.push('opened-frames read')
        return await storage.getMeta(key)
      },
      openRoom: async (key) => {
        const store = await storage.openRoom(key)
        return { ...store, load: async () => { if (key === roomId) order.push('log read'); return await store.load() } }
      }
    }
  }

  it('a tail-first session records fingerprints of the frames it showed', async () => {
    const chat = await createChat({ storage, offline: true, tailFirst: true })
    try {
      const room = await chat.createRoom('big')
      roomId = room.id
      invite = room.invite
      for (let i = 1; i <= COUNT; i++) await chat.send(room.id, `m ${i}`)
      all = chat.messages(room.id).map(m => m.text)
    } finally {
      await chat.close()
    }
    const record = openShownTail(storage.meta.get(shownTailMetaKey(roomId)), deriveRoomKeys(parseInviteLink(invite).secret).key)
    expect(record?.prints?.length).toBe(record?.frames.length)
    expect(record?.frames.length).toBeGreaterThan(50)
    expect(storage.meta.has(openedFramesMetaKey(roomId))).toBe(true)
  })

  it('createChat hands the room out before the opened-frames record is read; the full open reads it first', async () => {
    const order: string[] = []
    const chat = await createChat({ storage: watched(order), offline: true, tailFirst: true })
    try {
      expect(chat.roomLoading(roomId)).toBe(true)
      expect(chat.messages(roomId, { limit: 50 }).map(m => m.text)).toEqual(all.slice(-50))
      expect(order).toEqual([])
      await chat.waitForRoomLoaded(roomId)
      expect(order).toEqual(['opened-frames read', 'log read'])
      expect(chat.messages(roomId).map(m => m.text)).toEqual(all)
    } finally {
      await chat.close()
    }
  })

  it('a record without fingerprints (written before them) still gives the early view, after the opened-frames read', async () => {
    const key = deriveRoomKeys(parseInviteLink(invite).secret).key
    const record = openShownTail(storage.meta.get(shownTailMetaKey(roomId)), key)
    expect(record).toBeDefined()
    if (record === undefined) return
    delete record.prints
    storage.meta.set(shownTailMetaKey(roomId), sealShownTail(record, key))
    const order: string[] = []
    const chat = await createChat({ storage: watched(order), offline: true, tailFirst: true })
    try {
      expect(chat.roomLoading(roomId)).toBe(true)
      expect(chat.messages(roomId, { limit: 50 }).map(m => m.text)).toEqual(all.slice(-50))
      expect(order).toEqual(['opened-frames read'])
      await chat.waitForRoomLoaded(roomId)
      expect(order).toEqual(['opened-frames read', 'log read'])
      expect(chat.messages(roomId).map(m => m.text)).toEqual(all)
    } finally {
      await chat.close()
    }
  })
})
