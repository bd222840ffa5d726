/**
 * Device mail (PROTOCOL.md "Linked devices"): what one device tells this user's other devices through the devices
 * room (rooms joined or left, profile changes). The devices room key comes from the identity seed, which a revoked
 * device still holds, so the mail is encrypted again, to the per-device X25519 keys of the devices that are not
 * revoked: a revoked device sees that mail was sent, not what it says.
 *
 *   CBOR {v: 1, f: sender device box key, n: nonce (24), r: [[recipient box key, box(content key)]], c: secretbox(content)}
 *
 * `box` is nacl.box from the sender's device key, so a recipient knows which device wrote it (and ignores mail from
 * devices it does not know or that were revoked). The content key is fresh per mail.
 */
import nacl from 'tweetnacl'
import {
  MAX_DEVICE_MAIL_BYTES, MAX_DEVICE_MAIL_OPS, MAX_LINKED_DEVICES, MAX_AVATAR_BYTES, MAX_NAME_BYTES, MAX_ROOM_NAME_BYTES,
  NONCE_BYTES, PUBLIC_KEY_BYTES, ROOM_ID_BYTES, ROOM_SECRET_BYTES
} from '../constants.ts'
import { DecryptionError, InvalidArgumentError, MalformedError, OversizedError } from '../errors.ts'
import { bytesEqual, fromHex, toHex, utf8Length } from '../crypto/encoding.ts'
import { randomBytes } from '../crypto/random.ts'
import { secretboxOpen, secretboxSeal } from '../crypto/secretbox.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import type { StoredRoom } from '../chat/local-state.ts'

export const DEVICE_MAIL_VERSION = 1
/** A user id in text (`cs` + base58 of 32 bytes) is at most 46 characters. */
const MAX_DIRECT_USER_CHARS = 64
const BOXED_KEY_BYTES = nacl.secretbox.keyLength + nacl.box.overheadLength

/** One room operation of a device. */
export type DeviceMailOp = { k: 'join', room: StoredRoom } | { k: 'leave', roomId: string }

export interface DeviceMailContent {
  /** Sender clock (ms): per room, the newest operation wins on every device. */
  time: number
  ops: DeviceMailOp[]
  /** The user's profile as the sender last set it (avatar null = removed). */
  profile?: { name: string, avatar: string | null }
}

export interface DeviceKeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

function encodeContent (c: DeviceMailContent): Uint8Array {
  return encodeCbor({
    t: c.time,
    o: c.ops.map(op => op.k === 'join' ? { j: op.room.secret, n: op.room.name, a: op.room.joinedAt, d: op.room.direct } : { l: fromHex(op.roomId) }),
    p: c.profile == null ? undefined : { n: c.profile.name, av: c.profile.avatar ?? undefined }
  })
}

function text (v: unknown, max: number): string {
  if (typeof v !== 'string') throw new MalformedError('device mail text field is not text')
  if (v.length > max || utf8Length(v) > max) throw new OversizedError('device mail text field is too long')
  return v
}

function decodeContent (bytes: Uint8Array): DeviceMailContent {
  const m = decodeCbor(bytes, { maxBytes: MAX_DEVICE_MAIL_BYTES, maxDepth: 3 })
  if (!isMap(m) || typeof m.t !== 'number' || !Number.isSafeInteger(m.t) || m.t < 0) throw new MalformedError('device mail content is not valid')
  if (!Array.isArray(m.o) || m.o.length > MAX_DEVICE_MAIL_OPS) throw new MalformedError('device mail operations are not valid')
  const ops: DeviceMailOp[] = []
  for (const o of m.o as unknown[]) {
    if (!isMap(o)) throw new MalformedError('device mail operation is not a map')
    if (o.j instanceof Uint8Array && o.j.length === ROOM_SECRET_BYTES && typeof o.a === 'number' && Number.isSafeInteger(o.a)) {
      const room: StoredRoom = { secret: Uint8Array.from(o.j), name: text(o.n, MAX_ROOM_NAME_BYTES), joinedAt: o.a }
      // A direct room: the other user's id (src/dm), so it shows as the conversation with them on every device.
      if (o.d !== undefined) room.direct = text(o.d, MAX_DIRECT_USER_CHARS)
      ops.push({ k: 'join', room })
    } else if (o.l instanceof Uint8Array && o.l.length === ROOM_ID_BYTES) {
      ops.push({ k: 'leave', roomId: toHex(o.l) })
    } else {
      throw new MalformedError('device mail operation is not join or leave')
    }
  }
  const out: DeviceMailContent = { time: m.t, ops }
  if (m.p !== undefined) {
    if (!isMap(m.p)) throw new MalformedError('device mail profile is not a map')
    out.profile = { name: text(m.p.n, MAX_NAME_BYTES), avatar: m.p.av === undefined ? null : text(m.p.av, MAX_AVATAR_BYTES) }
  }
  return out
}

/** Encrypts `content` to each recipient device key (the sender's own key may be among them). */
export function sealDeviceMail (sender: DeviceKeyPair, recipients: Uint8Array[], content: DeviceMailContent): Uint8Array {
  if (recipients.length === 0 || recipients.length > MAX_LINKED_DEVICES) throw new InvalidArgumentError(`device mail goes to 1 to ${MAX_LINKED_DEVICES} devices`)
  const nonce = randomBytes(NONCE_BYTES)
  const key = randomBytes(nacl.secretbox.keyLength)
  const r = recipients.map(pk => [pk, nacl.box(key, nonce, pk, sender.secretKey)])
  const blob = encodeCbor({ v: DEVICE_MAIL_VERSION, f: sender.publicKey, n: nonce, r, c: secretboxSeal(encodeContent(content), nonce, key) })
  if (blob.length > MAX_DEVICE_MAIL_BYTES) throw new OversizedError(`device mail of ${blob.length} bytes exceeds ${MAX_DEVICE_MAIL_BYTES}`)
  return blob
}

/** The sender device key of a mail (to check it against the device list before opening). */
export interface OpenedDeviceMail {
  from: Uint8Array
  content: DeviceMailContent
}

/**
 * Opens a mail addressed to `me`. Throws MalformedError / OversizedError for a bad blob, DecryptionError when the
 * mail is not for this device (or was tampered with).
 */
export function openDeviceMail (me: DeviceKeyPair, blob: Uint8Array): OpenedDeviceMail {
  const m = decodeCbor(blob, { maxBytes: MAX_DEVICE_MAIL_BYTES, maxDepth: 3 })
  if (!isMap(m) || m.v !== DEVICE_MAIL_VERSION) throw new MalformedError('device mail has an unknown version')
  const { f, n, r, c } = m
  if (!(f instanceof Uint8Array) || f.length !== PUBLIC_KEY_BYTES) throw new MalformedError('device mail sender key is not valid')
  if (!(n instanceof Uint8Array) || n.length !== NONCE_BYTES) throw new MalformedError('device mail nonce is not valid')
  if (!(c instanceof Uint8Array)) throw new MalformedError('device mail content is not bytes')
  if (!Array.isArray(r) || r.length > MAX_LINKED_DEVICES) throw new MalformedError('device mail recipients are not valid')
  for (const entry of r as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new MalformedError('device mail recipient is not valid')
    const [pk, boxed] = entry as unknown[]
    if (!(pk instanceof Uint8Array) || !(boxed instanceof Uint8Array) || boxed.length !== BOXED_KEY_BYTES) throw new MalformedError('device mail recipient is not valid')
    if (!bytesEqual(pk, me.publicKey)) continue
    const key = nacl.box.open(boxed, n, f, me.secretKey)
    if (key == null) throw new DecryptionError('device mail key does not open')
    return { from: Uint8Array.from(f), content: decodeContent(secretboxOpen(c, n, key)) }
  }
  throw new DecryptionError('device mail is not addressed to this device')
}
