import { sign } from '#ed25519'
import { MAX_EPOCH, MAX_INNER_BYTES, MESSAGE_VERSION, NONCE_BYTES } from '../constants.ts'
import { InvalidArgumentError, OversizedError } from '../errors.ts'
import { toHex } from '../crypto/encoding.ts'
import { randomBytes } from '../crypto/random.ts'
import { secretboxSeal } from '../crypto/secretbox.ts'
import type { Identity } from '../identity/identity.ts'
import type { RoomKeys } from '../room/keys.ts'
import { EPHEMERAL_BODY_KINDS, validateBody } from './body.ts'
import { encodeCbor } from './codec.ts'
import { encodeFrame } from './frame.ts'
import { messageIdOf } from './message-id.ts'
import { authorSigningInput } from './signing-input.ts'
import { FrameKind } from './types.ts'
import type { Body } from './types.ts'

/** What {@link sealMessage} needs. */
export interface SealInit {
  /** The author. */
  identity: Identity
  room: RoomKeys
  /** Key epoch (default 0, the key derived from the room secret). */
  epoch?: number
  /** secretbox key of `epoch`; required when epoch ≠ 0 (default: room.key). */
  epochKey?: Uint8Array
  /** This device's random u32; (author, device, seq) must never repeat. */
  device: number
  /** Per-(author, device) sequence number, starting at 1, never reused. */
  seq: number
  /** Author clock in ms (default Date.now()). */
  time?: number
  body: Body
  /** Frame kind (default: ephemeral for presence/typing/read bodies, message otherwise). */
  kind?: FrameKind
}

/** A sealed message, ready to publish and store. */
export interface SealedMessage {
  id: Uint8Array
  /** Lowercase hex of id. */
  idText: string
  frame: Uint8Array
}

/**
 * Encodes, signs (author key), encrypts (room key of the epoch) and frames (room write key) one message
 * (PROTOCOL.md § Frame). The body is validated first, so nothing a receiver would reject ever leaves.
 */
export async function sealMessage (init: SealInit): Promise<SealedMessage> {
  const { identity, room, device, seq, body } = init
  const epoch = init.epoch ?? 0
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new InvalidArgumentError('epoch must be a u32')
  const key = init.epochKey ?? (epoch === 0 ? room.key : undefined)
  if (key === undefined) throw new InvalidArgumentError(`epochKey is required for epoch ${epoch}`)
  const kind = init.kind ?? (EPHEMERAL_BODY_KINDS.has(body.k) ? FrameKind.ephemeral : FrameKind.message)
  const time = init.time ?? Date.now()
  if (!Number.isSafeInteger(time) || time < 0) throw new InvalidArgumentError('time must be a non-negative integer (ms)')
  const cleanBody = validateBody(body, kind)
  const id = messageIdOf(room, identity.publicKey, device, seq)
  const inner = encodeCbor({ v: MESSAGE_VERSION, a: identity.publicKey, d: device, s: seq, t: time, b: cleanBody })
  if (inner.length > MAX_INNER_BYTES) throw new OversizedError(`message of ${inner.length} bytes exceeds the limit of ${MAX_INNER_BYTES}`)
  const authorSignature = await sign(identity.signingSeed, authorSigningInput(room.roomId, epoch, id, inner))
  const plaintext = encodeCbor([inner, authorSignature])
  const nonce = randomBytes(NONCE_BYTES)
  const ciphertext = secretboxSeal(plaintext, nonce, key)
  const frame = await encodeFrame({ kind, epoch, id, nonce, ciphertext }, room.writeSeed, room.roomId)
  return { id, idText: toHex(id), frame }
}
