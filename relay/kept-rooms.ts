/**
 * The rooms a relay keeps: for each, the room id, topics and write public key from a verified keep request, and the
 * room's encrypted log on disk. The relay never holds a room key; it checks frames by their room write signature
 * (inside the history guard) and stores ciphertext.
 *
 * A room's log is in memory only while it is used: one idle for KEPT_ROOM_IDLE_UNLOAD_MS (no live frame, no sync
 * session, no keep request) is closed and reopened on demand. A loaded log holds every stored frame (~1 KB a message),
 * so keeping every log open made the relay's memory grow with all the history it stores (issue 8, soak and relay
 * abuse). The topics stay subscribed and the guard stays: forwarding needs neither the log nor the disk.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { KEPT_ROOM_IDLE_UNLOAD_MS } from '../src/constants.ts'
import { openRoomLog, roomFrameVerifier } from '../src/history/room-log.ts'
import { fromHex, toHex } from '../src/crypto/encoding.ts'
import { openFileUpdateStore } from '../src/storage/file-update-store.ts'
import { createUpdateGuard } from '../src/history/guard.ts'
import { cachedVerifier, liveFrameVerifier, recordingVerifier, VerifiedFrames } from '../src/net/verified-frames.ts'
import type { FramesListener, RoomLog } from '../src/history/room-log.ts'
import type { UpdateGuard } from '../src/history/guard.ts'

/** File (in the relay data dir) listing the kept rooms, so a restarted relay resubscribes at once. */
export const KEPT_ROOMS_FILE = 'kept-rooms.json'

interface KeptRoomInit { topic: string, ephemeralTopic: string, roomId: Uint8Array, writePublicKey: Uint8Array, lastRequest: number, keepRequest?: Uint8Array }

interface Waiter { run: (log: RoomLog) => void, fail: (err: Error) => void }

/** One kept room; its log is opened on demand and closed when idle. */
export class KeptRoom {
  readonly topic: string
  readonly ephemeralTopic: string
  readonly roomId: Uint8Array
  readonly roomIdText: string
  readonly writePublicKey: Uint8Array
  /** Last time a member asked (ms): rooms nobody asks about for long can be dropped by quota policy. */
  lastRequest: number
  /**
   * A verified keep request a member addressed to this relay (encoded as received): the relay's proof of membership in
   * sync sessions (src/chat/sync-auth.ts), as it holds no write key. Undefined until a member asks after an upgrade.
   */
  keepRequest: Uint8Array | undefined
  /** The history guard alone (checks an update without applying it), for the live path. */
  readonly guard: UpdateGuard
  readonly #dir: string
  /** Shared by the live guard and the log's guard: the log's check of a frame the guard passed is a cache hit. */
  readonly #verified = new VerifiedFrames()
  readonly #listeners = new Set<FramesListener>()
  #log: RoomLog | undefined
  /** Callers waiting for the log while it opens (or closes first), served in the order they asked. */
  #waiters: Waiter[] = []
  #opening = false
  /** The open under way, if any (it never rejects: failures go to the waiters): shutdown waits for it. */
  #opened: Promise<void> | undefined
  /** The close under way, if any: a reopen waits for it (the store must be closed before it is opened again). */
  #closing: Promise<void> | undefined
  /** Uses under way (a write, a sync session): the log is never closed under them. */
  #inUse = 0
  #lastUse = Date.now()
  #shut = false

  constructor (init: KeptRoomInit, dir: string) {
    this.topic = init.topic
    this.ephemeralTopic = init.ephemeralTopic
    this.roomId = init.roomId
    this.roomIdText = toHex(init.roomId)
    this.writePublicKey = init.writePublicKey
    this.lastRequest = init.lastRequest
    this.keepRequest = init.keepRequest
    this.#dir = dir
    this.guard = createUpdateGuard({ verifyFrame: recordingVerifier(liveFrameVerifier(init.writePublicKey, init.roomId), this.#verified) })
  }

  /** True while the log is open in memory. */
  get loaded (): boolean { return this.#log !== undefined }

  /**
   * Runs `fn` with the room's log, opening it first when it is not loaded (one open for every caller meanwhile). The
   * log stays open until `fn`'s promise settles. Callers run in the order they called `use`, so live frames that
   * arrive while the log is closed are applied in arrival order.
   */
  async use<T>(fn: (log: RoomLog) => T | Promise<T>): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      this.#withLog({
        run: (log) => {
          this.#inUse++
          let out: Promise<T>
          try {
            out = Promise.resolve(fn(log))
          } catch (err) {
            out = Promise.reject(err as Error)
          }
          out.finally(() => { this.#inUse--; this.#lastUse = Date.now() }).then(resolve, reject)
        },
        fail: reject
      })
    })
  }

  /** The log (opened if needed), kept open until `until` settles: for a session that uses it beyond one call. */
  async lease (until: Promise<unknown>): Promise<RoomLog> {
    return await new Promise<RoomLog>((resolve, reject) => {
      this.use(async (log) => {
        resolve(log)
        await until.catch(() => {})
      }).catch(reject)
    })
  }

  /** Listens to frames applied to the log, across reopens (each reopened log gets the listeners again). */
  onFrames (listener: FramesListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  #withLog (w: Waiter): void {
    this.#lastUse = Date.now()
    if (this.#shut) { w.fail(new Error('relay is stopping')); return }
    if (this.#log !== undefined) { w.run(this.#log); return }
    this.#waiters.push(w)
    if (!this.#opening) this.#opened = this.#open()
  }

  async #open (): Promise<void> {
    this.#opening = true
    let log: RoomLog
    try {
      await this.#closing
      await mkdir(join(this.#dir, 'rooms'), { recursive: true, mode: 0o700 })
      const store = await openFileUpdateStore({ path: join(this.#dir, 'rooms', `${this.roomIdText}.log`) })
      const verifyFrame = cachedVerifier(roomFrameVerifier(this.writePublicKey, this.roomId), this.#verified)
      log = await openRoomLog({ store, roomId: this.roomId, writePublicKey: this.writePublicKey, verifyFrame })
    } catch (err) {
      this.#opening = false
      const waiters = this.#waiters
      this.#waiters = []
      for (const w of waiters) w.fail(err as Error)
      return
    }
    log.onFrames((frames, origin) => { for (const l of this.#listeners) l(frames, origin) })
    this.#log = log
    this.#opening = false
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w.run(log)
  }

  /** Closes the log if nothing has used it for `idleMs`; true when it did. */
  unloadIfIdle (idleMs: number, now = Date.now()): boolean {
    if (this.#log === undefined || this.#inUse > 0 || this.#opening || now - this.#lastUse < idleMs) return false
    this.#unload()
    return true
  }

  #unload (): void {
    const log = this.#log
    if (log === undefined) return
    this.#log = undefined
    // close() waits for the log's pending writes; a reopen meanwhile waits for the close.
    const closing = log.close().catch(() => {}).finally(() => { if (this.#closing === closing) this.#closing = undefined })
    this.#closing = closing
  }

  /** Closes the log for good (relay shutdown): waits for an open under way and for pending writes. */
  async close (): Promise<void> {
    this.#shut = true
    // No open can start once #shut is set, so one wait covers the open under way.
    await this.#opened
    this.#unload()
    await this.#closing
  }
}

interface KeptRecord { topic: string, eph: string, room: string, wk: string, last: number, kr?: string }

/** Registry of kept rooms; persisted as a small JSON list next to the logs. Logs are opened on demand. */
export class KeptRooms {
  readonly #dir: string
  readonly #idleMs: number
  readonly #byTopic = new Map<string, KeptRoom>()
  readonly #byEphemeral = new Map<string, KeptRoom>()
  readonly #sweep: ReturnType<typeof setInterval>
  #saving: Promise<void> = Promise.resolve()

  /** `idleUnloadMs`: how long a log may go unused before it is closed (default KEPT_ROOM_IDLE_UNLOAD_MS). */
  constructor (dataDir: string, opts: { idleUnloadMs?: number } = {}) {
    this.#dir = dataDir
    this.#idleMs = opts.idleUnloadMs ?? KEPT_ROOM_IDLE_UNLOAD_MS
    // A log is closed between idleMs and 1.5 idleMs after its last use.
    this.#sweep = setInterval(() => { this.unloadIdle() }, Math.max(10, this.#idleMs / 2))
    this.#sweep.unref()
  }

  get size (): number { return this.#byTopic.size }
  /** Rooms whose log is open in memory now. */
  get loaded (): number {
    let n = 0
    for (const r of this.#byTopic.values()) if (r.loaded) n++
    return n
  }

  byTopic (topic: string): KeptRoom | undefined { return this.#byTopic.get(topic) }
  byEphemeralTopic (topic: string): KeptRoom | undefined { return this.#byEphemeral.get(topic) }
  all (): KeptRoom[] { return [...this.#byTopic.values()] }

  /** Registers a room (its log opens on first use), or returns the one kept under that topic. Call save() after. */
  add (init: KeptRoomInit): KeptRoom {
    const existing = this.#byTopic.get(init.topic)
    if (existing != null) return existing
    const room = new KeptRoom(init, this.#dir)
    this.#byTopic.set(room.topic, room)
    this.#byEphemeral.set(room.ephemeralTopic, room)
    return room
  }

  /** Forgets a room whose log could not be opened (nothing was kept for it). */
  remove (room: KeptRoom): void {
    if (this.#byTopic.get(room.topic) === room) this.#byTopic.delete(room.topic)
    if (this.#byEphemeral.get(room.ephemeralTopic) === room) this.#byEphemeral.delete(room.ephemeralTopic)
  }

  /** Closes the logs idle for the configured time; returns how many it closed. */
  unloadIdle (): number {
    const now = Date.now()
    let n = 0
    for (const r of this.#byTopic.values()) if (r.unloadIfIdle(this.#idleMs, now)) n++
    return n
  }

  /** Loads the persisted list (the logs open on demand). */
  async load (): Promise<KeptRoom[]> {
    let records: KeptRecord[] = []
    try {
      records = JSON.parse(await readFile(join(this.#dir, KEPT_ROOMS_FILE), 'utf8')) as KeptRecord[]
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    return records.map(r => this.add({ topic: r.topic, ephemeralTopic: r.eph, roomId: fromHex(r.room), writePublicKey: fromHex(r.wk), lastRequest: r.last, ...(r.kr === undefined ? {} : { keepRequest: fromHex(r.kr) }) }))
  }

  /**
   * Persists the list (atomic rename). Saves run one at a time: two keep requests for new rooms at once used to write
   * the same temporary file, and the second rename failed (ENOENT), failing that keep request.
   */
  async save (): Promise<void> {
    const run = this.#saving.then(async () => { await this.#write() })
    this.#saving = run.catch(() => {})
    await run
  }

  async #write (): Promise<void> {
    const records: KeptRecord[] = this.all().map(r => ({ topic: r.topic, eph: r.ephemeralTopic, room: r.roomIdText, wk: toHex(r.writePublicKey), last: r.lastRequest, ...(r.keepRequest === undefined ? {} : { kr: toHex(r.keepRequest) }) }))
    await mkdir(this.#dir, { recursive: true })
    const path = join(this.#dir, KEPT_ROOMS_FILE)
    await writeFile(path + '.tmp', JSON.stringify(records), { flush: true })
    await rename(path + '.tmp', path)
  }

  async close (): Promise<void> {
    clearInterval(this.#sweep)
    for (const r of this.#byTopic.values()) await r.close()
  }
}
