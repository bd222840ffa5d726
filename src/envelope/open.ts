import { verifyBatched } from '#verify-batch'
import {
  MAX_CLOCK_SKEW_MS, MAX_DEVICE, MAX_INNER_BYTES, MAX_SEQ, MESSAGE_VERSION, PUBLIC_KEY_BYTES, SIGNATURE_BYTES
} from '../constants.ts'
import { BadSignatureError, ClockSkewError, MalformedError, OldEpochError } from '../errors.ts'
import { bytesEqual, toHex } from '../crypto/encoding.ts'
import { secretboxOpen } from '../crypto/secretbox.ts'
import { userIdFromPublicKey } from '../identity/user-id.ts'
import type { RoomKeys } from '../room/keys.ts'
import { validateBody } from './body.ts'
import { decodeCbor, isMap } from './codec.ts'
import { canonicalTextInner } from './inner-fast.ts'
import { frameSignatureValid, parseFrame } from './frame.ts'
import { messageIdOf } from './message-id.ts'
import type { ReplayGuard } from './replay.ts'
import { authorSigningInput } from './signing-input.ts'
import type { FrameHeader, OpenedMessage } from './types.ts'

/** Options of {@link openFrame}. */
export interface OpenOptions {
  /**
   * secretbox key of an epoch, or undefined if that epoch is not (or no longer) accepted → OldEpochError.
   * Default: only epoch 0, with room.key.
   */
  keyForEpoch?: (epoch: number) => Uint8Array | undefined
  /** Receiver clock in ms (default Date.now()); messages more than MAX_CLOCK_SKEW_MS ahead are refused. */
  now?: number
  /** When given, the id is checked against and recorded in it (ReplayError on a repeat), as the last step. */
  replay?: ReplayGuard
  /**
   * Skip the room write signature check: set it ONLY when this exact frame (the same bytes, for the same room) has
   * just passed that check elsewhere, e.g. in the history guard (`roomFrameVerifier`), which verifies every frame's
   * room write signature before the update is applied. Every other check still runs: size, version, kind, epoch,
   * decryption, CBOR, fields, author signature, id binding, body, clock skew and replay. Default false. Setting it
   * for a frame that was not verified lets anyone who knows the room key (any member, past or present) forge frames
   * that look as if they were sent through the room; never set it for frames straight from the network.
   */
  writeSignatureVerified?: boolean
}

/** The plaintext's array: [inner, authorSignature]. */
const PLAINTEXT_ITEMS = 2

/**
 * Runs every check of PROTOCOL.md in order and returns the message, or throws the first failure's typed error:
 * OversizedError / MalformedError (size, version, kind, CBOR, fields, body), BadSignatureError (room write
 * signature, author signature, id binding), OldEpochError, DecryptionError, ClockSkewError, ReplayError.
 * Nothing of the plaintext is returned unless every check passed; with `opts.replay`, the id is recorded only
 * for a frame that passed them all.
 */
export async function openFrame (frame: Uint8Array, room: RoomKeys, opts: OpenOptions = {}): Promise<OpenedMessage> {
  const header = parseFrame(frame)
  // The room write signature first, in the protocol's order. A member holds the write seed, so the check re-signs
  // and compares (deterministic Ed25519) and verifies only on a mismatch: the same verdict, ~40 % of the cost.
  if (opts.writeSignatureVerified !== true && !await frameSignatureValid(frame, room.writePublicKey, room.roomId, room.writeSeed)) {
    throw writeSignatureError()
  }
  const opened = await openInner(header, room, opts)
  // Last, and only for frames whose every signature holds: a forged copy must not burn the real message's id.
  opts.replay?.check(opened.id)
  return opened
}

function writeSignatureError (): Error {
  return new BadSignatureError('room write signature does not verify (forged, altered, or from another room)')
}

/** What the plaintext of a frame says, decoded and field-checked, before any signature is looked at. */
interface DecodedInner {
  innerBytes: Uint8Array
  authorSignature: Uint8Array
  inner: Record<string, unknown>
  author: Uint8Array
  device: number
  seq: number
  time: number
}

function decodeInner (header: FrameHeader, room: RoomKeys, opts: OpenOptions): DecodedInner {
  const { epoch } = header
  const key = opts.keyForEpoch !== undefined ? opts.keyForEpoch(epoch) : (epoch === 0 ? room.key : undefined)
  if (key === undefined) throw new OldEpochError(`key epoch ${epoch} is not accepted`)
  const plaintext = secretboxOpen(header.ciphertext, header.nonce, key)

  const [innerBytes, authorSignature] = canonicalPlaintext(plaintext) ?? decodePlaintext(plaintext)
  if (!(innerBytes instanceof Uint8Array)) throw new MalformedError('inner message must be bytes')
  if (!(authorSignature instanceof Uint8Array) || authorSignature.length !== SIGNATURE_BYTES) {
    throw new MalformedError(`author signature must be ${SIGNATURE_BYTES} bytes`)
  }
  const inner = canonicalTextInner(innerBytes, MAX_INNER_BYTES) ?? decodeCbor(innerBytes, { maxBytes: MAX_INNER_BYTES })
  if (!isMap(inner)) throw new MalformedError('inner message must be a map')
  if (inner.v !== MESSAGE_VERSION) throw new MalformedError(`unknown message version ${String(inner.v)}`)
  const author = inner.a
  if (!(author instanceof Uint8Array) || author.length !== PUBLIC_KEY_BYTES) throw new MalformedError('author key must be 32 bytes')
  const { d: device, s: seq, t: time } = inner
  if (typeof device !== 'number' || !Number.isInteger(device) || device < 0 || device > MAX_DEVICE) throw new MalformedError('device must be a u32')
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1 || seq > MAX_SEQ) throw new MalformedError('seq must be an integer ≥ 1')
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) throw new MalformedError('time must be a non-negative integer')
  return { innerBytes, authorSignature, inner, author, device, seq, time }
}

/** The plaintext's array through the strict CBOR decoder (any shape; errors as the protocol says). */
function decodePlaintext (plaintext: Uint8Array): unknown[] {
  const outer = decodeCbor(plaintext, { maxBytes: plaintext.length, maxDepth: 1 })
  if (!Array.isArray(outer) || outer.length !== PLAINTEXT_ITEMS) throw new MalformedError('plaintext must be [inner, signature]')
  return outer as unknown[]
}

/**
 * The plaintext's two byte strings when it is exactly the canonical encoding a sealer writes (array head 0x82, a
 * byte string with the shortest length head, then 0x58 0x40 and 64 bytes, nothing after), else undefined and the
 * strict decoder decides. Every input it accepts the strict decoder accepts with the same result, so nothing is
 * weakened; it only spares two generic CBOR passes per message (a cold open reads 100k of them).
 */
function canonicalPlaintext (p: Uint8Array): [Uint8Array, Uint8Array] | undefined {
  if (p.length < 1 + 1 + 2 + SIGNATURE_BYTES || p[0] !== 0x82) return undefined
  const h = p[1] as number
  let len: number
  let at: number
  if (h >= 0x40 && h <= 0x57) { len = h - 0x40; at = 2 } else if (h === 0x58) { len = p[2] as number; at = 3; if (len < 24) return undefined } else if (h === 0x59) {
    len = ((p[2] as number) << 8) | (p[3] as number); at = 4; if (len < 256) return undefined
  } else return undefined
  const sig = at + len
  if (sig + 2 + SIGNATURE_BYTES !== p.length || p[sig] !== 0x58 || p[sig + 1] !== SIGNATURE_BYTES) return undefined
  return [p.subarray(at, sig), p.subarray(sig + 2)]
}

async function openInner (header: FrameHeader, room: RoomKeys, opts: OpenOptions): Promise<OpenedMessage> {
  const d = decodeInner(header, room, opts)
  // Batched: frames opened together (a sync chunk, a screen of history) share their author checks with worker threads.
  if (!await verifyBatched(d.author, authorSigningInput(room.roomId, header.epoch, header.id, d.innerBytes), d.authorSignature)) {
    throw new BadSignatureError('author signature does not verify')
  }
  if (!bytesEqual(messageIdOf(room, d.author, d.device, d.seq), header.id)) {
    throw new BadSignatureError('message id is not bound to its author, device and seq')
  }
  return finish(header, d, opts)
}

/** The checks after the signatures (body, clock skew) and the result, with copies the caller may keep. */
function finish (header: FrameHeader, d: DecodedInner, opts: OpenOptions): OpenedMessage {
  const { kind, epoch, id } = header
  const body = validateBody(d.inner.b, kind)
  const now = opts.now ?? Date.now()
  if (d.time > now + MAX_CLOCK_SKEW_MS) throw new ClockSkewError(`message time is ${d.time - now} ms ahead of this clock`)

  const ownAuthor = Uint8Array.from(d.author)
  const ownId = Uint8Array.from(id)
  return {
    id: ownId,
    idText: toHex(ownId),
    kind,
    epoch,
    author: ownAuthor,
    authorId: userIdOf(ownAuthor),
    device: d.device,
    seq: d.seq,
    time: d.time,
    body
  }
}

/**
 * Re-opens a frame whose every signature THIS device has already verified (openFrame succeeded on these exact
 * bytes earlier, e.g. when it arrived; see src/history/opened-frames.ts): decrypts and decodes it and runs the
 * cheap checks (size, version, kind, epoch, decryption, fields, body, clock skew, replay) but not the room write
 * signature, the author signature or the id binding, which only depend on the frame's bytes and the room. Sync:
 * ~10 µs instead of two Ed25519 verifications (~100+ µs). Never call it for a frame not known to have passed
 * openFrame: anyone holding the room key could then make it show a message under someone else's name.
 */
export function reopenFrame (frame: Uint8Array, room: RoomKeys, opts: OpenOptions = {}): OpenedMessage {
  const header = parseFrame(frame)
  const opened = finish(header, decodeInner(header, room, opts), opts)
  opts.replay?.check(opened.id)
  return opened
}

/**
 * User ids of recent authors: base58 of a 32-byte key costs more than the rest of a re-open, and a room has few
 * authors. Bounded (cleared when full).
 */
const userIds = new Map<string, string>()
const USER_ID_MEMO = 4096
function userIdOf (author: Uint8Array): string {
  const k = String.fromCharCode.apply(null, author as unknown as number[])
  let u = userIds.get(k)
  if (u === undefined) {
    if (userIds.size >= USER_ID_MEMO) userIds.clear()
    u = userIdFromPublicKey(author)
    userIds.set(k, u)
  }
  return u
}
