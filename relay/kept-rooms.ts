/**
 * The rooms a relay keeps: for each, the room id, topics and write public key from a verified keep request, and the
 * room's encrypted log on disk. The relay never holds a room key; it checks frames by their room write signature
 * (inside the history guard) and stores ciphertext.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { openRoomLog, roomFrameVerifier } from '../src/history/room-log.ts'
import { fromHex, toHex } from '../src/crypto/encoding.ts'
import { openFileUpdateStore } from '../src/storage/file-update-store.ts'
import { createUpdateGuard } from '../src/history/guard.ts'
import { cachedVerifier, liveFrameVerifier, recordingVerifier, VerifiedFrames } from '../src/net/verified-frames.ts'
import type { RoomLog } from '../src/history/room-log.ts'
import type { UpdateGuard } from '../src/history/guard.ts'

/** File (in the relay data dir) listing the kept rooms, so a restarted relay resubscribes at once. */
export const KEPT_ROOMS_FILE = 'kept-rooms.json'

export interface KeptRoom {
  topic: string
  ephemeralTopic: string
  roomId: Uint8Array
  roomIdText: string
  writePublicKey: Uint8Array
  /** Last time a member asked (ms): rooms nobody asks about for long can be dropped by quota policy. */
  lastRequest: number
  log: RoomLog
  /** The history guard alone (checks an update without applying it), for the live path. */
  guard: UpdateGuard
}

interface KeptRecord { topic: string, eph: string, room: string, wk: string, last: number }

/** Registry of kept rooms with their logs; persisted as a small JSON list next to the logs. */
export class KeptRooms {
  readonly #dir: string
  readonly #byTopic = new Map<string, KeptRoom>()
  readonly #byEphemeral = new Map<string, KeptRoom>()
  /** Rooms being opened: two keep requests for one new room must not open its file twice. */
  readonly #opening = new Map<string, Promise<KeptRoom>>()

  constructor (dataDir: string) {
    this.#dir = dataDir
  }

  get size (): number { return this.#byTopic.size }
  byTopic (topic: string): KeptRoom | undefined { return this.#byTopic.get(topic) }
  byEphemeralTopic (topic: string): KeptRoom | undefined { return this.#byEphemeral.get(topic) }
  all (): KeptRoom[] { return [...this.#byTopic.values()] }

  /** Opens the log of a room and registers it (does not persist the list: call save()). */
  async add (init: { topic: string, ephemeralTopic: string, roomId: Uint8Array, writePublicKey: Uint8Array, lastRequest: number }): Promise<KeptRoom> {
    const existing = this.#byTopic.get(init.topic) ?? this.#opening.get(init.topic)
    if (existing != null) return await existing
    const opening = this.#open(init)
    this.#opening.set(init.topic, opening)
    try {
      return await opening
    } finally {
      this.#opening.delete(init.topic)
    }
  }

  /** True while a room's log is being opened. */
  isOpening (topic: string): boolean { return this.#opening.has(topic) }

  async #open (init: { topic: string, ephemeralTopic: string, roomId: Uint8Array, writePublicKey: Uint8Array, lastRequest: number }): Promise<KeptRoom> {
    const roomIdText = toHex(init.roomId)
    await mkdir(join(this.#dir, 'rooms'), { recursive: true, mode: 0o700 })
    const store = await openFileUpdateStore({ path: join(this.#dir, 'rooms', `${roomIdText}.log`) })
    const verifyFrame = roomFrameVerifier(init.writePublicKey, init.roomId)
    // The live path checks a frame with `guard` before forwarding it, then stores it through the log's own guard:
    // the second check of the same bytes is served from the cache instead of verifying the signature again.
    const verified = new VerifiedFrames()
    const log = await openRoomLog({ store, roomId: init.roomId, writePublicKey: init.writePublicKey, verifyFrame: cachedVerifier(verifyFrame, verified) })
    const room: KeptRoom = { ...init, roomIdText, log, guard: createUpdateGuard({ verifyFrame: recordingVerifier(liveFrameVerifier(init.writePublicKey, init.roomId), verified) }) }
    this.#byTopic.set(room.topic, room)
    this.#byEphemeral.set(room.ephemeralTopic, room)
    return room
  }

  /** Loads the persisted list and opens every log. */
  async load (): Promise<KeptRoom[]> {
    let records: KeptRecord[] = []
    try {
      records = JSON.parse(await readFile(join(this.#dir, KEPT_ROOMS_FILE), 'utf8')) as KeptRecord[]
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    const out: KeptRoom[] = []
    for (const r of records) {
      out.push(await this.add({ topic: r.topic, ephemeralTopic: r.eph, roomId: fromHex(r.room), writePublicKey: fromHex(r.wk), lastRequest: r.last }))
    }
    return out
  }

  /** Persists the list (atomic rename). */
  async save (): Promise<void> {
    const records: KeptRecord[] = this.all().map(r => ({ topic: r.topic, eph: r.ephemeralTopic, room: r.roomIdText, wk: toHex(r.writePublicKey), last: r.lastRequest }))
    await mkdir(this.#dir, { recursive: true })
    const path = join(this.#dir, KEPT_ROOMS_FILE)
    await writeFile(path + '.tmp', JSON.stringify(records), { flush: true })
    await rename(path + '.tmp', path)
  }

  async close (): Promise<void> {
    for (const r of this.#byTopic.values()) await r.log.close()
  }
}
