/**
 * The outer frame (PROTOCOL.md § Frame): a fixed 46-byte header, the secretbox ciphertext, and the room write
 * signature. parseFrame is sync and does no crypto (bounds only); verifyFrame adds the room write signature and
 * is all a relay, which holds only the room write public key, can check.
 */
import { sign, signatureHolds, verify } from '#ed25519'
import {
  FRAME_ID_OFFSET, FRAME_VERSION, MAX_EPOCH, MAX_FRAME_BYTES, MESSAGE_ID_BYTES, NONCE_BYTES, ROOM_ID_BYTES, SECRETBOX_OVERHEAD_BYTES,
  SIGNATURE_BYTES, TAG_FRAME_SIG
} from '../constants.ts'
import { BadSignatureError, InvalidArgumentError, MalformedError, OversizedError } from '../errors.ts'
import { utf8Encode } from '../crypto/encoding.ts'
import { FrameKind } from './types.ts'
import type { FrameHeader } from './types.ts'

export const FRAME_OFFSET_VERSION = 0
export const FRAME_OFFSET_KIND = 1
export const FRAME_OFFSET_EPOCH = 2
export const FRAME_OFFSET_ID = FRAME_ID_OFFSET
export const FRAME_OFFSET_NONCE = FRAME_OFFSET_ID + MESSAGE_ID_BYTES
/** Bytes before the ciphertext. */
export const FRAME_HEADER_BYTES = FRAME_OFFSET_NONCE + NONCE_BYTES
/** Smallest possible frame: header, an empty secretbox, the signature. */
export const MIN_FRAME_BYTES = FRAME_HEADER_BYTES + SECRETBOX_OVERHEAD_BYTES + SIGNATURE_BYTES

const FRAME_SIG_PREFIX = Uint8Array.from([...utf8Encode(TAG_FRAME_SIG), 0])
const KNOWN_KINDS: ReadonlySet<number> = new Set(Object.values(FrameKind))

/** The header fields a sealer chooses; nonce and ciphertext come from the encryption. */
export interface FrameParts {
  kind: FrameKind
  epoch: number
  id: Uint8Array
  nonce: Uint8Array
  ciphertext: Uint8Array
}

/** The bytes the room write key signs: TAG_FRAME_SIG ‖ 0x00 ‖ room id ‖ frame[0, end of ciphertext). */
export function frameSigningInput (roomId: Uint8Array, signed: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_SIG_PREFIX.length + roomId.length + signed.length)
  out.set(FRAME_SIG_PREFIX, 0)
  out.set(roomId, FRAME_SIG_PREFIX.length)
  out.set(signed, FRAME_SIG_PREFIX.length + roomId.length)
  return out
}

/**
 * Lays out a frame with room for its signature (the last SIGNATURE_BYTES, still zero) and returns it with the
 * bytes the room write key must sign. encodeFrame signs with `#ed25519`; the benchmark signs the same input
 * with tweetnacl to compare.
 */
export function layoutFrame (parts: FrameParts, roomId: Uint8Array): { frame: Uint8Array, signingInput: Uint8Array } {
  if (!KNOWN_KINDS.has(parts.kind)) throw new InvalidArgumentError(`unknown frame kind ${String(parts.kind)}`)
  if (!Number.isInteger(parts.epoch) || parts.epoch < 0 || parts.epoch > MAX_EPOCH) throw new InvalidArgumentError('epoch must be a u32')
  if (parts.id.length !== MESSAGE_ID_BYTES) throw new InvalidArgumentError(`message id must be ${MESSAGE_ID_BYTES} bytes`)
  if (parts.nonce.length !== NONCE_BYTES) throw new InvalidArgumentError(`nonce must be ${NONCE_BYTES} bytes`)
  if (roomId.length !== ROOM_ID_BYTES) throw new InvalidArgumentError(`room id must be ${ROOM_ID_BYTES} bytes`)
  const total = FRAME_HEADER_BYTES + parts.ciphertext.length + SIGNATURE_BYTES
  if (total > MAX_FRAME_BYTES) throw new OversizedError(`frame of ${total} bytes exceeds the limit of ${MAX_FRAME_BYTES}`)
  if (parts.ciphertext.length < SECRETBOX_OVERHEAD_BYTES) throw new InvalidArgumentError('ciphertext shorter than a secretbox')
  const frame = new Uint8Array(total)
  const view = new DataView(frame.buffer)
  frame[FRAME_OFFSET_VERSION] = FRAME_VERSION
  frame[FRAME_OFFSET_KIND] = parts.kind
  view.setUint32(FRAME_OFFSET_EPOCH, parts.epoch, false)
  frame.set(parts.id, FRAME_OFFSET_ID)
  frame.set(parts.nonce, FRAME_OFFSET_NONCE)
  frame.set(parts.ciphertext, FRAME_HEADER_BYTES)
  return { frame, signingInput: frameSigningInput(roomId, frame.subarray(0, total - SIGNATURE_BYTES)) }
}

/**
 * Lays out a frame and signs it with the room write key. Throws InvalidArgumentError for bad parts and
 * OversizedError for a frame over MAX_FRAME_BYTES.
 * @param writeSeed - Ed25519 seed of the room write key
 * @param roomId - 32-byte room id (bound into the signature, so a frame cannot be replayed into another room)
 */
export async function encodeFrame (parts: FrameParts, writeSeed: Uint8Array, roomId: Uint8Array): Promise<Uint8Array> {
  const { frame, signingInput } = layoutFrame(parts, roomId)
  frame.set(await sign(writeSeed, signingInput), frame.length - SIGNATURE_BYTES)
  return frame
}

/**
 * Reads a frame's header without crypto: size within limits, version and kind known. The returned fields are
 * views into `bytes` (no copies); a caller that keeps them past `bytes` should copy.
 * Throws OversizedError or MalformedError.
 */
export function parseFrame (bytes: Uint8Array): FrameHeader {
  if (!(bytes instanceof Uint8Array)) throw new MalformedError('frame is not bytes')
  if (bytes.length > MAX_FRAME_BYTES) throw new OversizedError(`frame of ${bytes.length} bytes exceeds the limit of ${MAX_FRAME_BYTES}`)
  if (bytes.length < MIN_FRAME_BYTES) throw new MalformedError(`frame of ${bytes.length} bytes is shorter than the minimum ${MIN_FRAME_BYTES}`)
  const version = bytes[FRAME_OFFSET_VERSION] as number
  if (version !== FRAME_VERSION) throw new MalformedError(`unknown frame version ${version}`)
  const kind = bytes[FRAME_OFFSET_KIND] as number
  if (!KNOWN_KINDS.has(kind)) throw new MalformedError(`unknown frame kind ${kind}`)
  const epoch = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(FRAME_OFFSET_EPOCH, false)
  const sigStart = bytes.length - SIGNATURE_BYTES
  return {
    version,
    kind: kind as FrameKind,
    epoch,
    id: bytes.subarray(FRAME_OFFSET_ID, FRAME_OFFSET_ID + MESSAGE_ID_BYTES),
    nonce: bytes.subarray(FRAME_OFFSET_NONCE, FRAME_HEADER_BYTES),
    ciphertext: bytes.subarray(FRAME_HEADER_BYTES, sigStart),
    writeSignature: bytes.subarray(sigStart)
  }
}

/**
 * True if the frame's room write signature is valid for this room (no parsing errors thrown: false instead). With
 * `writeSeed` (a member holds it), the check re-signs and compares before it verifies (`signatureHolds`): the same
 * answer for about 40 % of a verification's cost on frames any ChatSphere peer made.
 */
export async function frameSignatureValid (bytes: Uint8Array, writePublicKey: Uint8Array, roomId: Uint8Array, writeSeed?: Uint8Array): Promise<boolean> {
  const sigStart = bytes.length - SIGNATURE_BYTES
  const input = frameSigningInput(roomId, bytes.subarray(0, sigStart))
  const signature = bytes.subarray(sigStart)
  return writeSeed !== undefined ? await signatureHolds(writeSeed, writePublicKey, input, signature) : await verify(writePublicKey, input, signature)
}

/**
 * parseFrame plus the room write signature: what a relay runs on every frame of a room it keeps, and the
 * first cryptographic check of every receiver (members pass `writeSeed`, see frameSignatureValid). Throws
 * OversizedError, MalformedError or BadSignatureError.
 */
export async function verifyFrame (bytes: Uint8Array, writePublicKey: Uint8Array, roomId: Uint8Array, writeSeed?: Uint8Array): Promise<FrameHeader> {
  const header = parseFrame(bytes)
  if (!await frameSignatureValid(bytes, writePublicKey, roomId, writeSeed)) {
    throw new BadSignatureError('room write signature does not verify (forged, altered, or from another room)')
  }
  return header
}
