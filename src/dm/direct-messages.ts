/**
 * Direct messages (PROTOCOL.md § Direct messages): a room per pair of users whose secret is their X25519 agreement
 * (src/room/direct.ts), so both sides land in the same room whoever starts; the other side learns of it through a
 * knock left in its inbox room (./inbox.ts). Also the contact book behind verification: pinned box keys, safety
 * numbers, verified marks and key-change warnings. The chat peer hands this module a narrow host.
 */
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import { bytesEqual, toHex } from '../crypto/encoding.ts'
import { publicKeyFromUserId, fingerprint } from '../identity/user-id.ts'
import { directRoomSecret } from '../room/direct.ts'
import { deriveRoomKeys } from '../room/keys.ts'
import { ContactBook } from './contact-book.ts'
import { createContactLink, isContactLink, parseContactLink } from './contact-link.ts'
import { inboxRoomSecret, openKnock, sealKnock } from './inbox.ts'
import { safetyNumber } from './safety-number.ts'
import type { ContactCard } from './contact-card.ts'
import type { PinnedContact } from './contact-book.ts'
import type { StoredRoom } from '../chat/local-state.ts'
import type { ContactInfo, RoomInfo } from '../chat/types.ts'
import type { Body, OpenedMessage } from '../envelope/types.ts'
import type { StorageBackend } from '../history/types.ts'
import type { Identity } from '../identity/identity.ts'

/** What the chat peer gives this module. Room ids are lowercase hex; hidden rooms (inboxes, knocks) included. */
export interface DirectHost {
  readonly identity: Identity
  displayName: () => string | undefined
  inviteOrigin: () => string | undefined
  /** Joins the room of a stored record (returns the joined one if already in it). */
  join: (stored: StoredRoom) => Promise<RoomInfo>
  leave: (roomId: string) => Promise<void>
  /** Stored records of every joined room. */
  storedRooms: () => StoredRoom[]
  /** Seals `body` as `author` (a throwaway identity: device 0, seq 1) into the room; resolves with its id once durable. */
  sendAs: (roomId: string, body: Body, author: Identity) => Promise<string>
  /** True when the room holds a stored message by `userId`. */
  hasMessageFrom: (roomId: string, userId: string) => boolean
  waitForRelayHold: (roomId: string, id: string, timeoutMs: number) => Promise<boolean>
  /** Counts something dropped (same counters as frames). */
  count: (reason: string) => void
  emit: (detail: { userId: string, reason: 'added' | 'key-change' | 'verified' }) => void
}

/** Options of `openDirect`. */
export interface OpenDirectOptions {
  /** Wait up to this long for a connected relay to hold the knock (so a short-lived CLI can exit). */
  waitForRelayMs?: number
}

function shortId (userId: string): string {
  return userId.slice(0, 10) + '…'
}

export class DirectMessages {
  readonly #host: DirectHost
  readonly #book: ContactBook
  #ready = false
  readonly #pendingKnocks: Array<Extract<Body, { k: 'knock' }>> = []
  /** Joins and knocks run one at a time (two knocks of one user must not open the same room twice). */
  #chain: Promise<unknown> = Promise.resolve()

  private constructor (host: DirectHost, book: ContactBook) {
    this.#host = host
    this.#book = book
  }

  static async create (host: DirectHost, storage: StorageBackend): Promise<DirectMessages> {
    return new DirectMessages(host, await ContactBook.load(storage))
  }

  /** Room ids by secret (deriving one costs an Ed25519 key derivation; contact lookups run on every render). */
  readonly #roomIds = new Map<string, string>()
  #roomId (stored: StoredRoom): string {
    const key = toHex(stored.secret)
    let id = this.#roomIds.get(key)
    if (id == null) {
      id = deriveRoomKeys(stored.secret).roomIdText
      if (this.#roomIds.size > 10_000) this.#roomIds.clear()
      this.#roomIds.set(key, id)
    }
    return id
  }

  #serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn)
    this.#chain = run.catch(() => {})
    return run
  }

  /** After the stored rooms are open: joins our inbox, handles knocks read meanwhile, drops finished knock rooms. */
  async start (): Promise<void> {
    const me = this.#host.identity
    await this.#serial(async () => await this.#host.join({ secret: inboxRoomSecret(me.publicKey), name: 'inbox', joinedAt: Date.now(), hidden: 'inbox' }))
    this.#ready = true
    for (const k of this.#pendingKnocks.splice(0)) void this.#onKnock(k)
    for (const s of this.#host.storedRooms()) {
      if (s.hidden === 'knock' && s.direct != null) this.#maybeDropKnockRoom(s.direct)
    }
  }

  // ── what the rooms tell us ──────────────────────────────────────────────────────────────────────────────────
  /** Every stored message the chat opens, in every room (also at a cold start). */
  onOpened (stored: StoredRoom, m: OpenedMessage): void {
    const me = this.#host.identity.userId
    if (stored.hidden === 'inbox') {
      if (m.body.k !== 'knock') return
      if (this.#ready) void this.#onKnock(m.body)
      else this.#pendingKnocks.push(m.body)
      return
    }
    if (stored.hidden != null || m.authorId === me) return
    if (m.body.k === 'profile') {
      const info: { box?: Uint8Array, name: string, avatar?: string, time: number } = { name: m.body.name, time: m.time }
      if (m.body.box != null) info.box = m.body.box
      if (m.body.avatar != null) info.avatar = m.body.avatar
      this.#observe(m.authorId, info)
    }
    if (stored.direct === m.authorId && this.#ready) this.#maybeDropKnockRoom(m.authorId)
  }

  /** Our direct room with `userId` was left: knocks sent before now do not bring it back. */
  onLeft (stored: StoredRoom): void {
    if (stored.direct == null || stored.hidden != null) return
    const c = this.#book.pinned(stored.direct)
    if (c == null) return
    c.leftAt = Date.now()
    void this.#book.save().catch(() => {})
  }

  #observe (userId: string, info: { box?: Uint8Array, name?: string, avatar?: string, time: number }): void {
    const result = this.#book.observe(userId, info)
    if (result === 'key-change') {
      void this.#book.save().catch(() => {})
      this.#host.emit({ userId, reason: 'key-change' })
    }
  }

  async #onKnock (body: Extract<Body, { k: 'knock' }>): Promise<void> {
    const me = this.#host.identity
    let knock
    try {
      knock = await openKnock(me, body)
    } catch {
      // Not for us, altered or forged: anyone who knows our id can write to the inbox.
      this.#host.count('knock-invalid')
      return
    }
    if (knock.userId === me.userId) return
    const pinned = this.#book.pinned(knock.userId)
    if (pinned?.leftAt != null && knock.time <= pinned.leftAt) return
    // Already talking (every start reads every old knock again): only look for a key change, write nothing.
    if (pinned != null && this.#host.storedRooms().some(s => s.direct === knock.userId && s.hidden == null)) {
      this.#observe(knock.userId, { box: knock.boxPublicKey, time: knock.time, ...(knock.name != null ? { name: knock.name } : {}) })
      return
    }
    try {
      await this.#serial(async () => await this.#openWith({ card: knock, time: knock.time }, false))
    } catch {
      this.#host.count('knock-failed')
    }
  }

  // ── opening a direct room ───────────────────────────────────────────────────────────────────────────────────
  /**
   * The other user's card from a contact link, or from what we know of a user id (pinned contact, then profiles in
   * shared rooms). Throws InvalidContactLinkError, InvalidArgumentError (bad id) or NotFoundError (no key known).
   */
  async #resolve (ref: string): Promise<{ card: ContactCard, time: number }> {
    if (typeof ref !== 'string' || ref.trim().length === 0) throw new InvalidArgumentError('give a user id or a contact link')
    if (isContactLink(ref)) return { card: await parseContactLink(ref), time: Date.now() }
    const userId = ref.trim()
    const publicKey = publicKeyFromUserId(userId)
    if (userId === this.#host.identity.userId) throw new InvalidArgumentError('that is your own user id')
    const pinned = this.#book.pinned(userId)
    if (pinned != null) return { card: { userId, publicKey, boxPublicKey: pinned.boxPublicKey, ...(pinned.name != null ? { name: pinned.name } : {}) }, time: 0 }
    const seen = this.#book.seen(userId)
    if (seen?.boxPublicKey != null) return { card: { userId, publicKey, boxPublicKey: seen.boxPublicKey, ...(seen.name != null ? { name: seen.name } : {}) }, time: 0 }
    throw new NotFoundError(`no key known for ${userId}: ask them for their contact link, or share a room with them first`)
  }

  /** Pins the card (first key wins; a different one is a key change) and joins the direct room of the pinned key. */
  async #openWith (from: { card: ContactCard, time: number }, clearLeft: boolean): Promise<{ info: RoomInfo, contact: PinnedContact }> {
    const { card } = from
    if (card.userId === this.#host.identity.userId) throw new InvalidArgumentError('that is your own user id')
    const known = this.#book.pinned(card.userId)
    const info: { box: Uint8Array, name?: string, time: number } = { box: card.boxPublicKey, time: from.time }
    if (card.name != null) info.name = card.name
    this.#observe(card.userId, info)
    const contact = this.#book.pin(card.userId, card.publicKey, card.boxPublicKey, card.name ?? this.#book.seen(card.userId)?.name)
    if (clearLeft) delete contact.leftAt
    await this.#book.save()
    if (known == null) this.#host.emit({ userId: card.userId, reason: 'added' })
    const room = await this.#host.join({
      secret: directRoomSecret(this.#host.identity, contact.boxPublicKey), name: this.#displayName(card.userId), joinedAt: Date.now(), direct: card.userId
    })
    return { info: room, contact }
  }

  /** See Chat.openDirect. */
  async openDirect (ref: string, options: OpenDirectOptions = {}): Promise<RoomInfo> {
    const resolved = await this.#resolve(ref)
    const { info, contact } = await this.#serial(async () => await this.#openWith(resolved, true))
    if (!this.#host.hasMessageFrom(info.id, contact.userId)) await this.#knock(contact, options)
    return this.decorate(info)
  }

  /** Leaves a knock in the other user's inbox, once (the knock room stays until they write in the direct room). */
  async #knock (contact: PinnedContact, options: OpenDirectOptions): Promise<void> {
    const me = this.#host.identity
    // One serial step, so the knock room cannot be dropped (the other side wrote meanwhile) between join and send.
    const sent = await this.#serial(async () => {
      if (this.#host.storedRooms().some(s => s.hidden === 'knock' && s.direct === contact.userId)) return undefined
      const direct = this.#host.storedRooms().find(s => s.direct === contact.userId && s.hidden == null)
      if (direct != null && this.#host.hasMessageFrom(this.#roomId(direct), contact.userId)) return undefined
      const knockRoom = await this.#host.join({
        secret: inboxRoomSecret(contact.publicKey), name: 'knock', joinedAt: Date.now(), hidden: 'knock', direct: contact.userId
      })
      const name = this.#host.displayName()
      const sealed = await sealKnock(me, contact, name != null ? { name } : {})
      return { room: knockRoom.id, id: await this.#host.sendAs(knockRoom.id, sealed.body, sealed.author) }
    })
    if (sent != null && options.waitForRelayMs != null && options.waitForRelayMs > 0) await this.#host.waitForRelayHold(sent.room, sent.id, options.waitForRelayMs)
  }

  #maybeDropKnockRoom (userId: string): void {
    const direct = this.#host.storedRooms().find(s => s.direct === userId && s.hidden == null)
    const knock = this.#host.storedRooms().find(s => s.direct === userId && s.hidden === 'knock')
    if (direct == null || knock == null) return
    const directId = this.#roomId(direct)
    if (!this.#host.hasMessageFrom(directId, userId)) return
    void this.#serial(async () => { await this.#host.leave(this.#roomId(knock)) }).catch(() => {})
  }

  // ── contacts ────────────────────────────────────────────────────────────────────────────────────────────────
  #displayName (userId: string): string {
    return this.#book.seen(userId)?.name ?? this.#book.pinned(userId)?.name ?? shortId(userId)
  }

  /** A direct room's info with the other user's current name; other rooms unchanged. */
  decorate (info: RoomInfo, stored?: StoredRoom): RoomInfo {
    const userId = stored?.direct ?? info.direct?.userId
    if (userId == null) return info
    return { ...info, name: this.#displayName(userId), invite: '', direct: { userId } }
  }

  async contactLink (): Promise<string> {
    const name = this.#host.displayName()
    const init: { name?: string, origin?: string } = {}
    if (name != null) init.name = name
    const origin = this.#host.inviteOrigin()
    if (origin != null) init.origin = origin
    return await createContactLink(this.#host.identity, init)
  }

  #info (userId: string): ContactInfo {
    const me = this.#host.identity
    const publicKey = publicKeyFromUserId(userId)
    const pinned = this.#book.pinned(userId)
    const seen = this.#book.seen(userId)
    const box = pinned?.changedBoxKey ?? pinned?.boxPublicKey ?? seen?.boxPublicKey
    const out: ContactInfo = {
      userId, fingerprint: fingerprint(publicKey), verified: pinned?.verified ?? false, keyChanged: pinned?.changedBoxKey != null, pinned: pinned != null
    }
    const name = seen?.name ?? pinned?.name
    if (name != null) out.name = name
    if (seen?.avatar != null) out.avatar = seen.avatar
    if (box != null) out.safetyNumber = safetyNumber(me, { publicKey, boxPublicKey: box })
    const direct = this.#host.storedRooms().find(s => s.direct === userId && s.hidden == null)
    if (direct != null) out.directRoom = this.#roomId(direct)
    if (name != null) {
      const same = this.#book.allPinned().filter(c => c.userId !== userId && (this.#book.seen(c.userId)?.name ?? c.name) === name).map(c => c.userId)
      if (same.length > 0) out.sameNameAs = same
    }
    return out
  }

  /** Pinned contacts (people we have a direct room with, or verified). */
  contacts (): ContactInfo[] {
    return this.#book.allPinned().map(c => this.#info(c.userId))
  }

  /** What we know of one user (pinned or only seen in a room). Throws InvalidArgumentError / NotFoundError. */
  contact (userId: string): ContactInfo {
    publicKeyFromUserId(userId)
    if (this.#book.pinned(userId) == null && this.#book.seen(userId) == null) throw new NotFoundError(`no contact ${userId}: open a direct room with them or share a room first`)
    return this.#info(userId)
  }

  /**
   * Marks the user verified (pinning the key we know for them, accepting a pending key change). With `link`, the
   * keys in their contact link must match the ones we hold, or InvalidArgumentError says they differ.
   */
  async verifyContact (userId: string, options: { link?: string } = {}): Promise<ContactInfo> {
    const publicKey = publicKeyFromUserId(userId)
    if (userId === this.#host.identity.userId) throw new InvalidArgumentError('that is your own user id')
    let card: ContactCard | undefined
    if (options.link != null) {
      card = await parseContactLink(options.link)
      const have = this.#book.pinned(userId)
      const box = have?.changedBoxKey ?? have?.boxPublicKey ?? this.#book.seen(userId)?.boxPublicKey
      if (card.userId !== userId) throw new InvalidArgumentError('this contact link belongs to someone else')
      if (box != null && !bytesEqual(box, card.boxPublicKey)) throw new InvalidArgumentError('the keys in this contact link differ from the ones we know for this user')
    }
    if (this.#book.pinned(userId) == null) {
      const seen = this.#book.seen(userId)
      const box = seen?.boxPublicKey ?? card?.boxPublicKey
      if (box == null) throw new NotFoundError(`no key known for ${userId}: open a direct room with them or share a room first`)
      this.#book.pin(userId, publicKey, box, seen?.name ?? card?.name)
    }
    this.#book.verify(userId)
    await this.#book.save()
    this.#host.emit({ userId, reason: 'verified' })
    return this.#info(userId)
  }
}
