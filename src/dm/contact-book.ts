/**
 * The local contact book: the box key we pinned for each person we have a direct room with (or verified), whether
 * we verified it, and whether the person has since announced a different one (a key change). Also what we merely
 * saw of others (box key, name, avatar from their signed profiles in shared rooms), kept in memory only: the logs
 * hold it and it is read again on every start. Stored locally, never sent.
 */
import { MAX_CONTACT_BOOK_BYTES, MAX_CONTACTS, MAX_NAME_BYTES, PUBLIC_KEY_BYTES } from '../constants.ts'
import { bytesEqual } from '../crypto/encoding.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import { publicKeyFromUserId } from '../identity/user-id.ts'
import type { StorageBackend } from '../history/types.ts'

export const META_CONTACTS = 'contacts'

/** Where a box key came from (in order of how much it says: a verified link beats a profile seen in a room). */
export type KeySource = 'link' | 'knock' | 'profile' | 'direct'

/** One pinned contact (persisted). */
export interface PinnedContact {
  userId: string
  publicKey: Uint8Array
  /** The box key our direct room with them is agreed with. */
  boxPublicKey: Uint8Array
  name?: string
  verified: boolean
  /** A different box key this user announced after we pinned ours (set = key change warning). */
  changedBoxKey?: Uint8Array
  /** When we pinned it (ms). */
  since: number
  /** We left the direct room at this time (ms): knocks older than it do not bring it back. */
  leftAt?: number
}

/** What we saw of someone in shared rooms (memory only). */
export interface SeenContact {
  boxPublicKey?: Uint8Array
  name?: string
  avatar?: string
  /** Author time of the profile it came from. */
  time: number
}

function str (v: unknown, max: number): string | undefined {
  return typeof v === 'string' && v.length <= max ? v : undefined
}

function key (v: unknown): Uint8Array | undefined {
  return v instanceof Uint8Array && v.length === PUBLIC_KEY_BYTES ? Uint8Array.from(v) : undefined
}

/** Contact book over a storage backend's meta records. Not safe for two writers; the chat owns one. */
export class ContactBook {
  readonly #storage: StorageBackend
  readonly #pinned = new Map<string, PinnedContact>()
  readonly #seen = new Map<string, SeenContact>()
  #saving: Promise<void> = Promise.resolve()

  private constructor (storage: StorageBackend) {
    this.#storage = storage
  }

  /** Loads the book; a damaged record is skipped (an empty book is better than a chat that does not start). */
  static async load (storage: StorageBackend): Promise<ContactBook> {
    const book = new ContactBook(storage)
    const bytes = await storage.getMeta(META_CONTACTS)
    if (bytes == null || bytes.length > MAX_CONTACT_BOOK_BYTES) return book
    let list: unknown
    try {
      list = decodeCbor(bytes, { maxBytes: MAX_CONTACT_BOOK_BYTES, maxItems: MAX_CONTACTS * 10, maxDepth: 3 })
    } catch {
      return book
    }
    if (!Array.isArray(list)) return book
    for (const r of list.slice(0, MAX_CONTACTS)) {
      if (!isMap(r)) continue
      const userId = str(r.u, 64)
      const box = key(r.bx)
      if (userId == null || box == null) continue
      let publicKey: Uint8Array
      try { publicKey = publicKeyFromUserId(userId) } catch { continue }
      const c: PinnedContact = { userId, publicKey, boxPublicKey: box, verified: r.ver === true, since: typeof r.s === 'number' ? r.s : 0 }
      const name = str(r.n, MAX_NAME_BYTES * 4)
      if (name != null) c.name = name
      const changed = key(r.cbx)
      if (changed != null) c.changedBoxKey = changed
      if (typeof r.left === 'number') c.leftAt = r.left
      book.#pinned.set(userId, c)
    }
    return book
  }

  /** Writes the pinned contacts (serialized: the last call wins, each write is whole). */
  async save (): Promise<void> {
    const records = [...this.#pinned.values()].map(c => {
      const r: Record<string, unknown> = { u: c.userId, bx: c.boxPublicKey, ver: c.verified, s: c.since }
      if (c.name != null) r.n = c.name
      if (c.changedBoxKey != null) r.cbx = c.changedBoxKey
      if (c.leftAt != null) r.left = c.leftAt
      return r
    })
    const run = this.#saving.then(async () => { await this.#storage.setMeta(META_CONTACTS, encodeCbor(records)) })
    this.#saving = run.catch(() => {})
    await run
  }

  pinned (userId: string): PinnedContact | undefined { return this.#pinned.get(userId) }
  seen (userId: string): SeenContact | undefined { return this.#seen.get(userId) }
  allPinned (): PinnedContact[] { return [...this.#pinned.values()] }
  allSeen (): Array<[string, SeenContact]> { return [...this.#seen] }

  /**
   * Records a signed statement by `userId` that its box key is `box` (a profile, contact link or knock). Returns
   * `'key-change'` when it differs from the pinned key (and from a change already recorded), `'new'` for a first
   * sighting, else undefined. A key change clears the verified mark.
   */
  observe (userId: string, info: { box?: Uint8Array, name?: string, avatar?: string, time: number }): 'new' | 'key-change' | undefined {
    const prev = this.#seen.get(userId)
    let result: 'new' | 'key-change' | undefined
    if (prev == null || prev.time <= info.time) {
      const next: SeenContact = { time: info.time }
      const box = info.box ?? prev?.boxPublicKey
      if (box != null) next.boxPublicKey = box
      const name = info.name ?? prev?.name
      if (name != null) next.name = name
      if (info.avatar != null) next.avatar = info.avatar
      else if (info.name == null && prev?.avatar != null) next.avatar = prev.avatar
      if (prev == null && this.#seen.size >= MAX_CONTACTS) this.#seen.delete(this.#seen.keys().next().value as string)
      this.#seen.set(userId, next)
      if (prev == null) result = 'new'
    }
    const pinned = this.#pinned.get(userId)
    if (pinned != null && info.box != null) {
      if (info.name != null) pinned.name = info.name
      if (!bytesEqual(pinned.boxPublicKey, info.box) && (pinned.changedBoxKey == null || !bytesEqual(pinned.changedBoxKey, info.box))) {
        pinned.changedBoxKey = Uint8Array.from(info.box)
        pinned.verified = false
        result = 'key-change'
      }
    }
    return result
  }

  /** Pins `box` for `userId` unless one is pinned already (trust on first use); returns the pinned record. */
  pin (userId: string, publicKey: Uint8Array, box: Uint8Array, name?: string): PinnedContact {
    const existing = this.#pinned.get(userId)
    if (existing != null) {
      if (name != null && existing.name == null) existing.name = name
      return existing
    }
    if (this.#pinned.size >= MAX_CONTACTS) {
      const oldest = [...this.#pinned.values()].filter(c => !c.verified).sort((a, b) => a.since - b.since)[0]
      if (oldest != null) this.#pinned.delete(oldest.userId)
    }
    const c: PinnedContact = { userId, publicKey, boxPublicKey: Uint8Array.from(box), verified: false, since: Date.now() }
    if (name != null) c.name = name
    this.#pinned.set(userId, c)
    return c
  }

  /** Marks a pinned contact verified; a pending key change is accepted (the new key becomes the pinned one). */
  verify (userId: string): PinnedContact | undefined {
    const c = this.#pinned.get(userId)
    if (c == null) return undefined
    if (c.changedBoxKey != null) {
      c.boxPublicKey = c.changedBoxKey
      delete c.changedBoxKey
    }
    c.verified = true
    return c
  }
}
