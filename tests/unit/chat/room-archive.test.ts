/**
 * Room archives: export from one chat peer, import into another (offline, memory storage), and hostile archives
 * (not CBOR, wrong type/version, bad secret, oversized, too many updates, tampered or foreign updates).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_ROOM_ARCHIVE_BYTES, MAX_ROOM_ARCHIVE_UPDATES, MAX_UPDATE_BYTES } from '../../../src/constants.ts'
import { createChat } from '../../../src/index.ts'
import { encodeCbor } from '../../../src/envelope/codec.ts'
import { decodeRoomArchive, encodeRoomArchive, ROOM_ARCHIVE_TYPE } from '../../../src/chat/room-archive.ts'
import { memoryStorage } from './support/memory-storage.ts'
import type { Chat } from '../../../src/index.ts'

const open: Chat[] = []
async function peer (name: string): Promise<Chat> {
  const chat = await createChat({ storage: memoryStorage(), offline: true, displayName: name })
  open.push(chat)
  return chat
}

afterEach(async () => {
  for (const c of open.splice(0)) await c.close()
})

describe('room archives', () => {
  it('carries a room to a fresh peer: messages, edits, reactions, names and avatars', async () => {
    const ana = await peer('Ana')
    await ana.setProfile({ avatar: 'data:image/png;base64,AAAA' })
    const room = await ana.createRoom('trip')
    const first = await ana.send(room.id, 'hello')
    await ana.send(room.id, 'second', { replyTo: first.id })
    await ana.edit(room.id, first.id, 'hello, edited')
    await ana.react(room.id, first.id, '👍')
    const bytes = await ana.exportRoom(room.id)
    expect(decodeRoomArchive(bytes).name).toBe('trip')

    const ben = await peer('Ben')
    const imported = await ben.importRoom(bytes)
    expect(imported.room.id).toBe(room.id)
    expect(imported.room.name).toBe('trip')
    expect(imported.rejected).toBe(0)
    expect(imported.added).toBeGreaterThanOrEqual(5)
    const texts = ben.messages(room.id).map(m => m.text)
    expect(texts).toEqual(ana.messages(room.id).map(m => m.text))
    expect(texts).toEqual(['hello, edited', 'second'])
    const m0 = ben.messages(room.id)[0]
    expect(m0?.edited).toBe(true)
    expect(m0?.reactions['👍']).toEqual([ana.user.userId])
    expect(ben.members(room.id).find(m => m.userId === ana.user.userId)).toEqual({ userId: ana.user.userId, name: 'Ana', authorAvatar: 'data:image/png;base64,AAAA', role: 'owner' })

    // Importing again adds nothing and keeps one room.
    const again = await ben.importRoom(bytes)
    expect(again.added).toBe(0)
    expect(ben.rooms()).toHaveLength(1)
  })

  it('keeps the avatar across a restart and announces it in rooms joined later (archives carry it)', async () => {
    const storage = memoryStorage()
    const first = await createChat({ storage, offline: true, displayName: 'Ana' })
    await first.setProfile({ avatar: 'data:image/png;base64,BBBB' })
    await first.close()
    const ana = await createChat({ storage, offline: true })
    open.push(ana)
    const room = await ana.createRoom('later')
    expect(ana.members(room.id)).toEqual([{ userId: ana.user.userId, name: 'Ana', authorAvatar: 'data:image/png;base64,BBBB', role: 'owner' }])
    await ana.setProfile({ avatar: null })
    expect(ana.members(room.id)).toEqual([{ userId: ana.user.userId, name: 'Ana', role: 'owner' }])
  })

  it('refuses files that are not room archives, before joining anything', async () => {
    const ben = await peer('Ben')
    const secret = new Uint8Array(32).fill(7)
    const good = { v: 1, t: ROOM_ARCHIVE_TYPE, n: 'x', s: secret, u: [], x: 0 }
    const bad: Array<[string, Uint8Array]> = [
      ['not CBOR', new Uint8Array([0xff, 0x00, 0x13])],
      ['empty', new Uint8Array(0)],
      ['a list', encodeCbor([1, 2, 3])],
      ['wrong type', encodeCbor({ ...good, t: 'something-else' })],
      ['wrong version', encodeCbor({ ...good, v: 2 })],
      ['short secret', encodeCbor({ ...good, s: new Uint8Array(31) })],
      ['empty name', encodeCbor({ ...good, n: '' })],
      ['long name', encodeCbor({ ...good, n: 'n'.repeat(300) })],
      ['updates not a list', encodeCbor({ ...good, u: 'no' })],
      ['update not bytes', encodeCbor({ ...good, u: ['text'] })],
      ['update too large', encodeCbor({ ...good, u: [new Uint8Array(MAX_UPDATE_BYTES + 1)] })],
      ['too many updates', encodeCbor({ ...good, u: Array.from({ length: MAX_ROOM_ARCHIVE_UPDATES + 1 }, () => new Uint8Array(1)) })],
      ['deep nesting', encodeCbor({ ...good, u: [[[[new Uint8Array(1)]]]] })],
      ['trailing bytes', new Uint8Array([...encodeCbor(good), 0])]
    ]
    for (const [what, bytes] of bad) {
      await expect(ben.importRoom(bytes), what).rejects.toThrow(/Malformed|Oversized|archive|CBOR/i)
    }
    // Size is checked before decoding: a length over the limit is refused without reading the bytes.
    const huge = { length: MAX_ROOM_ARCHIVE_BYTES + 1 }
    expect(() => decodeRoomArchive(Object.setPrototypeOf(huge, Uint8Array.prototype) as Uint8Array)).toThrow(/over/)
    expect(ben.rooms()).toHaveLength(0)
  })

  it('applies archives through the network checks: tampered and foreign updates are refused and counted', async () => {
    const ana = await peer('Ana')
    const room = await ana.createRoom('a')
    await ana.send(room.id, 'one')
    await ana.send(room.id, 'two')
    const good = decodeRoomArchive(await ana.exportRoom(room.id))
    // Updates from another room (signed with its write key) under this room's secret.
    const other = await ana.createRoom('b')
    await ana.send(other.id, 'intruder')
    const foreign = decodeRoomArchive(await ana.exportRoom(other.id)).updates
    // A tampered copy: one byte flipped near the end (inside a frame's ciphertext or signature).
    const tampered = good.updates.map(u => { const c = u.slice(); c[c.length - 5] = (c[c.length - 5] ?? 0) ^ 0xff; return c })
    const hostile = encodeRoomArchive({ ...good, updates: [...foreign, ...tampered] })

    const ben = await peer('Ben')
    const res = await ben.importRoom(hostile)
    expect(res.room.id).toBe(room.id)
    expect(res.added).toBe(0)
    expect(res.rejected).toBe(foreign.length + tampered.length)
    expect(ben.messages(room.id)).toHaveLength(0)
    expect(Object.keys(ben.dropped()).some(k => k.startsWith('import-'))).toBe(true)
    // The real archive still imports afterwards.
    const ok = await ben.importRoom(encodeRoomArchive(good))
    expect(ok.rejected).toBe(0)
    expect(ben.messages(room.id).map(m => m.text)).toEqual(['one', 'two'])
  })
})
