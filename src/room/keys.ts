import { publicKeyFromSeed } from '#ed25519'
import {
  EPHEMERAL_TOPIC_PREFIX, ROOM_ID_BYTES, ROOM_KEY_BYTES, ROOM_SECRET_BYTES, SEED_BYTES, TAG_ROOM_EPHEMERAL_TOPIC,
  TAG_ROOM_ID, TAG_ROOM_KEY, TAG_ROOM_MESSAGE_ID, TAG_ROOM_TOPIC, TAG_ROOM_WRITE, TOPIC_HASH_BYTES, TOPIC_PREFIX
} from '../constants.ts'
import { InvalidArgumentError } from '../errors.ts'
import { toBase32, toHex } from '../crypto/encoding.ts'
import { deriveKey } from '../crypto/hkdf.ts'
import { randomBytes } from '../crypto/random.ts'

/** Everything a member derives from a room secret (PROTOCOL.md § Rooms). Holds secrets except where noted. */
export interface RoomKeys {
  /** The 32-byte room secret (what an invite carries). */
  secret: Uint8Array
  /** 32-byte room id (public: relays see it in keep requests, signatures bind it). */
  roomId: Uint8Array
  /** Lowercase hex of roomId. */
  roomIdText: string
  /** Gossipsub topic of stored messages (public, reveals nothing about the name). */
  topic: string
  /** Gossipsub topic of ephemeral traffic (presence, typing, read markers). */
  ephemeralTopic: string
  /** secretbox key of epoch 0. */
  key: Uint8Array
  /** Ed25519 seed of the room write key. */
  writeSeed: Uint8Array
  /** Room write public key (public: relays verify frames with it). */
  writePublicKey: Uint8Array
  /** HMAC key of message ids. */
  idKey: Uint8Array
}

/** 32 fresh random bytes: a new room. */
export function createRoomSecret (): Uint8Array {
  return randomBytes(ROOM_SECRET_BYTES)
}

/** Derives every room value from its secret (pure; the same secret gives the same keys on every peer). */
export function deriveRoomKeys (secret: Uint8Array): RoomKeys {
  if (!(secret instanceof Uint8Array) || secret.length !== ROOM_SECRET_BYTES) {
    throw new InvalidArgumentError(`a room secret is ${ROOM_SECRET_BYTES} bytes`)
  }
  const own = Uint8Array.from(secret)
  const roomId = deriveKey(own, TAG_ROOM_ID, ROOM_ID_BYTES)
  const writeSeed = deriveKey(own, TAG_ROOM_WRITE, SEED_BYTES)
  return {
    secret: own,
    roomId,
    roomIdText: toHex(roomId),
    topic: TOPIC_PREFIX + toBase32(deriveKey(own, TAG_ROOM_TOPIC, TOPIC_HASH_BYTES)),
    ephemeralTopic: EPHEMERAL_TOPIC_PREFIX + toBase32(deriveKey(own, TAG_ROOM_EPHEMERAL_TOPIC, TOPIC_HASH_BYTES)),
    key: deriveKey(own, TAG_ROOM_KEY, ROOM_KEY_BYTES),
    writeSeed,
    writePublicKey: publicKeyFromSeed(writeSeed),
    idKey: deriveKey(own, TAG_ROOM_MESSAGE_ID, 32)
  }
}

const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
/** A room or ephemeral topic as `deriveRoomKeys` makes them: prefix, then TOPIC_HASH_BYTES in base32 (no padding). */
const TOPIC_SHAPE = new RegExp(`^(?:${reEscape(TOPIC_PREFIX)}|${reEscape(EPHEMERAL_TOPIC_PREFIX)})[a-z2-7]{${Math.ceil(TOPIC_HASH_BYTES * 8 / 5)}}$`)

/** Whether `topic` has the shape of a ChatSphere room or ephemeral topic (what `deriveRoomKeys` makes). */
export function isChatTopic (topic: string): boolean {
  return TOPIC_SHAPE.test(topic)
}
