/**
 * Found by the fuzzer's seeds (issue 8): `Buffer#slice` is a view, not a copy, and Node hands out Buffers (file
 * reads, node:crypto). Code that keeps "its own copy" of a frame with slice() kept the caller's memory instead.
 */
import { describe, expect, it } from 'vitest'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { sealMessage } from '../../../src/envelope/seal.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import { VerifiedFrames } from '../../../src/net/verified-frames.ts'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'

const room = deriveRoomKeys(createRoomSecret())
const identity = createIdentity()

describe('copies of frames given as Node Buffers', () => {
  it('VerifiedFrames keeps the verified bytes: a Buffer changed after add() is not taken as verified', async () => {
    const f = (await sealMessage({ identity, room, device: 1, seq: 1, body: { k: 'text', text: 'x' } })).frame
    const buf = Buffer.from(f)
    const cache = new VerifiedFrames()
    cache.add(buf)
    buf[buf.length - 1] = (buf[buf.length - 1] as number) ^ 1
    expect(cache.take(buf)).toBe(false)
    expect(cache.take(f)).toBe(true)
  })

  it('RoomLog.append keeps its own copy of a Buffer frame', async () => {
    const log = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
    const f = (await sealMessage({ identity, room, device: 1, seq: 2, body: { k: 'text', text: 'y' } })).frame
    const buf = Buffer.from(f)
    await log.append(buf)
    buf.fill(0)
    expect(Buffer.from(log.frames()[0] ?? new Uint8Array()).equals(Buffer.from(f))).toBe(true)
    await log.close()
  })
})
