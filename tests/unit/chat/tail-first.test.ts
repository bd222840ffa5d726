/**
 * Tail-first cold open (ChatInit.tailFirst, issue 4 P6 through the app): createChat hands out a big room showing the
 * last messages this device showed before, opens the rest in the background, and ends exactly as a plain open. The
 * room has what the early view must get right without the whole room: edits, a reaction, a delete, a moderator
 * removal, another member's messages, a banned member's message after the ban (hidden), and messages of the key epoch
 * the ban started (their key is learned from the whole room). Offline, memory storage, no timing: the order of reads
 * and events is what is checked.
 */
import { describe, expect, it } from 'vitest'
import { createChat } from '../../../src/index.ts'
import { shownTailMetaKey } from '../../../src/chat/shown-tail.ts'
import { memoryStorage } from './support/memory-storage.ts'
import type { Chat } from '../../../src/index.ts'
import type { StorageBackend } from '../../../src/history/types.ts'

const OLD = 240
const NEW = 30

/** Everything the app reads from a room, as plain data (compared between a plain and a tail-first open). */
function snapshot (chat: Chat, id: string): unknown {
  return {
    messages: chat.messages(id),
    gaps: chat.gaps(id),
    roles: chat.roles(id),
    members: chat.members(id),
    settings: chat.roomSettings(id),
    moderation: chat.moderationLog(id),
    epoch: chat.keyEpoch(id),
    readMarkers: chat.readMarkers(id)
  }
}

describe('tail-first open', () => {
  const storage = memoryStorage()
  let roomId = ''
  let reference: ReturnType<typeof snapshot> & { messages: ReturnType<Chat['messages']> }

  it('a session with tailFirst leaves a record of what it showed', async () => {
    const ana = await createChat({ storage, offline: true, displayName: 'Ana', tailFirst: true })
    const ben = await createChat({ storage: memoryStorage(), offline: true, displayName: 'Ben' })
    try {
      const room = await ana.createRoom('big')
      roomId = room.id
      await ben.joinRoom(room.invite)
      for (let i = 1; i <= 3; i++) await ben.send(room.id, `ben ${i}`)
      await ana.importRoom(await ben.exportRoom(room.id))
      const sent: string[] = []
      for (let i = 1; i <= OLD; i++) sent.push((await ana.send(room.id, `old ${i}`)).id)
      await ana.edit(room.id, sent[OLD - 10] as string, 'edited')
      await ana.react(room.id, sent[OLD - 11] as string, '👍')
      await ana.delete(room.id, sent[OLD - 12] as string)
      await ana.removeMessage(room.id, sent[OLD - 13] as string)
      // Ben writes again after Ana's messages (he has them first), so his message is among the last ones.
      await ben.importRoom(await ana.exportRoom(room.id))
      await ben.send(room.id, 'ben again')
      await ana.importRoom(await ben.exportRoom(room.id))
      // Ben is banned (a new key epoch without him); he writes after the ban, which Ana's room must not show.
      expect(await ana.ban(room.id, ben.user.userId)).toBe(1)
      await ben.importRoom(await ana.exportRoom(room.id))
      await ben.send(room.id, 'ben after the ban')
      await ana.importRoom(await ben.exportRoom(room.id))
      for (let i = 1; i <= NEW; i++) sent.push((await ana.send(room.id, `new ${i}`)).id)
      await ana.edit(room.id, sent.at(-1) as string, 'newest, edited')
      expect(ana.messages(room.id).some(m => m.text.includes('after the ban'))).toBe(false)
    } finally {
      await ana.close()
      await ben.close()
    }
    expect(storage.meta.has(shownTailMetaKey(roomId))).toBe(true)
  })

  it('a plain open shows the whole room (the reference)', async () => {
    const chat = await createChat({ storage, offline: true })
    try {
      expect(chat.roomLoading(roomId)).toBe(false)
      reference = snapshot(chat, roomId) as typeof reference
      expect(reference.messages.length).toBe(OLD + 4 + NEW)
      expect(reference.messages.at(-1)?.text).toBe('newest, edited')
      expect(reference.messages.some(m => m.text.includes('after the ban'))).toBe(false)
    } finally {
      await chat.close()
    }
  })

  it('a tail-first open shows the last messages before the room is loaded, then ends exactly as the plain open', async () => {
    // The same storage, noting when a room's history is read (the log's load).
    const order: string[] = []
    const watched: StorageBackend = {
      ...storage,
      openRoom: async (key) => {
        const store = await storage.openRoom(key)
        return { ...store, load: async () => { if (key === roomId) order.push('log read'); return await store.load() } }
      }
    }
    const chat = await createChat({ storage: watched, offline: true, tailFirst: true })
    let atLoaded: unknown
    chat.addEventListener('loaded', (e) => {
      order.push(`loaded ${e.detail.room === roomId ? 'room' : 'other'}`)
      // Read while the event is dispatched, before anything that waited for the room (the send below) goes on.
      atLoaded = snapshot(chat, roomId)
    })
    try {
      // Right after createChat: loading, and the last messages readable, equal to the plain open's last ones.
      expect(chat.roomLoading(roomId)).toBe(true)
      const early = chat.messages(roomId)
      expect(early.length).toBeGreaterThanOrEqual(50)
      expect(early).toEqual(reference.messages.slice(-early.length))
      expect(chat.messages(roomId, { limit: 50 })).toEqual(reference.messages.slice(-50))
      expect(early.some(m => m.removedBy !== undefined && m.deleted)).toBe(true)
      expect(early.some(m => Object.keys(m.reactions).length > 0)).toBe(true)
      expect(early.some(m => m.edited && m.text === 'edited')).toBe(true)
      expect(early.some(m => m.text === 'ben again' && m.authorName === 'Ben')).toBe(true)
      expect(early.some(m => m.text === 'newest, edited')).toBe(true) // epoch 1: opened with the recorded key
      expect(early.some(m => m.text.includes('after the ban'))).toBe(false)
      expect(chat.gaps(roomId)).toEqual([])
      // A message sent while loading waits for the whole room (its sequence number, the current epoch).
      const sending = chat.send(roomId, 'sent while loading').then(() => { order.push('sent') })
      // Shown from the store's tail cache: the room's history was not even read yet.
      expect(order).toEqual([])
      await chat.waitForRoomLoaded(roomId)
      expect(chat.roomLoading(roomId)).toBe(false)
      expect(order).toEqual(['log read', 'loaded room'])
      expect(atLoaded).toEqual(reference)
      await sending
      expect(order).toEqual(['log read', 'loaded room', 'sent'])
      expect(chat.messages(roomId).at(-1)?.text).toBe('sent while loading')
      expect(chat.messages(roomId).slice(0, -1)).toEqual(reference.messages)
    } finally {
      await chat.close()
    }
  })

  it('a damaged record is not used: the room opens in full before createChat returns', async () => {
    const key = shownTailMetaKey(roomId)
    const bytes = storage.meta.get(key) as Uint8Array
    const damaged = bytes.slice()
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1
    storage.meta.set(key, damaged)
    const chat = await createChat({ storage, offline: true, tailFirst: true })
    try {
      expect(chat.roomLoading(roomId)).toBe(false)
      const all = chat.messages(roomId)
      expect(all.slice(0, -1)).toEqual(reference.messages)
    } finally {
      await chat.close()
    }
    // The close wrote a good record again.
    expect(storage.meta.get(key)).not.toEqual(damaged)
  })
})
