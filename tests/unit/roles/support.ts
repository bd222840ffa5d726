/** Users and opened messages for the membership fold's tests (no envelope: the fold reads opened messages only). */
import { randomBytes } from 'node:crypto'
import { toHex } from '../../../src/crypto/encoding.ts'
import { userIdFromPublicKey } from '../../../src/identity/user-id.ts'
import type { Body, OpenedMessage } from '../../../src/envelope/types.ts'

export interface User { key: Uint8Array, id: string, box: Uint8Array }

export function user (): User {
  const key = Uint8Array.from(randomBytes(32))
  return { key, id: userIdFromPublicKey(key), box: Uint8Array.from(randomBytes(32)) }
}

let seq = 0
/** An opened message of `author` with a fresh random id; sequence numbers and times rise across every call. */
export function msg (author: User, body: Body): OpenedMessage {
  const id = Uint8Array.from(randomBytes(16))
  seq++
  return { id, idText: toHex(id), kind: 1, epoch: 0, author: author.key, authorId: author.id, device: 1, seq, time: seq, body }
}
