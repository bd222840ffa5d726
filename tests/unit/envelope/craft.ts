/**
 * Builds frames the way a malicious member (who holds the room secret) could: every layer signed and encrypted
 * correctly, but with contents of our choosing, so the checks behind the room write signature get exercised.
 */
import { sign } from '#ed25519'
import { MESSAGE_VERSION } from '../../../src/constants.ts'
import { randomBytes } from '../../../src/crypto/random.ts'
import { secretboxSeal } from '../../../src/crypto/secretbox.ts'
import type { Identity } from '../../../src/identity/identity.ts'
import type { RoomKeys } from '../../../src/room/keys.ts'
import { encodeCbor } from '../../../src/envelope/codec.ts'
import { encodeFrame } from '../../../src/envelope/frame.ts'
import { messageIdOf } from '../../../src/envelope/message-id.ts'
import { authorSigningInput } from '../../../src/envelope/signing-input.ts'
import { FrameKind } from '../../../src/envelope/types.ts'

export interface CraftInit {
  identity: Identity
  room: RoomKeys
  kind?: FrameKind
  epoch?: number
  key?: Uint8Array
  device?: number
  seq?: number
  time?: number
  /** Body as sent (not validated). */
  body?: unknown
  /** Replace the whole inner map (not validated). */
  innerMap?: Record<string, unknown>
  /** Replace the inner bytes. */
  inner?: Uint8Array
  /** Replace the message id in the header (and in the author signature). */
  id?: Uint8Array
  /** Sign the author part for this room id instead. */
  signRoomId?: Uint8Array
  /** Sign the author part with this identity instead. */
  signer?: Identity
  /** Replace the author signature. */
  authorSignature?: Uint8Array
  /** Replace the plaintext entirely. */
  plaintext?: Uint8Array
}

export async function craftFrame (c: CraftInit): Promise<Uint8Array> {
  const device = c.device ?? 1
  const seq = c.seq ?? 1
  const epoch = c.epoch ?? 0
  const id = c.id ?? messageIdOf(c.room, c.identity.publicKey, device, seq)
  const inner = c.inner ?? encodeCbor(c.innerMap ?? {
    v: MESSAGE_VERSION, a: c.identity.publicKey, d: device, s: seq, t: c.time ?? Date.now(), b: c.body ?? { k: 'text', text: 'hi' }
  })
  const signer = c.signer ?? c.identity
  const authorSignature = c.authorSignature ??
    await sign(signer.signingSeed, authorSigningInput(c.signRoomId ?? c.room.roomId, epoch, id, inner))
  const plaintext = c.plaintext ?? encodeCbor([inner, authorSignature])
  const nonce = randomBytes(24)
  const ciphertext = secretboxSeal(plaintext, nonce, c.key ?? c.room.key)
  return await encodeFrame({ kind: c.kind ?? FrameKind.message, epoch, id, nonce, ciphertext }, c.room.writeSeed, c.room.roomId)
}
