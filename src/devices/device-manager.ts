/**
 * Linked devices (PROTOCOL.md "Linked devices", THREAT_MODEL.md "Linked devices"): one identity on several devices,
 * each with its own libp2p key and its own X25519 box key.
 *
 * - Linking: the new device shows a link code (./link-code.ts); a device holding the identity dials it over
 *   LINK_PROTOCOL and hands over, encrypted, the identity seed, the rooms, the profile and a binding of the new
 *   device signed by the identity (./link-protocol.ts). The new device then restarts as that identity.
 * - The devices room: a hidden room whose secret derives from the identity seed. Devices post their bindings and
 *   revocations there, and device mail (./device-mail.ts, encrypted again to the box keys of the devices that are
 *   not revoked) about rooms joined or left and profile changes. Relays keep it like any room, so a device that was
 *   offline catches up. Per room, the newest operation (author clock) wins on every device.
 * - Revoking: a revocation signed by the identity goes to the devices room and to every room (members stop granting
 *   keys to that device), and every room moves to a new key epoch boxed to everyone except the revoked device's box
 *   key and the identity's own box key (which the revoked device holds with the seed): our other devices get the new
 *   key through their own box keys (src/roles, `extraBoxKeys`).
 *
 * The chat peer hands this module a narrow host, as for direct messages (src/dm).
 */
import nacl from 'tweetnacl'
import { x25519PublicKey } from '#x25519'
import { MAX_JOINED_ROOMS, MAX_LINKED_DEVICES, ROOM_ID_BYTES, TAG_DEVICES_ROOM, TAG_ROOM_ID } from '../constants.ts'
import { InvalidArgumentError, NotFoundError } from '../errors.ts'
import { bytesEqual, toHex } from '../crypto/encoding.ts'
import { deriveKey } from '../crypto/hkdf.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import { identityFromSeed } from '../identity/identity.ts'
import { META_IDENTITY, saveName, saveRooms } from '../chat/local-state.ts'
import { saveAvatar } from '../chat/profile-state.ts'
import { openDeviceMail, sealDeviceMail } from './device-mail.ts'
import { signDeviceBinding, signDeviceRevocation, verifyDeviceRecord } from './device-record.ts'
import { DeviceRegistry } from './device-registry.ts'
import { linkWithCode, openLinkOffer } from './link-protocol.ts'
import type { StoredRoom } from '../chat/local-state.ts'
import type { Body, OpenedMessage } from '../envelope/types.ts'
import type { StorageBackend } from '../history/types.ts'
import type { Identity } from '../identity/identity.ts'
import type { DeviceKeyPair, DeviceMailContent, DeviceMailOp } from './device-mail.ts'
import type { DeviceInfo } from './device-registry.ts'
import type { LinkPayload } from './link-payload.ts'
import type { Libp2p } from '@libp2p/interface'

/** Meta keys of this module. */
export const META_DEVICE_BOX_KEY = 'device-box-key'
export const META_DEVICE_RECORDS = 'device-records'
export const META_DEVICE_SYNC = 'device-sync'
export const META_DEVICE_BINDING_PENDING = 'device-binding-pending'
/** Users whose device bindings we track (for epoch grants to their devices). */
const MAX_TRACKED_USERS = 10_000
/** Device mails kept until the binding of their sender device arrives. */
const MAX_PENDING_MAILS = 64
const MAX_META_BYTES = 256 * 1024
/** How long a new device waits for a relay circuit address before showing a code without one. */
const WAIT_FOR_CIRCUIT_MS = 10_000
/** Key of the profile in the last-operation map (room ids are 64 hex characters, so no clash). */
const PROFILE_KEY = 'profile'

/** The secret of this identity's devices room (everything else derives from it like for any room). */
export function devicesRoomSecret (identity: Identity): Uint8Array {
  return deriveKey(identity.seed, TAG_DEVICES_ROOM, 32)
}

/** What the chat peer gives this module. Room ids are lowercase hex. */
export interface DeviceHost {
  readonly identity: Identity
  readonly storage: StorageBackend
  /** This device's name (ChatInit.deviceName). */
  deviceName: () => string
  node: () => Libp2p | undefined
  hasRelays: () => boolean
  join: (stored: StoredRoom) => Promise<unknown>
  leave: (roomId: string) => Promise<void>
  /** Stored records of every joined room, hidden ones included. */
  storedRooms: () => StoredRoom[]
  /** Seals and stores a message of ours in a room (resolves once durable). */
  send: (roomId: string, body: Body) => Promise<void>
  profile: () => { name?: string, avatar?: string }
  /** Applies a profile another device of ours set (stored and announced, not mailed back). */
  applyProfile: (profile: { name: string, avatar: string | null }) => Promise<void>
  /** Starts a new key epoch in a room without the given box keys; false when the room cannot rotate. */
  rotate: (roomId: string, excludeBoxKeys: Uint8Array[]) => Promise<boolean>
  count: (reason: string) => void
  emit: () => void
  /** A user's device keys changed (binding or revocation): membership folds must see the new `extraBoxKeys`. */
  keysChanged: (userId: string) => void
  /**
   * Our own device list changed after start (a device linked, revoked): rooms re-check which of our box keys lack
   * the current epoch key and grant it (src/roles), so a device linked after a rekey can read.
   */
  ownDevicesChanged: () => void
}

/** What `createLinkOffer` returns on the new device. */
export interface LinkOfferHandle {
  /** The code to show (as text and QR code) and to enter on the device that holds the identity. */
  code: string
  /** When the code stops working (ms). */
  expires: number
  /**
   * Resolves once a device linked this one: the identity, rooms and profile are stored. The running chat still uses
   * the previous identity: close it and open it again (the web app reloads).
   */
  done: Promise<LinkedIdentity>
  cancel: () => Promise<void>
}

/** What a new device received when it was linked. */
export interface LinkedIdentity {
  userId: string
  /** Rooms handed over (history follows through relays and peers). */
  rooms: number
  restartRequired: true
  /**
   * The identity seed, for apps that keep the identity themselves and pass it to `createChat` (the web app): they
   * must store this one instead. A secret: never log or display it.
   */
  seed: Uint8Array
  /** The profile handed over. */
  name?: string
  avatar?: string
}

/** What `revokeDevice` did. */
export interface RevokeResult {
  device: DeviceInfo
  /** Rooms moved to a new key epoch the revoked device cannot read. */
  rotated: number
  /** Rooms that could not rotate (e.g. our role there does not allow it): the revoked device can still read them. */
  notRotated: string[]
}

async function loadDeviceKey (storage: StorageBackend): Promise<DeviceKeyPair> {
  const stored = await storage.getMeta(META_DEVICE_BOX_KEY)
  if (stored?.length === nacl.box.secretKeyLength) return { publicKey: x25519PublicKey(stored), secretKey: Uint8Array.from(stored) }
  const pair = nacl.box.keyPair()
  await storage.setMeta(META_DEVICE_BOX_KEY, pair.secretKey)
  return pair
}

/** The room id of a secret (as deriveRoomKeys computes it, without deriving every other key). */
function roomIdOf (secret: Uint8Array): string {
  return toHex(deriveKey(secret, TAG_ROOM_ID, ROOM_ID_BYTES))
}

export class DeviceManager {
  readonly #host: DeviceHost
  readonly #key: DeviceKeyPair
  readonly #peerId: string
  readonly #registries = new Map<string, DeviceRegistry>()
  /** Per room id (and PROFILE_KEY): author time of the newest operation applied on this device. */
  readonly #last = new Map<string, number>()
  readonly #pendingMails: Array<{ box: Uint8Array, time: number }> = []
  /** Rooms being joined or left because another device said so (not mailed back). */
  readonly #applying = new Map<string, 'join' | 'leave'>()
  #applyingProfile = false
  #chain: Promise<unknown> = Promise.resolve()
  #started = false
  /** Set once the stored logs were processed: later changes of our devices are news. */
  #ready = false

  private constructor (host: DeviceHost, key: DeviceKeyPair, peerId: string) {
    this.#host = host
    this.#key = key
    this.#peerId = peerId
  }

  /** Loads this device's box key (made on first use) and the device state kept in storage. */
  static async create (host: DeviceHost, peerId: string): Promise<DeviceManager> {
    const m = new DeviceManager(host, await loadDeviceKey(host.storage), peerId)
    const sync = await host.storage.getMeta(META_DEVICE_SYNC)
    if (sync != null) {
      try {
        const v = decodeCbor(sync, { maxBytes: MAX_META_BYTES, maxItems: MAX_JOINED_ROOMS * 4 })
        if (isMap(v)) for (const [k, t] of Object.entries(v)) if (typeof t === 'number') m.#last.set(k, t)
      } catch { host.count('device-state-damaged') }
    }
    const records = await host.storage.getMeta(META_DEVICE_RECORDS)
    if (records != null) {
      try {
        const list = decodeCbor(records, { maxBytes: MAX_META_BYTES, maxItems: MAX_LINKED_DEVICES * 8 })
        if (Array.isArray(list)) for (const r of list) if (r instanceof Uint8Array) await m.#addRecord(r, host.identity.userId)
      } catch { host.count('device-state-damaged') }
    }
    return m
  }

  #serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn)
    this.#chain = run.catch(() => {})
    return run
  }

  get #me (): string { return this.#host.identity.userId }

  #own (): DeviceRegistry {
    return this.#registry(this.#me) as DeviceRegistry
  }

  #registry (userId: string): DeviceRegistry | undefined {
    let r = this.#registries.get(userId)
    if (r == null) {
      if (this.#registries.size >= MAX_TRACKED_USERS) return undefined
      r = new DeviceRegistry()
      this.#registries.set(userId, r)
    }
    return r
  }

  #devicesRoomId (): string {
    return roomIdOf(devicesRoomSecret(this.#host.identity))
  }

  /** True once this device is linked with another (the devices room is joined). */
  get enabled (): boolean {
    return this.#host.storedRooms().some(s => s.hidden === 'devices')
  }

  /** After the stored rooms are open (and the network started, when online): posts our binding when it is missing. */
  async start (): Promise<void> {
    this.#started = true
    // Records and mail of the stored logs are processed first, so devices() is right as soon as the chat is open.
    await this.idle()
    this.#ready = true
    if (!this.enabled || this.#host.node() == null) return
    await this.#serial(async () => {
      const pending = await this.#host.storage.getMeta(META_DEVICE_BINDING_PENDING)
      if (pending != null && pending.length > 0) {
        // The binding the linking device signed for us: our rooms' members learn our box key from it.
        for (const r of [this.#devicesRoomId(), ...this.#visibleRoomIds()]) {
          await this.#host.send(r, { k: 'device', rec: pending }).catch(() => { this.#host.count('device-post-failed') })
        }
        await this.#host.storage.setMeta(META_DEVICE_BINDING_PENDING, new Uint8Array(0))
      }
      await this.#postOwnBinding()
    })
  }

  // ── hooks the chat calls ──────────────────────────────────────────────────────────────────────────────────────
  /** Every stored message the chat opens, in every room (also at a cold start). */
  onOpened (stored: StoredRoom, m: OpenedMessage): void {
    const b = m.body
    if (b.k === 'device') {
      void this.#serial(async () => {
        if (await this.#addRecord(b.rec, m.authorId)) this.#changed(m.authorId)
      })
    } else if (b.k === 'devmail' && stored.hidden === 'devices' && m.authorId === this.#me) {
      void this.#serial(async () => { await this.#onMail(b.box, m.time) })
    }
  }

  /** A room was joined on this device (by the user, an invite, an import, a direct message). */
  onJoined (stored: StoredRoom): void {
    if (stored.hidden != null) return
    const id = roomIdOf(stored.secret)
    if (this.#applying.get(id) === 'join') return
    void this.#serial(async () => {
      await this.#localOp({ k: 'join', room: stored })
      // Members of the new room learn our devices' box keys (epoch grants reach each of them).
      if (!this.enabled) return
      const own = this.#own()
      for (const b of own.active()) {
        const rec = own.bindingBytes(b.peerId)
        if (rec != null) await this.#host.send(id, { k: 'device', rec }).catch(() => { this.#host.count('device-post-failed') })
      }
    })
  }

  /** A room was left on this device. */
  onLeft (stored: StoredRoom): void {
    if (stored.hidden != null) return
    const id = roomIdOf(stored.secret)
    // Only the leave we are applying is not mailed back: a user who leaves a room while another device's join of it is
    // still being applied (the room already shows, its first sends are under way) leaves it on every device too.
    if (this.#applying.get(id) === 'leave') return
    void this.#serial(async () => { await this.#localOp({ k: 'leave', roomId: id }) })
  }

  /** The profile was set on this device. */
  onProfile (): void {
    if (this.#applyingProfile) return
    void this.#serial(async () => {
      const now = Date.now()
      this.#last.set(PROFILE_KEY, now)
      await this.#saveSync()
      await this.#mail({ time: now, ops: [], ...this.#profileField() })
    })
  }

  /** Waits for the queued device work (tests, close). */
  async idle (): Promise<void> {
    await this.#chain
  }

  // ── what this module tells the rest of the chat ──────────────────────────────────────────────────────────────
  /** This device's own X25519 key pair (epoch grants to this device are boxed to it). */
  get boxKeyPair (): DeviceKeyPair { return this.#key }

  /**
   * Box keys of a user's devices that are not revoked, from the device bindings seen in any room: epoch keys are
   * boxed to them too (src/roles `FoldInput.extraBoxKeys`).
   */
  extraBoxKeys (userId: string): Uint8Array[] {
    return this.#registries.get(userId)?.active().map(b => b.boxPublicKey) ?? []
  }

  /** This user's devices (this one first when it has no binding yet). */
  devices (): DeviceInfo[] {
    const list = this.#own().list(this.#peerId)
    if (!list.some(d => d.current)) list.unshift({ id: this.#peerId, name: this.#host.deviceName(), addedAt: 0, current: true, revoked: false })
    return list
  }

  // ── linking ─────────────────────────────────────────────────────────────────────────────────────────────────
  /** New device: opens a link offer (see {@link LinkOfferHandle}). */
  async createLinkOffer (): Promise<LinkOfferHandle> {
    const node = this.#host.node()
    if (node == null) throw new InvalidArgumentError('linking needs the network: start the chat online, connected to a relay')
    const offer = await openLinkOffer({
      node,
      deviceKey: this.#key,
      deviceName: this.#host.deviceName(),
      waitForCircuitMs: this.#host.hasRelays() ? WAIT_FOR_CIRCUIT_MS : 0,
      accept: async (payload) => { await this.#acceptPayload(payload) }
    })
    const done = offer.done.then((p): LinkedIdentity => ({
      userId: identityFromSeed(p.seed).userId,
      rooms: p.rooms.length,
      restartRequired: true,
      seed: p.seed,
      ...(p.name != null ? { name: p.name } : {}),
      ...(p.avatar != null ? { avatar: p.avatar } : {})
    }))
    done.catch(() => {})
    return { code: offer.code, expires: offer.expires, done, cancel: offer.cancel }
  }

  /** Checks what arrived and stores it as this device's identity, rooms and profile (before acknowledging). */
  async #acceptPayload (payload: LinkPayload): Promise<void> {
    const identity = identityFromSeed(payload.seed)
    const binding = await verifyDeviceRecord(payload.binding)
    if (binding.kind !== 'bind' || binding.userId !== identity.userId || binding.peerId !== this.#peerId || !bytesEqual(binding.boxPublicKey, this.#key.publicKey)) {
      throw new InvalidArgumentError('the device binding in the link payload is not for this device')
    }
    const storage = this.#host.storage
    // Rooms of the identity this device had before stay joined (their secrets are not tied to an identity); its
    // hidden rooms (inbox, knocks, devices) belong to that identity and are dropped.
    const rooms = new Map<string, StoredRoom>()
    for (const r of this.#host.storedRooms()) if (r.hidden == null) rooms.set(roomIdOf(r.secret), r)
    for (const r of payload.rooms) rooms.set(roomIdOf(r.secret), r)
    rooms.set(roomIdOf(devicesRoomSecret(identity)), { secret: devicesRoomSecret(identity), name: '', joinedAt: Date.now(), hidden: 'devices' })
    await storage.setMeta(META_DEVICE_RECORDS, encodeCbor([payload.binding, ...payload.records]))
    // Posted by this device at its next start too, in case the linking device lost the connection after sending.
    await storage.setMeta(META_DEVICE_BINDING_PENDING, payload.binding)
    await storage.setMeta(META_DEVICE_SYNC, encodeCbor({}))
    await saveRooms(storage, [...rooms.values()].slice(0, MAX_JOINED_ROOMS))
    if (payload.name != null) await saveName(storage, payload.name)
    await saveAvatar(storage, payload.avatar)
    // The identity last: a crash before this line leaves the device as it was.
    await storage.setMeta(META_IDENTITY, identity.seed)
  }

  /** Existing device: links the device showing `code` to this identity. */
  async linkDevice (code: string): Promise<DeviceInfo> {
    const node = this.#host.node()
    if (node == null) throw new InvalidArgumentError('linking needs the network: start the chat online, connected to a relay')
    if (!this.#started) throw new InvalidArgumentError('chat is not started')
    const own = this.#own()
    if (own.isRevoked(this.#peerId)) throw new InvalidArgumentError('this device was revoked: link the new device from one that is not')
    await this.#serial(async () => { await this.#enable() })
    const identity = this.#host.identity
    let bindingBytes: Uint8Array | undefined
    const device = await linkWithCode(node, code, async (d) => {
      if (own.isRevoked(d.peerId)) throw new InvalidArgumentError('that device was revoked; it must start over with a new data directory')
      bindingBytes = await signDeviceBinding(identity, { peerId: d.peerId, boxPublicKey: d.boxPublicKey, name: d.name })
      const profile = this.#host.profile()
      const payload: LinkPayload = {
        seed: identity.seed,
        rooms: this.#host.storedRooms().filter(r => r.hidden == null),
        binding: bindingBytes,
        records: own.records()
      }
      if (profile.name != null) payload.name = profile.name
      if (profile.avatar != null) payload.avatar = profile.avatar
      return payload
    })
    await this.#serial(async () => {
      const bytes = bindingBytes as Uint8Array
      await this.#addRecord(bytes, this.#me)
      await this.#saveRecords()
      await this.#host.send(this.#devicesRoomId(), { k: 'device', rec: bytes })
      // Members of our rooms learn both devices' box keys, so their later epochs reach every device of ours.
      const ownBytes = own.bindingBytes(this.#peerId)
      for (const r of this.#visibleRoomIds()) {
        for (const rec of ownBytes != null ? [ownBytes, bytes] : [bytes]) {
          await this.#host.send(r, { k: 'device', rec }).catch(() => { this.#host.count('device-post-failed') })
        }
      }
    })
    this.#changed(this.#me)
    return this.devices().find(d => d.id === device.peerId) as DeviceInfo
  }

  /** Joins the devices room (first link) and makes sure our binding is in it. */
  async #enable (): Promise<void> {
    if (!this.enabled) {
      await this.#host.join({ secret: devicesRoomSecret(this.#host.identity), name: '', joinedAt: Date.now(), hidden: 'devices' })
    }
    await this.#postOwnBinding()
  }

  async #postOwnBinding (): Promise<void> {
    const own = this.#own()
    if (own.isRevoked(this.#peerId)) return
    const existing = own.binding(this.#peerId)
    if (existing != null && bytesEqual(existing.boxPublicKey, this.#key.publicKey)) return
    const bytes = await signDeviceBinding(this.#host.identity, { peerId: this.#peerId, boxPublicKey: this.#key.publicKey, name: this.#host.deviceName() })
    await this.#addRecord(bytes, this.#me)
    await this.#saveRecords()
    await this.#host.send(this.#devicesRoomId(), { k: 'device', rec: bytes })
  }

  // ── revoking ────────────────────────────────────────────────────────────────────────────────────────────────
  /**
   * Revokes one of this user's other devices (by its id from `devices()`): posts the signed revocation to the
   * devices room and to every room, and moves every room to a key epoch the revoked device cannot read.
   */
  async revokeDevice (id: string): Promise<RevokeResult> {
    const own = this.#own()
    const binding = own.binding(id)
    if (binding == null) throw new NotFoundError(`no device ${id} (see: chatsphere device list)`)
    if (id === this.#peerId) throw new InvalidArgumentError('this is the device you are using: revoke it from another device')
    if (own.isRevoked(id)) throw new InvalidArgumentError('that device is already revoked')
    return await this.#serial(async () => {
      const rec = await signDeviceRevocation(this.#host.identity, id)
      await this.#addRecord(rec, this.#me)
      await this.#saveRecords()
      if (this.enabled) await this.#host.send(this.#devicesRoomId(), { k: 'device', rec })
      const exclude = [binding.boxPublicKey, this.#host.identity.boxPublicKey]
      let rotated = 0
      const notRotated: string[] = []
      for (const r of this.#visibleRoomIds()) {
        await this.#host.send(r, { k: 'device', rec }).catch(() => { this.#host.count('device-post-failed') })
        const ok = await this.#host.rotate(r, exclude).catch(() => false)
        if (ok) rotated++
        else notRotated.push(r)
      }
      this.#changed(this.#me)
      const device = this.devices().find(d => d.id === id) as DeviceInfo
      return { device, rotated, notRotated }
    })
  }

  // ── device mail ─────────────────────────────────────────────────────────────────────────────────────────────
  #visibleRoomIds (): string[] {
    return this.#host.storedRooms().filter(s => s.hidden == null).map(s => roomIdOf(s.secret))
  }

  #profileField (): { profile?: { name: string, avatar: string | null } } {
    const p = this.#host.profile()
    return p.name != null ? { profile: { name: p.name, avatar: p.avatar ?? null } } : {}
  }

  async #localOp (op: DeviceMailOp): Promise<void> {
    const now = Date.now()
    this.#last.set(op.k === 'join' ? roomIdOf(op.room.secret) : op.roomId, now)
    await this.#saveSync()
    await this.#mail({ time: now, ops: [op] })
  }

  /** Posts mail to every device of ours that is not revoked (when there is another one). */
  async #mail (content: DeviceMailContent): Promise<void> {
    if (!this.enabled || this.#own().isRevoked(this.#peerId)) return
    const to = this.#own().active().map(b => b.boxPublicKey)
    if (!to.some(k => !bytesEqual(k, this.#key.publicKey))) return
    if (!to.some(k => bytesEqual(k, this.#key.publicKey))) to.push(this.#key.publicKey)
    try {
      await this.#host.send(this.#devicesRoomId(), { k: 'devmail', box: sealDeviceMail(this.#key, to.slice(0, MAX_LINKED_DEVICES), content) })
    } catch {
      this.#host.count('device-mail-failed')
    }
  }

  async #onMail (box: Uint8Array, time: number): Promise<void> {
    let opened
    try {
      opened = openDeviceMail(this.#key, box)
    } catch (err) {
      // Mail from before this device was linked, or for others only: not ours to read.
      if ((err as Error).name !== 'DecryptionError') this.#host.count('device-mail-invalid')
      return
    }
    if (bytesEqual(opened.from, this.#key.publicKey)) return
    if (this.#own().activeByBoxKey(opened.from) == null) {
      // The sender's binding may not have arrived yet (sync order); a revoked sender's mail is ignored for good.
      if (this.#pendingMails.length < MAX_PENDING_MAILS) this.#pendingMails.push({ box, time })
      else this.#host.count('device-mail-unknown-sender')
      return
    }
    const c = opened.content
    for (const op of c.ops) {
      const id = op.k === 'join' ? roomIdOf(op.room.secret) : op.roomId
      if ((this.#last.get(id) ?? -1) >= c.time) continue
      this.#last.set(id, c.time)
      const joined = this.#host.storedRooms().some(s => s.hidden == null && roomIdOf(s.secret) === id)
      this.#applying.set(id, op.k)
      try {
        if (op.k === 'join' && !joined) await this.#host.join(op.room)
        if (op.k === 'leave' && joined) await this.#host.leave(id)
      } catch {
        this.#host.count('device-op-failed')
      } finally {
        this.#applying.delete(id)
      }
    }
    if (c.profile != null && (this.#last.get(PROFILE_KEY) ?? -1) < c.time) {
      this.#last.set(PROFILE_KEY, c.time)
      this.#applyingProfile = true
      try {
        await this.#host.applyProfile(c.profile)
      } catch {
        this.#host.count('device-op-failed')
      } finally {
        this.#applyingProfile = false
      }
    }
    await this.#saveSync()
  }

  // ── records ─────────────────────────────────────────────────────────────────────────────────────────────────
  /** Verifies a device record an author posted; returns true when that user's device list changed. */
  async #addRecord (bytes: Uint8Array, authorId: string): Promise<boolean> {
    let rec
    try {
      rec = await verifyDeviceRecord(bytes)
    } catch {
      this.#host.count('device-record-invalid')
      return false
    }
    // Only the user's own statements count: a record posted by someone else is a replay.
    if (rec.userId !== authorId) {
      this.#host.count('device-record-foreign')
      return false
    }
    const reg = this.#registry(rec.userId)
    if (reg == null) return false
    const changed = reg.add(rec, bytes)
    if (changed) {
      this.#host.keysChanged(rec.userId)
      if (this.#ready && rec.userId === this.#me) this.#host.ownDevicesChanged()
    }
    return changed
  }

  #changed (userId: string): void {
    if (userId !== this.#me) return
    // A sender's binding may have arrived after its mail.
    const pending = this.#pendingMails.splice(0)
    for (const p of pending) void this.#serial(async () => { await this.#onMail(p.box, p.time) })
    this.#host.emit()
  }

  async #saveRecords (): Promise<void> {
    await this.#host.storage.setMeta(META_DEVICE_RECORDS, encodeCbor(this.#own().records())).catch(() => {})
  }

  async #saveSync (): Promise<void> {
    await this.#host.storage.setMeta(META_DEVICE_SYNC, encodeCbor(Object.fromEntries(this.#last))).catch(() => {})
  }
}
