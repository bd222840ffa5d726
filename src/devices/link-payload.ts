/**
 * What the linking device hands the new device, encrypted (link-handshake.ts): the identity seed, the room list with
 * secrets, the profile, a binding of the new device signed by the identity, and the device records known so far.
 */
import {
  MAX_AVATAR_BYTES, MAX_DEVICE_RECORD_BYTES, MAX_JOINED_ROOMS, MAX_LINKED_DEVICES, MAX_LINK_MESSAGE_BYTES, MAX_NAME_BYTES,
  MAX_ROOM_NAME_BYTES, ROOM_SECRET_BYTES, SEED_BYTES
} from '../constants.ts'
import { MalformedError } from '../errors.ts'
import { utf8Length } from '../crypto/encoding.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import type { StoredRoom } from '../chat/local-state.ts'

/** Version of the payload map. */
export const LINK_PAYLOAD_VERSION = 1

export interface LinkPayload {
  seed: Uint8Array
  rooms: StoredRoom[]
  name?: string
  avatar?: string
  /** The new device's binding, signed by the identity. */
  binding: Uint8Array
  /** Known device records of this user (bindings, revocations). */
  records: Uint8Array[]
}

export function encodeLinkPayload (p: LinkPayload): Uint8Array {
  return encodeCbor({
    v: LINK_PAYLOAD_VERSION,
    seed: p.seed,
    rooms: p.rooms.map(r => ({ s: r.secret, n: r.name, j: r.joinedAt, d: r.direct })),
    name: p.name,
    av: p.avatar,
    bind: p.binding,
    recs: p.records
  })
}

function optionalText (v: unknown, max: number, what: string): string | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v.length > max || utf8Length(v) > max) throw new MalformedError(`link payload ${what} is not valid`)
  return v
}

/** Decodes and checks a payload; throws MalformedError / OversizedError. */
export function decodeLinkPayload (bytes: Uint8Array): LinkPayload {
  const m = decodeCbor(bytes, { maxBytes: MAX_LINK_MESSAGE_BYTES, maxItems: MAX_JOINED_ROOMS + 16, maxDepth: 3 })
  if (!isMap(m) || m.v !== LINK_PAYLOAD_VERSION) throw new MalformedError('link payload has an unknown version')
  const { seed, rooms, bind, recs } = m
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) throw new MalformedError('link payload seed is not valid')
  if (!Array.isArray(rooms) || rooms.length > MAX_JOINED_ROOMS) throw new MalformedError('link payload room list is not valid')
  const out: StoredRoom[] = []
  for (const r of rooms) {
    if (!isMap(r) || !(r.s instanceof Uint8Array) || r.s.length !== ROOM_SECRET_BYTES || typeof r.j !== 'number' || !Number.isSafeInteger(r.j)) {
      throw new MalformedError('link payload room is not valid')
    }
    const room: StoredRoom = { secret: Uint8Array.from(r.s), name: optionalText(r.n, MAX_ROOM_NAME_BYTES, 'room name') ?? '', joinedAt: r.j }
    const direct = optionalText(r.d, 64, 'direct user')
    if (direct !== undefined) room.direct = direct
    out.push(room)
  }
  if (!(bind instanceof Uint8Array) || bind.length > MAX_DEVICE_RECORD_BYTES) throw new MalformedError('link payload binding is not valid')
  if (!Array.isArray(recs) || recs.length > MAX_LINKED_DEVICES * 8 || !recs.every(r => r instanceof Uint8Array && r.length <= MAX_DEVICE_RECORD_BYTES)) {
    throw new MalformedError('link payload device records are not valid')
  }
  const p: LinkPayload = { seed: Uint8Array.from(seed), rooms: out, binding: Uint8Array.from(bind), records: (recs as Uint8Array[]).map(r => Uint8Array.from(r)) }
  const name = optionalText(m.name, MAX_NAME_BYTES, 'name')
  const avatar = optionalText(m.av, MAX_AVATAR_BYTES, 'avatar')
  if (name !== undefined) p.name = name
  if (avatar !== undefined) p.avatar = avatar
  return p
}
