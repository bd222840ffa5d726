/** Real rooms, identities and sealed frames for history tests (the envelope is the real one). */
import { createIdentity } from '../../../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import { sealMessage } from '../../../src/envelope/seal.ts'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'
import type { Body } from '../../../src/envelope/types.ts'
import type { RoomKeys } from '../../../src/room/keys.ts'
import type { Identity } from '../../../src/identity/identity.ts'
import type { RoomLog } from '../../../src/history/room-log.ts'
import type { UpdateStore } from '../../../src/history/types.ts'

export interface Author { identity: Identity, device: number, seq: number }

export function makeRoom (): RoomKeys { return deriveRoomKeys(createRoomSecret()) }

export function makeAuthor (): Author {
  return { identity: createIdentity(), device: Math.floor(Math.random() * 0xffff_ffff), seq: 0 }
}

/** Seals one text message (or any body) from `author` with the next sequence number. */
export async function frameOf (room: RoomKeys, author: Author, body: Body | string = 'hello'): Promise<Uint8Array> {
  author.seq += 1
  const b: Body = typeof body === 'string' ? { k: 'text', text: body } : body
  const sealed = await sealMessage({ identity: author.identity, room, device: author.device, seq: author.seq, body: b })
  return sealed.frame
}

export async function openLog (room: RoomKeys, store: UpdateStore = memoryUpdateStore()): Promise<RoomLog> {
  return await openRoomLog({ store, roomId: room.roomId, writePublicKey: room.writePublicKey })
}

export function hex (b: Uint8Array): string { return Buffer.from(b).toString('hex') }

/** Message ids (hex) of a log's frames in order. */
export function idsOf (log: RoomLog): string[] {
  return log.frames().map(f => hex(f.subarray(6, 22)))
}
