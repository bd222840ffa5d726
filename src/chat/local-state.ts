/**
 * What a chat peer keeps in its storage's meta records: identity seed, device number, libp2p key, room list,
 * per-room sequence counters, display name. Small records, each written whole.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { MAX_DEVICE, ROOM_SECRET_BYTES, SEED_BYTES, SEQ_RESERVE_BLOCK } from '../constants.ts'
import { utf8Decode, utf8Encode } from '../crypto/encoding.ts'
import { randomBytes } from '../crypto/random.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import { MalformedError, NotFoundError } from '../errors.ts'
import { createIdentity, identityFromSeed } from '../identity/identity.ts'
import type { StorageBackend } from '../history/types.ts'
import type { Identity } from '../identity/identity.ts'
import type { PrivateKey } from '@libp2p/interface'

export const META_IDENTITY = 'identity'
export const META_DEVICE = 'device'
export const META_PEER_KEY = 'peer-key'
export const META_ROOMS = 'rooms'
export const META_NAME = 'display-name'
const MAX_ROOM_LIST_BYTES = 1024 * 1024

/** Loads the stored identity; stores `given` (or a new one when `create`) when there is none or `given` differs. */
export async function loadIdentity (storage: StorageBackend, given: Identity | undefined, create: boolean): Promise<Identity> {
  if (given != null) {
    await storage.setMeta(META_IDENTITY, given.seed)
    return given
  }
  const seed = await storage.getMeta(META_IDENTITY)
  if (seed != null) {
    if (seed.length !== SEED_BYTES) throw new MalformedError('stored identity is damaged')
    return identityFromSeed(seed)
  }
  if (!create) throw new NotFoundError('no identity yet: create one first (chatsphere id create)')
  const identity = createIdentity()
  await storage.setMeta(META_IDENTITY, identity.seed)
  return identity
}

/** This device's random u32 (PROTOCOL.md: (author, device, seq) is unique). */
export async function loadDevice (storage: StorageBackend): Promise<number> {
  const bytes = await storage.getMeta(META_DEVICE)
  if (bytes?.length === 4) return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0)
  const device = new DataView(randomBytes(4).buffer).getUint32(0) % MAX_DEVICE
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, device)
  await storage.setMeta(META_DEVICE, out)
  return device
}

/** This device's libp2p key (its peer id), distinct from the user identity. */
export async function loadPeerKey (storage: StorageBackend): Promise<PrivateKey> {
  const bytes = await storage.getMeta(META_PEER_KEY)
  if (bytes != null) return privateKeyFromProtobuf(bytes)
  const key = await generateKeyPair('Ed25519')
  await storage.setMeta(META_PEER_KEY, privateKeyToProtobuf(key))
  return key
}

/** One stored room. */
export interface StoredRoom {
  secret: Uint8Array
  name: string
  joinedAt: number
  /** Direct room (or, with `hidden: 'knock'`, knock room): the other user's id (src/dm). */
  direct?: string
  /** Rooms the chat runs but never lists: our own inbox, and inboxes of others we knocked on (src/dm/inbox.ts). */
  hidden?: 'inbox' | 'knock' | 'devices'
}

export async function loadRooms (storage: StorageBackend): Promise<StoredRoom[]> {
  const bytes = await storage.getMeta(META_ROOMS)
  if (bytes == null) return []
  const list = decodeCbor(bytes, { maxBytes: MAX_ROOM_LIST_BYTES, maxItems: 10_000, maxDepth: 3 })
  if (!Array.isArray(list)) throw new MalformedError('stored room list is damaged')
  const out: StoredRoom[] = []
  for (const r of list) {
    if (!isMap(r) || !(r.s instanceof Uint8Array) || r.s.length !== ROOM_SECRET_BYTES || typeof r.n !== 'string' || typeof r.j !== 'number') continue
    const room: StoredRoom = { secret: r.s, name: r.n, joinedAt: r.j }
    if (typeof r.d === 'string' && r.d.length <= 64) room.direct = r.d
    if (r.h === 'inbox' || r.h === 'knock' || r.h === 'devices') room.hidden = r.h
    out.push(room)
  }
  return out
}

export async function saveRooms (storage: StorageBackend, rooms: StoredRoom[]): Promise<void> {
  await storage.setMeta(META_ROOMS, encodeCbor(rooms.map(r => ({ s: r.secret, n: r.name, j: r.joinedAt, ...(r.direct != null ? { d: r.direct } : {}), ...(r.hidden != null ? { h: r.hidden } : {}) }))))
}

export async function loadName (storage: StorageBackend): Promise<string | undefined> {
  const bytes = await storage.getMeta(META_NAME)
  return bytes == null ? undefined : utf8Decode(bytes)
}

export async function saveName (storage: StorageBackend, name: string): Promise<void> {
  await storage.setMeta(META_NAME, utf8Encode(name))
}

/**
 * Sequence numbers of this device's ephemeral frames (presence, typing, read markers), per room. Reserved
 * SEQ_RESERVE_BLOCK at a time and persisted before use, so a restart never reuses one (receivers would drop the frame
 * as a replay); the numbers skipped at a restart do not matter, ephemeral frames have no gaps to report.
 */
export class SequenceCounter {
  readonly #storage: StorageBackend
  readonly #next = new Map<string, number>()
  readonly #reserved = new Map<string, number>()
  #queue: Promise<unknown> = Promise.resolve()

  constructor (storage: StorageBackend) {
    this.#storage = storage
  }

  /** The next sequence number of `key`. */
  async take (key: string): Promise<number> {
    const run = this.#queue.then(async () => {
      const meta = `seq-${key}`
      let next = this.#next.get(key)
      if (next == null) next = await readSeq(this.#storage, meta) ?? 1
      if (next > (this.#reserved.get(key) ?? 0)) {
        const until = next + SEQ_RESERVE_BLOCK - 1
        await writeSeq(this.#storage, meta, until + 1)
        this.#reserved.set(key, until)
      }
      this.#next.set(key, next + 1)
      return next
    })
    this.#queue = run.catch(() => {})
    return await run
  }
}

async function readSeq (storage: StorageBackend, key: string): Promise<number | undefined> {
  const bytes = await storage.getMeta(key)
  return bytes?.length === 8 ? Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0)) : undefined
}

async function writeSeq (storage: StorageBackend, key: string, value: number): Promise<void> {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(value))
  await storage.setMeta(key, out)
}

/** Next sequence number stored by versions that persisted one per message (`seq-<room id>`), if any. */
export async function legacyRoomSeq (storage: StorageBackend, roomId: string): Promise<number | undefined> {
  return await readSeq(storage, `seq-${roomId}`)
}
