/**
 * The chat peer behind `createChat`: rooms as gossipsub topics, messages through the envelope into each room's
 * validated log, relays asked to keep our rooms, catch-up sync with every peer that shares a room, presence, typing,
 * read markers and honest delivery states.
 */
import { TypedEventEmitter } from '@libp2p/interface'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { createChatNode } from '#libp2p-node'
import { afterPaint } from '#after-paint'
import {
  CATCH_UP_MS, DELIVERY_CHECK_MS, KEEP_REFRESH_MS, SEEN_UPDATE_MS, LOST_PUBLISH_MS, MAX_JOINED_ROOMS, OPEN_SLICE_MS, PRESENCE_INTERVAL_MS,
  PRESENCE_RETRIES, PRESENCE_RETRY_MS, SHOWN_TAIL_FRAMES, SHOWN_TAIL_SAVE_MS, TYPING_TIMEOUT_MS
} from '../constants.ts'
import { earlyReadModel, openShownTail, sealShownTail, shownTailMetaKey, shownTailOf } from './shown-tail.ts'
import type { ShownTail } from './shown-tail.ts'
import { fromHex, toHex } from '../crypto/encoding.ts'
import { FrameKind, openFrame, sealMessage, ReplayGuard, verifyFrame as verifyRoomFrame } from '../envelope/index.ts'
import { frameIdText } from './frame-id.ts'
import { CorruptStoreError, InvalidArgumentError, MalformedError, NotFoundError } from '../errors.ts'
import { openRoomLog, roomFrameVerifier } from '../history/room-log.ts'
import { frameFingerprint, loadOpenedFrames, OpenedFrames, openedFramesMetaKey, saveOpenedFrames } from '../history/opened-frames.ts'
import { reopenFrame } from '../envelope/open.ts'
import { openAhead } from '../history/open-ahead.ts'
import { decodeStateVector } from '../history/state-vector.ts'
import { fingerprint } from '../identity/user-id.ts'
import { peerScore, scoreTopic, unscoreTopic } from '../net/gossipsub-options.ts'
import { hangUpLater, RejectStrikes } from '../net/reject-strikes.ts'
import { abortConnections, installPromptGraylist } from '../net/prompt-graylist.ts'
import { installSubscriptionGuard } from '../net/subscription-guard.ts'
import { preferDirectPubsub } from '../net/prefer-direct-pubsub.ts'
import { canSendTo } from '../net/outbound-ready.ts'
import { settledWithin, waitUntil } from '../net/wait-until.ts'
import { RelayRetry } from './relay-retry.ts'
import { RelayConnector } from '../net/relay-connector.ts'
import { DirectUpgrader } from '../net/direct-upgrader.ts'
import { PeerDirectory } from './peer-paths.ts'
import { cachedVerifier, liveFrameVerifier, recordingVerifier, VerifiedFrames } from '../net/verified-frames.ts'
import { SendCoalescer } from './send-coalescer.ts'
import { OwnMessages, seenState, walkSeen } from './own-messages.ts'
import type { Mine, SeenState } from './own-messages.ts'
import { createUpdateGuard } from '../history/guard.ts'
import { createInviteLink, parseInviteLink } from '../room/invite.ts'
import { createRoomSecret, deriveRoomKeys } from '../room/keys.ts'
import { describeConnection } from './connection-info.ts'
import { durableStore } from './durable-store.ts'
import { dropReasonOf } from './drop-reasons.ts'
import { foldMessages } from '../history/read-model.ts'
import { requestKeep } from './keep-client.ts'
import { MAX_KEEP_IDS } from '../net/keep-request.ts'
import { legacyRoomSeq, loadDevice, loadIdentity, loadName, loadPeerKey, loadRooms, META_DEVICE, META_IDENTITY, META_NAME, META_PEER_KEY, META_ROOMS, saveName, saveRooms, SequenceCounter } from './local-state.ts'
import { prefetchMeta } from './meta-prefetch.ts'
import { META_CONTACTS } from '../dm/contact-book.ts'
import { roomSync } from './room-sync.ts'
import { syncAuth } from './sync-auth.ts'
import { archiveUpdates, decodeRoomArchive, encodeRoomArchive, importUpdates } from './room-archive.ts'
import { loadAvatar, META_AVATAR, saveAvatar } from './profile-state.ts'
import { fileBodyOf, mediaFileInfo, openChatMedia } from '../media/chat-media.ts'
import type { SyncAuth } from '../history/sync.ts'
import type { MediaService } from '../media/service.ts'
import type { FetchFileOptions, FileInput, MediaFileInfo } from '../media/types.ts'
import { genesisMetaKey, RoomRoles } from '../roles/room-roles.ts'
import * as roleActions from '../roles/actions.ts'
import { memberList, REFRESH_KINDS } from '../roles/fold.ts'
import { applyModeration, gapsBesidesLocked } from '../roles/moderation-view.ts'
import type { RolesHost } from '../roles/actions.ts'
import type { ModerationEntry, Role, RoleInfo, RoleState, RoomSettings, RotateEpochOptions } from '../roles/types.ts'
import { DirectMessages } from '../dm/direct-messages.ts'
import type { DirectHost } from '../dm/direct-messages.ts'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { DeviceManager, META_DEVICE_BOX_KEY, META_DEVICE_RECORDS, META_DEVICE_SYNC } from '../devices/device-manager.ts'
import type { DeviceHost } from '../devices/device-manager.ts'
import type { DeviceInfo, LinkOfferHandle, RevokeResult } from '../devices/types.ts'
import type { Chat, ChatEvents, ChatInit, ConnectionInfo, ContactInfo, ImportedRoom, MemberInfo, PeerPath, PresenceInfo, RoomInfo, SentMessage } from './types.ts'
import type { Body, OpenedMessage } from '../envelope/types.ts'
import type { RoomLog } from '../history/room-log.ts'
import type { UpdateGuard } from '../history/guard.ts'
import type { DeliveryState, Gap, MessageView, StorageBackend } from '../history/types.ts'
import type { Identity } from '../identity/identity.ts'
import type { ChatNode } from '../net/node-types.ts'
import type { RoomKeys } from '../room/keys.ts'
import type { StoredRoom } from './local-state.ts'
import type { DurableStore } from './durable-store.ts'
import type { ReadModel } from '../history/read-model.ts'
import type { Message } from '@libp2p/gossipsub'
import type { KeepResponse } from '../net/keep-request.ts'
import type { PeerId } from '@libp2p/interface'

/** Yjs origin of updates that arrived live (gossipsub), as opposed to sync or import. */
const LIVE_ORIGIN = 'live'

/** Resolves in a later task: whatever the current one queued (a render's microtasks) has run by then. */
async function nextTask (): Promise<void> {
  await new Promise<void>(resolve => { setTimeout(resolve, 0) })
}

/** Resolves in a later task, without a timer (browsers clamp nested timers to 4 ms): a message posted to itself. */
async function yieldTask (): Promise<void> {
  await new Promise<void>(resolve => {
    const { port1, port2 } = new MessageChannel()
    port1.onmessage = () => { port1.close(); resolve() }
    port2.postMessage(null)
  })
}

interface JoinedRoom {
  info: RoomInfo
  stored: StoredRoom
  keys: RoomKeys
  log: RoomLog
  /** The log's store: says when one of our updates is durable (the log itself goes on before that). */
  store: DurableStore
  /** Checks live updates before they queue for the log (verifying in parallel); the log's guard reuses its result. */
  precheck: UpdateGuard
  /** Live updates are applied one after another in arrival order (out of order, Yjs parks and re-merges them). */
  applyChain: Promise<void>
  /** Frames whose room write signature the history guard just verified (or that we sealed): openFrame skips it. */
  verified: VerifiedFrames
  /** Our messages sealed while a publish is under way go out together as one update (src/chat/send-coalescer.ts). */
  sender: SendCoalescer
  /** Opened messages by id (hex); null = the frame did not open (counted). */
  opened: Map<string, OpenedMessage | null>
  /** Messages set in `opened` (not null) so far: with the log's `changes`, says when `inOrder` is still current. */
  openedCount: number
  /** The opened messages in log order as last walked (shared by the roles and read-model folds; never mutated). */
  inOrder?: { changes: number, openedCount: number, list: OpenedMessage[] }
  ephemeralGuard: ReplayGuard
  mine: OwnMessages
  readMarkers: Map<string, string>
  /** What the "seen by N" walk remembers between walks (src/chat/own-messages.ts). */
  seen: SeenState
  /** Pending "seen" update (read markers arrive in bursts: one walk for all of them). */
  seenTimer?: ReturnType<typeof setTimeout>
  presence: Map<string, PresenceInfo>
  typing: Map<string, ReturnType<typeof setTimeout>>
  fold?: ReadModel
  /** Highest seq per `author/device` in `fold` (to extend it without a gap check over the whole room). */
  foldSeqs?: Map<string, number>
  unsubscribeFrames: () => void
  /** Serializes openFrame calls so messages are opened (and announced) in log order. */
  openQueue: Promise<void>
  /** True once a sync with a relay completed since we started. */
  syncedWithRelay: boolean
  /**
   * Next sequence number of our room messages. The log is its durable record: a number is only ever seen by others
   * after the frame carrying it is on disk, so on open we continue after the highest one of this device in the log,
   * and no number is reused or skipped (skipped ones would be reported as missing messages).
   */
  nextSeq: number
  /** Display names from profile messages (latest by author time), kept up to date as frames are opened. */
  names: Map<string, { name: string, time: number, avatar?: string }>
  /** Roles, settings and key epochs (src/roles). */
  roles: RoomRoles
  /** Ids of frames of an epoch whose key we lack: they wait, and open once a grant to us arrives. */
  locked: Set<string>
  /** Grants we sent or are about to send (`epoch/box key hex`). */
  granting: Set<string>
  /** Ignored membership ops already counted in dropped() (`role-<reason>`). */
  rolesCounted: Map<string, number>
  /**
   * True while a tail-first open (ChatInit.tailFirst) opens the room in full in the background: reads get `early`,
   * and whatever needs the whole room (sending, role actions, read markers, keep requests) awaits `loaded` first.
   */
  loading: boolean
  /** Resolves once the room is open in full (at once after a plain open); never rejects. */
  loaded: Promise<void>
  /** While loading: the read model of the last messages shown before (src/chat/shown-tail.ts). */
  early?: ReadModel
  /**
   * Set when a tail-first open could not load or open the room in full (an unreadable log): no longer loading, reads
   * keep the early view, whatever needs the whole room throws this, and nothing of it goes to or comes from the network.
   */
  failed?: Error
  /** Pending rewrite of the room's shown-tail record (tail-first chats). */
  shownTailTimer?: ReturnType<typeof setTimeout>
}

/** Storage opener for `dataDir`, chosen by platform (`#storage`). */
async function openDataDir (dataDir: string): Promise<StorageBackend> {
  const mod = await import('#storage') as { openStorage: (opts: { dir: string }) => Promise<StorageBackend> }
  return await mod.openStorage({ dir: dataDir })
}

export class ChatPeer extends TypedEventEmitter<ChatEvents> implements Chat {
  readonly #storage: StorageBackend
  readonly #ownsStorage: boolean
  readonly #identity: Identity
  readonly #device: number
  readonly #seq: SequenceCounter
  readonly #rooms = new Map<string, JoinedRoom>()
  /** Per room: frames this device already opened with every check; a cold open only decrypts them. */
  readonly #openedFrames = new Map<string, OpenedFrames>()
  readonly #dropped = new Map<string, number>()
  /** Peers whose frames keep failing our validators (disconnected; never our relays). */
  readonly #strikes = new RejectStrikes()
  readonly #init: ChatInit
  #name: string | undefined
  #avatar: string | undefined
  #node: ChatNode | undefined
  #connector: RelayConnector | undefined
  /** Upgrades member peers to direct WebRTC connections (issue 6); absent offline or without WebRTC. */
  #direct: DirectUpgrader | undefined
  readonly #peerDirectory = new PeerDirectory()
  #timers: Array<ReturnType<typeof setInterval>> = []
  /** Presence announcements waiting to be tried again (#announcePresence). */
  readonly #presenceRetries = new Set<ReturnType<typeof setTimeout>>()
  #deliveryTimer: ReturnType<typeof setTimeout> | undefined
  #closed = false
  readonly #sync = roomSync()
  /** Failed keep/sync with a connected relay is retried soon with backoff, not at the next KEEP_REFRESH_MS (issue 8). */
  readonly #relayRetry = new RelayRetry({
    wanted: (relay, roomId) => !this.#closed && this.#rooms.has(roomId) && (this.#connector?.connectedRelays().includes(relay) ?? false)
  })
  /** Media: files we send, serve and fetch (src/media). */
  #media: MediaService | undefined
  /** Direct rooms, inbox knocks and the contact book (src/dm). */
  #dms: DirectMessages | undefined
  /**
   * Linked devices (src/devices). Epoch grants may be boxed to this device's own key (`#devices.boxKeyPair`, with the
   * identity's in RoomRoles `mine`) and to other users' linked devices (`#devices.extraBoxKeys(userId)`).
   */
  #devices: DeviceManager | undefined
  /** Pending pass that grants current epoch keys to our devices after our device list changed. */
  #grantsTimer: ReturnType<typeof setTimeout> | undefined
  /** Full opens of rooms a tail-first open left loading, started once createChat is done (#startBackgroundOpens). */
  readonly #backgroundOpens: Array<{ room: JoinedRoom, start: () => void }> = []
  /** The network's start when it runs behind createChat (ChatInit.networkInBackground); rejects if it failed. */
  #networkStart: Promise<void> | undefined
  /** close() was called: a network start not begun yet is skipped. */
  #closing = false
  /** Gossipsub is started (it throws on subscribe before): rooms joined while it starts are subscribed after. */
  #pubsubStarted = false

  private constructor (init: ChatInit, storage: StorageBackend, ownsStorage: boolean, identity: Identity, device: number, name: string | undefined) {
    super()
    this.#init = init
    this.#storage = storage
    this.#ownsStorage = ownsStorage
    this.#identity = identity
    this.#device = device
    this.#seq = new SequenceCounter(storage)
    this.#name = name
  }

  /** See {@link createChat}. */
  static async create (init: ChatInit): Promise<ChatPeer> {
    if ((init.dataDir == null) === (init.storage == null)) throw new InvalidArgumentError('give exactly one of dataDir or storage')
    const opened = init.storage ?? await openDataDir(init.dataDir as string)
    // Every meta record the start reads before the rooms, read at once (one round trip each on IndexedDB, in turn).
    const storage = prefetchMeta(opened, [...(init.identity == null ? [META_IDENTITY] : []), META_DEVICE, META_NAME, META_AVATAR, META_CONTACTS, META_PEER_KEY, META_DEVICE_BOX_KEY, META_DEVICE_SYNC, META_DEVICE_RECORDS, META_ROOMS])
    try {
      const identity = await loadIdentity(storage, init.identity, init.createIdentity ?? true)
      const device = await loadDevice(storage)
      let name = await loadName(storage)
      if (init.displayName != null && init.displayName !== name) {
        await saveName(storage, init.displayName)
        name = init.displayName
      }
      const chat = new ChatPeer(init, storage, init.storage == null, identity, device, name)
      chat.#avatar = await loadAvatar(storage)
      chat.#media = await openChatMedia(init, storage, {
        room: (id) => {
          const r = chat.#rooms.get(id)
          return r == null ? undefined : { keys: r.keys, fileBody: (msg) => fileBodyOf(r.opened.get(msg)) }
        },
        publish: async (id, body) => { const r = chat.#rooms.get(id); if (r != null) await chat.#publishEphemeral(r, body) },
        relays: () => chat.connectedRelays(),
        drop: (reason, id) => { chat.#count(reason, id == null ? undefined : chat.#rooms.get(id)) },
        upgrade: async (peer) => await chat.upgradeDirect(peer)
      })
      if (init.avatar != null && init.avatar !== chat.#avatar) {
        await saveAvatar(storage, init.avatar)
        chat.#avatar = init.avatar
      }
      chat.#dms = await DirectMessages.create(chat.#directHost(), storage)
      chat.#devices = await DeviceManager.create(chat.#deviceHost(), peerIdFromPrivateKey(await loadPeerKey(storage)).toString())
      const stored = await loadRooms(storage)
      // What each room's open reads first, for all rooms at once (rooms are still opened one after another, in order).
      storage.readAhead(stored.flatMap(r => chat.#openReads(r)))
      for (const r of stored) await chat.#openRoom(r)
      await chat.#dms.start()
      if (init.offline !== true && init.networkInBackground !== true) await chat.#startNetwork()
      await chat.#devices.start()
      if (init.offline !== true && init.networkInBackground === true) chat.#startNetworkBehind()
      chat.#startBackgroundOpens()
      return chat
    } catch (err) {
      if (init.storage == null) await opened.close().catch(() => {})
      throw err
    }
  }

  get user (): Chat['user'] {
    const u: Chat['user'] = { userId: this.#identity.userId, fingerprint: fingerprint(this.#identity.publicKey), publicKey: this.#identity.publicKey }
    if (this.#name != null) u.name = this.#name
    return u
  }

  get peerId (): string | undefined { return this.#node?.peerId.toString() }

  // ── network ────────────────────────────────────────────────────────────────────────────────────────────────────
  /**
   * ChatInit.networkInBackground: the network starts once createChat's caller could paint the rooms (afterPaint),
   * then our device binding is posted (DeviceManager.start, which found no network the first time). Until it is up,
   * sends go to the store only (delivery stays unsent) and reach peers and relays by sync once it is.
   */
  #startNetworkBehind (): void {
    // After the caller's first paint of the rooms (libp2p's start is a long main-thread task in a page).
    const start = afterPaint().then(async () => {
      if (this.#closing) throw new InvalidArgumentError('chat is closed')
      await this.#startNetwork()
      await this.#devices?.start()
    })
    this.#networkStart = start
    start.then(() => { this.safeDispatchEvent('network', { detail: { started: true } }) }, (err: unknown) => {
      if (this.#closing) return
      this.safeDispatchEvent('network', { detail: { started: false, error: err instanceof Error ? err.message : String(err) } })
    })
  }

  /** Resolves once the network is started (see {@link ChatInit.networkInBackground}); rejects if its start failed. */
  async waitForNetwork (): Promise<void> { await this.#networkStart }

  /** What needs the network waits for a start still running behind createChat (a failed one leaves the chat offline). */
  async #networkUp (): Promise<void> { await this.#networkStart?.catch(() => {}) }

  async #startNetwork (): Promise<void> {
    const init = this.#init
    const nodeInit: Parameters<typeof createChatNode>[0] = { privateKey: await loadPeerKey(this.#storage), mdns: init.mdns ?? true }
    if (init.listen != null) nodeInit.listen = init.listen
    if (init.iceServers != null) nodeInit.iceServers = init.iceServers
    if (init.webrtcBindAddress != null) nodeInit.webrtcBindAddress = init.webrtcBindAddress
    if (init.webrtc != null) nodeInit.webrtc = init.webrtc
    const node = await createChatNode(nodeInit)
    this.#node = node
    const pubsub = node.services.pubsub
    // A peer is graylisted by its third rejected frame (not a heartbeat later) and disconnected; never our relays.
    installPromptGraylist(pubsub, {
      exempt: (id) => this.#isRelay(id),
      onGraylisted: (id) => { if (this.#node != null) abortConnections(this.#node, peerIdFromString(id)) },
      onRefused: (_id, frames) => { this.#dropped.set('graylisted', (this.#dropped.get('graylisted') ?? 0) + frames) }
    })
    // Subscriptions only to ChatSphere topics, and not a flood of RPCs (they cost no score): else cut off.
    installSubscriptionGuard(pubsub, {
      exempt: (id) => this.#isRelay(id),
      onViolation: (id) => { if (this.#node != null) abortConnections(this.#node, peerIdFromString(id)) },
      onRefused: (_id, reason, topics) => { this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + topics) }
    })
    // Room messages to a member go over the direct (WebRTC) connection once there is one, not the relayed one.
    preferDirectPubsub(node, pubsub)
    pubsub.addEventListener('subscription-change', (evt) => {
      const peer = evt.detail.peerId.toString()
      for (const s of evt.detail.subscriptions) {
        if (!s.subscribe) continue
        const room = this.#roomByTopic(s.topic)
        if (room != null && s.topic === room.keys.topic && this.#shouldInitiateSync(peer)) void this.#syncWith(peer, room)
        if (room != null && s.topic === room.keys.ephemeralTopic) this.#announcePresence(room)
      }
    })
    node.addEventListener('connection:open', (evt) => {
      this.safeDispatchEvent('connection', { detail: { ...describeConnection(evt.detail, id => this.#isRelay(id)), open: true } })
      this.#pathChanged(evt.detail.remotePeer.toString())
    })
    node.addEventListener('connection:close', (evt) => {
      this.safeDispatchEvent('connection', { detail: { ...describeConnection(evt.detail, id => this.#isRelay(id)), open: false } })
      this.#pathChanged(evt.detail.remotePeer.toString())
    })
    node.addEventListener('peer:discovery', (evt) => {
      // mDNS: dial peers found on the LAN, so rooms work with no relay at all.
      const id = evt.detail.id
      if (node.getConnections(id).length === 0 && evt.detail.multiaddrs.length > 0) void node.dial(evt.detail.multiaddrs).catch(() => {})
    })
    // A room still loading (tail-first open) is served once its log is in.
    await this.#sync.register(node, (topic) => {
      const r = this.#roomByTopic(topic)
      return r == null || r.failed !== undefined ? undefined : { auth: this.#syncAuth(r), open: () => r.loading ? this.#whenLoaded(r).then(l => l.log) : r.log }
    }, { onRefused: (reason, topic) => { this.#count(`sync-refused-${reason}`, this.#roomByTopic(topic)) } })
    await this.#media?.register(node)
    await node.start()
    this.#pubsubStarted = true
    for (const room of this.#rooms.values()) this.#subscribe(room)
    const connector = new RelayConnector(node, { relays: init.relays ?? [] })
    this.#connector = connector
    connector.addEventListener('relay:connect', (evt) => {
      this.safeDispatchEvent('relay', { detail: { peerId: evt.detail.peerId, connected: true } })
      void this.#onRelay(evt.detail.peerId)
    })
    connector.addEventListener('relay:disconnect', (evt) => {
      this.#relayRetry.cancelRelay(evt.detail.peerId)
      this.safeDispatchEvent('relay', { detail: { peerId: evt.detail.peerId, connected: false } })
    })
    connector.start()
    if ((init.webrtc ?? true) && (init.directUpgrade ?? true)) {
      const direct = new DirectUpgrader(node, { relays: () => connector.connectedRelays(), isRelay: id => this.#isRelay(id) })
      direct.addEventListener('direct:state', (evt) => { this.#pathChanged(evt.detail.peerId) })
      direct.start()
      this.#direct = direct
    }
    this.#timers.push(setInterval(() => { for (const r of this.#rooms.values()) void this.#publishEphemeral(r, { k: 'presence', state: 'online' }) }, PRESENCE_INTERVAL_MS))
    this.#timers.push(setInterval(() => { for (const relay of connector.connectedRelays()) void this.#onRelay(relay) }, KEEP_REFRESH_MS))
    for (const t of this.#timers) (t as { unref?: () => void }).unref?.()
  }

  #isRelay (peerId: string): boolean { return this.#connector?.isRelay(peerId) ?? false }

  /** The publisher of fresh room frames: dial it directly, and remember which user's frames come from it. */
  #notePublisher (room: JoinedRoom, from: string, frames: Uint8Array[]): void {
    this.#direct?.notePeer(from)
    void room.openQueue.then(() => {
      for (const frame of frames) {
        const m = room.opened.get(frameIdText(frame))
        if (m != null && m.authorId !== this.#identity.userId && this.#peerDirectory.note(from, m.authorId)) this.#newMember(room, from)
      }
    })
  }

  /**
   * A member device seen for the first time. Of two members the smaller peer id dials the WebRTC connection; when that
   * is the other one, it may not know us yet (what we sent before it joined reached it by sync, which names no
   * publisher), so we announce our presence at once instead of making it wait for our next one.
   */
  #newMember (room: JoinedRoom, peerId: string): void {
    this.#pathChanged(peerId)
    if (this.#direct != null && (this.peerId ?? '') > peerId) void this.#publishEphemeral(room, { k: 'presence', state: 'online' })
  }

  #pathChanged (peerId: string): void {
    const node = this.#node
    if (node == null || this.#closed || this.#isRelay(peerId)) return
    this.safeDispatchEvent('path', { detail: this.#peerDirectory.path(node, peerId, this.#direct) })
  }

  #shouldInitiateSync (peer: string): boolean {
    // Relays never start a sync with a member peer; between member peers the smaller peer id starts, so each pair
    // syncs once per connection.
    if (this.#isRelay(peer)) return true
    return (this.peerId ?? '') < peer
  }

  async #onRelay (relay: string): Promise<void> {
    for (const room of this.#rooms.values()) await this.#keepAndSync(relay, room)
  }

  async #keepAndSync (relay: string, room: JoinedRoom): Promise<void> {
    await this.#relayRetry.run(relay, room.info.id, async () => await this.#keepAndSyncOnce(relay, room))
  }

  /** One keep request + sync with a relay; false when either failed for a reason a retry may fix. */
  async #keepAndSyncOnce (relay: string, room: JoinedRoom): Promise<boolean> {
    // Which of our messages a relay lacks is known once the room is open in full.
    if (!await this.#usable(room)) return true
    const node = this.#node
    if (node == null || this.#closed || this.#rooms.get(room.info.id) !== room) return true
    let kept = true
    if (this.#init.keep ?? true) {
      try {
        const ids = this.#pendingIds(room, relay)
        const res = await requestKeep(node, relay, room.keys, 'keep', ids)
        if (res.ok) this.#relayHolds(room, relay, res, ids)
        else this.#count(`keep-${res.error ?? 'refused'}`, room)
      } catch {
        this.#count('keep-failed', room)
        kept = false
      }
    }
    return await this.#syncWith(relay, room) && kept
  }

  /** Sync membership proof: we sign with the room write key; peers without a proof are accepted only if they are our relays. */
  #syncAuth (room: JoinedRoom): SyncAuth {
    return syncAuth({ writePublicKey: room.keys.writePublicKey, writeSeed: room.keys.writeSeed, trusted: id => this.#isRelay(id) })
  }

  async #syncWith (peer: string, room: JoinedRoom): Promise<boolean> {
    if (!await this.#usable(room)) return true
    const node = this.#node
    if (node == null || this.#closed) return true
    let ok = true
    try {
      await this.#sync.syncRoom(node, peer, room.keys.topic, room.log, this.#syncAuth(room), { onRefused: (reason) => { this.#count(`sync-refused-${reason}`, room) } })
      await room.openQueue
      const relay = this.#isRelay(peer)
      if (relay) room.syncedWithRelay = true
      this.safeDispatchEvent('sync', { detail: { room: room.info.id, peerId: peer, relay } })
    } catch {
      this.#count('sync-failed', room)
      ok = false
    }
    if (this.#isRelay(peer)) this.#scheduleDeliveryCheck(0)
    return ok
  }

  readonly #lastCatchUp = new Map<string, number>()
  #catchUp (peer: string, room: JoinedRoom): void {
    const key = `${peer}/${room.info.id}`
    const now = Date.now()
    if (now - (this.#lastCatchUp.get(key) ?? 0) < CATCH_UP_MS) return
    this.#lastCatchUp.set(key, now)
    if (this.#lastCatchUp.size > 10_000) this.#lastCatchUp.clear()
    void this.#syncWith(peer, room)
  }

  #subscribe (room: JoinedRoom): void {
    const node = this.#node
    if (node == null || !this.#pubsubStarted || room.failed !== undefined) return
    const pubsub = node.services.pubsub
    scoreTopic(pubsub, room.keys.topic)
    if (room.stored.hidden == null) scoreTopic(pubsub, room.keys.ephemeralTopic)
    pubsub.topicValidators.set(room.keys.topic, async (peer: PeerId, msg: Message) => {
      try {
        const fresh = await this.#applyLive(room, msg.data)
        // Nothing new to show: an update that depends on something we lack (Yjs holds it pending until its
        // predecessors arrive): catch up with the peer that forwarded it. Not for a copy of frames we hold (a sync
        // brought them first): that catch-up would find nothing and, under load, make more copies late.
        if (fresh.length === 0 && room.failed === undefined && room.log.lacksAfter(msg.data)) this.#catchUp(peer.toString(), room)
        // A new valid frame of the room, signed by its publisher's peer key: a member worth a direct connection (the
        // joiner's first profile message is how the others learn of it before its first presence).
        else if (msg.type === 'signed') this.#notePublisher(room, msg.from.toString(), fresh)
        return TopicValidatorResult.Accept
      } catch (err) {
        this.#count(dropReasonOf(err), room)
        return this.#reject(peer)
      }
    })
    pubsub.subscribe(room.keys.topic)
    // Inboxes carry no presence: it would tell anyone who knows the user id when they (or a knocker) are online.
    if (room.stored.hidden != null) return
    pubsub.topicValidators.set(room.keys.ephemeralTopic, async (peer: PeerId, msg: Message) => {
      // Reject (which costs the forwarding peer score) only what the forwarder could check too: a relay verifies the
      // room write signature, never the author's. Charging it for a member's forged frame would let two such frames
      // get the relay graylisted by every peer (issue 8). A frame its own author sent us directly is Rejected in full.
      try {
        const header = await verifyRoomFrame(msg.data, room.keys.writePublicKey, room.keys.roomId, room.keys.writeSeed)
        if (header.kind !== FrameKind.ephemeral) throw new MalformedError('a stored-kind frame on the ephemeral topic')
      } catch (err) {
        this.#count(dropReasonOf(err), room)
        return this.#reject(peer)
      }
      // Epoch keys and who is banned are known once the room is open in full.
      if (!await this.#usable(room)) return TopicValidatorResult.Ignore
      const fromAuthor = msg.type === 'signed' && msg.from.equals(peer) && !this.#isRelay(peer.toString())
      try {
        const m = await openFrame(msg.data, room.keys, { replay: room.ephemeralGuard, keyForEpoch: room.roles.keyForEpoch, writeSignatureVerified: true })
        this.#onEphemeral(room, m)
        // A fresh, valid frame of the room signed by its publisher's peer key: that peer is a member, worth a direct
        // WebRTC connection (replays are refused above, so nobody is dialled on someone else's frame).
        if (msg.type === 'signed' && m.authorId !== this.#identity.userId) {
          const from = msg.from.toString()
          if (this.#peerDirectory.note(from, m.authorId)) this.#newMember(room, from)
          this.#direct?.notePeer(from)
        }
        return TopicValidatorResult.Accept
      } catch (err) {
        if ((err as Error).name === 'ReplayError') return TopicValidatorResult.Ignore
        // An epoch whose key we lack (a newcomer before its grant, or a removed member): not the sender's fault, so not
        // a Reject that would cost the forwarding peer (often the relay) its score.
        if ((err as Error).name === 'OldEpochError') { this.#count('epoch-locked-ephemeral', room); return TopicValidatorResult.Ignore }
        this.#count(dropReasonOf(err), room)
        // A clock far ahead is an honest peer's mistake more often than an attack: never a score penalty.
        return fromAuthor && (err as Error).name !== 'ClockSkewError' ? this.#reject(peer) : TopicValidatorResult.Ignore
      }
    })
    pubsub.subscribe(room.keys.ephemeralTopic)
    // Peers already on the topic (the relay keeping the room, members online) told us so before we joined, so no
    // subscription-change will prompt our first presence: announce it now, not at the next PRESENCE_INTERVAL_MS tick.
    if (pubsub.getSubscribers(room.keys.ephemeralTopic).length > 0) this.#announcePresence(room)
  }

  /**
   * Checks a live update at once (signatures verified in parallel with other updates) but applies it only after the
   * updates that arrived before it: the relay forwards a room's frames in order, and an update applied before its
   * predecessor waits in Yjs' pending store, which is re-merged on every later update.
   */
  async #applyLive (room: JoinedRoom, update: Uint8Array): Promise<Uint8Array[]> {
    const checked = room.precheck.check(update)
    checked.catch(() => {})
    const run = room.applyChain.then(async () => {
      await checked
      // A room still loading (tail-first open): applied once it is open (after its log loaded and it was opened).
      if (!await this.#usable(room)) return []
      return await room.log.applyRemote(update, LIVE_ORIGIN)
    })
    room.applyChain = run.then(() => {}, () => {})
    return await run
  }

  #unsubscribe (room: JoinedRoom): void {
    const pubsub = this.#node?.services.pubsub
    if (pubsub == null || !this.#pubsubStarted) return
    for (const topic of [room.keys.topic, room.keys.ephemeralTopic]) {
      pubsub.unsubscribe(topic)
      pubsub.topicValidators.delete(topic)
      unscoreTopic(pubsub, topic)
    }
  }

  /** Rejects a frame (gossipsub charges the sender); a non-relay peer whose frames keep failing is disconnected. */
  #reject (peer: PeerId): TopicValidatorResult {
    const id = peer.toString()
    if (this.#strikes.note(id) && !this.#isRelay(id)) hangUpLater(async () => { await this.#node?.hangUp(peer) })
    return TopicValidatorResult.Reject
  }

  #count (reason: string, room?: JoinedRoom): void {
    this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + 1)
    const detail: { room?: string, reason: string } = { reason }
    if (room != null) detail.room = room.info.id
    this.safeDispatchEvent('dropped', { detail })
  }

  // ── rooms ──────────────────────────────────────────────────────────────────────────────────────────────────────
  /** The meta records #openRoom reads before the room is handed out (read ahead at start). */
  #openReads (stored: StoredRoom): string[] {
    const id = deriveRoomKeys(stored.secret).roomIdText
    const tailFirst = this.#init.tailFirst === true && stored.hidden == null
    return [genesisMetaKey(id), ...(tailFirst ? [shownTailMetaKey(id)] : [openedFramesMetaKey(id)])]
  }

  async #openRoom (stored: StoredRoom): Promise<JoinedRoom> {
    const keys = deriveRoomKeys(stored.secret)
    const existing = this.#rooms.get(keys.roomIdText)
    if (existing != null) return existing
    // Our own message's store write waits until its publish has gone out (SendCoalescer.handedOff); a live update's
    // write waits until its frames are announced (and, a task later, rendered): on a page the write's own main-thread
    // time (IndexedDB put, rescue journal: 1-4 ms under load) sat in front of the publish and of showing a message.
    // "Sent" is still reported only once the write is durable; nobody waits for a received update's write, and a
    // crash before it loses the update either way until the next sync.
    const sender = new SendCoalescer({
      append: async (frames) => await room.log.appendMany(frames),
      durable: async (update) => await store.durable(update),
      publish: async (update) => await this.#publishUpdate(keys.topic, update)
    })
    let shownFirst: Promise<void> | undefined
    const hold = (): Promise<void> | undefined => {
      const h = sender.handedOff ?? shownFirst
      shownFirst = undefined
      return h
    }
    const store = durableStore(await this.#storage.openRoom(keys.roomIdText), () => { this.#count('store-failed') }, hold)
    const verified = new VerifiedFrames()
    const prechecked = new VerifiedFrames()
    const baseVerifier = roomFrameVerifier(keys.writePublicKey, keys.roomId, keys.writeSeed)
    const precheck = createUpdateGuard({ verifyFrame: recordingVerifier(liveFrameVerifier(keys.writePublicKey, keys.roomId, keys.writeSeed), prechecked) })
    const verifyFrame = recordingVerifier(cachedVerifier(baseVerifier, prechecked), verified)
    const openLog = async (): Promise<RoomLog> => await openRoomLog({ store, roomId: keys.roomId, writePublicKey: keys.writePublicKey, verifyFrame })
    // Tail-first (stored rooms of a chat opened with ChatInit.tailFirst) with a shown-tail record: the early view comes
    // from the store's tail cache, and the log itself (reading and applying the whole room) loads in the background.
    const record = this.#init.tailFirst === true && stored.hidden == null
      ? openShownTail(await this.#storage.getMeta(shownTailMetaKey(keys.roomIdText)).catch(() => undefined), keys.key)
      : undefined
    const tail = record !== undefined ? await store.readTail?.().catch(() => undefined) : undefined
    const log = tail === undefined || tail.length === 0 ? await openLog() : undefined
    const info: RoomInfo = { id: keys.roomIdText, name: stored.name, invite: createInviteLink(this.#inviteInit(stored)), topic: keys.topic, joinedAt: stored.joinedAt }
    // A direct room has no invite: its secret is the two users' agreement, and nobody else belongs in it.
    if (stored.direct != null && stored.hidden == null) Object.assign(info, { invite: '', direct: { userId: stored.direct } })
    const room: JoinedRoom = {
      // Without `log` only while a tail-first open loads it (#openInBackground): until then every path that reads it
      // waits for `loaded` (sync, live updates, sends, keep requests, export), and reads get the early view.
      info, stored, keys, log: log ?? (undefined as unknown as RoomLog), store, precheck, applyChain: Promise.resolve(), verified, opened: new Map(), openedCount: 0, ephemeralGuard: new ReplayGuard(), mine: new OwnMessages(), readMarkers: new Map(), seen: seenState(),
      presence: new Map(), typing: new Map(), unsubscribeFrames: () => {}, openQueue: Promise.resolve(), syncedWithRelay: false, nextSeq: 1, names: new Map(),
      roles: await RoomRoles.open({ roomIdText: keys.roomIdText, storage: this.#storage, epoch0Key: keys.key, mine: () => this.#boxKeyPairs(), extraBoxKeys: (userId) => this.#devices?.extraBoxKeys(userId) ?? [] }),
      locked: new Set(), granting: new Set(), rolesCounted: new Map(),
      sender, loading: false, loaded: Promise.resolve()
    }
    // Frames announced by the log passed its verifier (room write signature) or are ours: openFrame skips that check
    // (the `verified` cache alone missed when opening lagged more than its capacity behind a large sync).
    // Showing frames appended while our own message is being sent waits until its publish has gone out.
    const subscribe = (): void => {
      room.unsubscribeFrames = room.log.onFrames((frames, origin) => {
        this.#enqueueOpen(room, frames, true, true, room.sender.handedOff)
        // The log writes these frames' update right after this listener returns (room-log applyRemote).
        if (origin === LIVE_ORIGIN) shownFirst = room.openQueue.then(nextTask, nextTask)
      })
    }
    if (log !== undefined) subscribe()
    // Tail-first: the last messages shown before, at once (from the tail cache, else from the loaded log's end).
    const early = record !== undefined ? await this.#earlyView(room, record, log !== undefined ? log.frames(-SHOWN_TAIL_FRAMES) : tail ?? []) : undefined
    if (early !== undefined) {
      this.#openInBackground(room, early, async () => {
        await this.#loadOpenedFrames(room)
        if (log === undefined) {
          room.log = await openLog()
          subscribe()
        }
      })
    } else {
      await this.#loadOpenedFrames(room)
      if (log === undefined) {
        room.log = await openLog()
        subscribe()
      }
      this.#enqueueOpen(room, room.log.frames(), false)
      await room.openQueue
      await this.#openQueueIdle(room)
      await this.#setNextSeq(room)
      // No record yet (or an unusable one): the next tail-first open gets one even if nothing else happens meanwhile.
      if (this.#init.tailFirst === true && stored.hidden == null) this.#scheduleShownTailSave(room)
    }
    this.#rooms.set(keys.roomIdText, room)
    return room
  }

  /**
   * Waits until the room's open queue is idle. An open queues more behind itself (frames of an epoch whose grant to us
   * it just folded are opened again once the fold learned the key): awaiting only the batch that was queued first
   * handed out a room whose later-epoch messages were still being opened (after a kick or ban, a cold open showed
   * only some of the messages sealed since, the rest a moment later).
   */
  async #openQueueIdle (room: JoinedRoom): Promise<void> {
    let q: Promise<void>
    do {
      q = room.openQueue
      await q.catch(() => {})
    } while (room.openQueue !== q)
  }

  async #setNextSeq (room: JoinedRoom): Promise<void> {
    let max = (await legacyRoomSeq(this.#storage, room.info.id) ?? 1) - 1
    for (const m of room.opened.values()) {
      if (m != null && m.device === this.#device && m.authorId === this.#identity.userId && m.seq > max) max = m.seq
    }
    room.nextSeq = max + 1
  }

  // ── tail-first open (ChatInit.tailFirst; src/chat/shown-tail.ts, PROTOCOL.md "Tail-first open") ─────────────────
  /**
   * The read model a tail-first open shows first: the frames of the room's shown-tail record found among `frames` (the
   * store's tail cache, or the last SHOWN_TAIL_FRAMES of the loaded log), opened with the checks any stored frame gets
   * (the opened-frames cache, else openFrame in full), folded, and kept to the views the last full fold showed.
   * Undefined when none of it shows: the room is then opened in full at once. Changes nothing in the room; the full
   * open does everything a plain open does.
   */
  async #earlyView (room: JoinedRoom, record: ShownTail, frames: readonly Uint8Array[]): Promise<ReadModel | undefined> {
    if (record.views.length === 0) return undefined
    const known = new Set(record.frames)
    // The record's own fingerprints of its frames, else (a record written before it had them) the room's whole
    // opened-frames record, loaded now instead of in the background open.
    const prints = record.prints !== undefined ? new Set(record.prints) : undefined
    if (prints === undefined) await this.#loadOpenedFrames(room)
    const cache = this.#openedFrames.get(room.info.id) ?? new OpenedFrames()
    const now = Number.MAX_SAFE_INTEGER / 2
    // Epochs above 0: the keys this device held when it wrote the record (the keyring learns them in the full open).
    const keyForEpoch = (epoch: number): Uint8Array | undefined => room.roles.keyForEpoch(epoch) ?? record.epochKeys.get(epoch)
    const reopen = { now, keyForEpoch }
    const full = async (frame: Uint8Array): Promise<OpenedMessage> => await openFrame(frame, room.keys, { now, keyForEpoch })
    const opened: OpenedMessage[] = []
    for (const frame of frames) {
      try {
        if (!known.has(frameIdText(frame))) continue
        if (prints === undefined) opened.push(await cache.open(frame, room.keys, full, reopen))
        else {
          const fp = frameFingerprint(frame)
          opened.push(fp !== undefined && prints.has(toHex(fp)) ? reopenFrame(frame, room.keys, reopen) : await full(frame))
        }
      } catch { /* not shown early (a cache is only a cache); the full open counts what the log holds */ }
    }
    const model = earlyReadModel(opened, record)
    return model.views.length > 0 ? model : undefined
  }

  /** The room's opened-frames record (src/history/opened-frames.ts), once: before its full open reads any frame. */
  async #loadOpenedFrames (room: JoinedRoom): Promise<void> {
    if (!this.#openedFrames.has(room.info.id)) this.#openedFrames.set(room.info.id, await loadOpenedFrames(this.#storage, room.info.id))
  }

  /**
   * Leaves a room loading with its early view and queues its full open (`load`: loading the log first, when it is not
   * loaded yet; then the batch a plain open runs, in slices that yield to the event loop) first in the room's open
   * queue, so frames arriving meanwhile are opened after it, as after a plain open. It starts once createChat is done,
   * one room after another (#startBackgroundOpens).
   */
  #openInBackground (room: JoinedRoom, early: ReadModel, load?: () => Promise<void>): void {
    room.loading = true
    room.early = early
    let start = (): void => {}
    const started = new Promise<void>(resolve => { start = resolve })
    // Once createChat's caller could paint the early view (a task later in Node).
    room.openQueue = started.then(afterPaint).then(load)
    this.#enqueueOpen(room, () => room.log.frames(), false, false, undefined, true)
    const finish = async (): Promise<void> => {
      const failure = await room.openQueue.then(() => undefined, (err: unknown) => err ?? new Error('unknown failure'))
      if (failure !== undefined) { this.#loadFailed(room, failure); return }
      await this.#setNextSeq(room)
      room.loading = false
      room.early = undefined
      if (this.#closed) return
      // The full read model now: what listeners of 'loaded' read, and the next record.
      this.#fold(room)
      if (room.readMarkers.size > 0) this.#updateSeen(room)
      this.safeDispatchEvent('loaded', { detail: { room: room.info.id } })
      this.safeDispatchEvent('change', { detail: { room: room.info.id } })
      await this.#saveShownTail(room)
    }
    // Loaded once the open queue is idle: live frames that came meanwhile are opened behind the full open too.
    room.loaded = this.#openQueueIdle(room).then(finish).catch(() => { room.loading = false; room.early = undefined })
    this.#backgroundOpens.push({ room, start })
  }

  /**
   * The room's log could not be loaded or opened (an unreadable store): it stops loading with a clear error instead
   * of staying loading, keeps its early view, and leaves the network (no sync, live frames or presence without its log).
   */
  #loadFailed (room: JoinedRoom, err: unknown): void {
    const why = err instanceof Error ? err.message : String(err)
    room.failed = new CorruptStoreError(`the history of room "${room.info.name}" could not be read: ${why}`, { cause: err })
    room.loading = false
    // Later opens (live frames) would chain on a rejected queue; close() and leave() wait for it.
    room.openQueue = Promise.resolve()
    this.#unsubscribe(room)
    this.#relayRetry.cancelRoom(room.info.id)
    if (this.#closed) return
    this.safeDispatchEvent('loaded', { detail: { room: room.info.id, error: room.failed.message } })
    this.safeDispatchEvent('change', { detail: { room: room.info.id } })
  }

  #startBackgroundOpens (): void {
    let prev: Promise<void> | undefined
    for (const { room, start } of this.#backgroundOpens.splice(0)) {
      if (prev === undefined) start()
      else void prev.then(start)
      prev = room.loaded
    }
  }

  /**
   * Writes the room's shown-tail record from its full read model, and the log's tail cache with it (tail-first chats:
   * the next open shows them first). Never throws: a record not written only costs the next open its early view.
   */
  async #saveShownTail (room: JoinedRoom): Promise<void> {
    if (this.#init.tailFirst !== true || room.stored.hidden != null || room.loading || room.failed !== undefined) return
    try {
      await this.#writeShownTail(room)
    } catch { /* the log closed meanwhile (a room left): nothing to record */ }
  }

  async #writeShownTail (room: JoinedRoom): Promise<void> {
    const fold = this.#fold(room)
    const hidden = room.roles.state.hidden
    const last = room.log.frames(-SHOWN_TAIL_FRAMES)
    const ids = last.map(frameIdText)
    const counted = (id: string): boolean => room.opened.get(id) != null && !hidden.has(id)
    const epochKeys = new Map<number, Uint8Array>()
    for (const id of ids) {
      const epoch = room.opened.get(id)?.epoch ?? 0
      const key = epoch > 0 && counted(id) ? room.roles.keyring.keyFor(epoch) : undefined
      if (key !== undefined) epochKeys.set(epoch, key)
    }
    const record = shownTailOf(fold, ids, counted, epochKeys)
    // Fingerprints of these very bytes that passed openFrame here (the opened-frames cache holds only such): an id
    // alone would also match a forged copy of a counted frame stored beside it.
    const cache = this.#openedFrames.get(room.info.id)
    record.prints = []
    for (const frame of last) {
      const fp = frameFingerprint(frame)
      if (fp !== undefined && counted(frameIdText(frame)) && cache?.has(frame) === true) record.prints.push(toHex(fp))
    }
    // The tail cache with it: the next open shows the recorded frames from there, before the log loads.
    await room.log.saveTail()
    await this.#storage.setMeta(shownTailMetaKey(room.info.id), sealShownTail(record, room.keys.key)).catch(() => {})
  }

  /** New messages: the record follows a while later (a page is rarely closed cleanly, so close() may not write it). */
  #scheduleShownTailSave (room: JoinedRoom): void {
    if (this.#init.tailFirst !== true || room.stored.hidden != null || room.shownTailTimer !== undefined || this.#closed) return
    room.shownTailTimer = setTimeout(() => {
      room.shownTailTimer = undefined
      if (!this.#closed && this.#rooms.get(room.info.id) === room) void this.#saveShownTail(room)
    }, SHOWN_TAIL_SAVE_MS)
    ;(room.shownTailTimer as { unref?: () => void }).unref?.()
  }

  /**
   * The room once open in full. Background opens normally start when createChat is done; whatever waits for one
   * during createChat (a device record posted to every room at start) starts them at once instead of waiting forever.
   */
  async #whenLoaded (room: JoinedRoom): Promise<JoinedRoom> {
    if (room.loading) {
      this.#startBackgroundOpens()
      await room.loaded
    }
    if (room.failed !== undefined) throw room.failed
    return room
  }

  /** For background work (sync, live frames, presence): waits for a loading room; false when it failed to load. */
  async #usable (room: JoinedRoom): Promise<boolean> {
    if (room.loading) await this.#whenLoaded(room).catch(() => {})
    return room.failed === undefined
  }

  /** By id first: the app asks for every room on each render (`#get` resolves names and prefixes too). */
  roomLoading (ref: string): boolean { return (this.#rooms.get(ref) ?? this.#get(ref)).loading }

  roomError (ref: string): string | undefined { return (this.#rooms.get(ref) ?? this.#get(ref)).failed?.message }

  async waitForRoomLoaded (ref: string): Promise<void> { await this.#whenLoaded(this.#get(ref)) }

  /**
   * `frames`: a function for frames known only when the open runs (a log a background open loads first). `sliced`:
   * yield to the event loop every OPEN_SLICE_MS (a background open of a whole room, see tailFirst).
   */
  #enqueueOpen (room: JoinedRoom, framesOrLater: Uint8Array[] | (() => Uint8Array[]), announce: boolean, writeSignatureChecked = false, after?: Promise<void>, sliced = false): void {
    room.openQueue = room.openQueue.then(async () => {
      if (after !== undefined) await after
      const frames = typeof framesOrLater === 'function' ? framesOrLater() : framesOrLater
      const fresh: OpenedMessage[] = []
      // Every other check (decryption, author signature, id binding, body) still runs on every frame, except on
      // frames this device already opened with every check (OpenedFrames: a cold open only decrypts those).
      const now = Number.MAX_SAFE_INTEGER / 2
      const cache = this.#openedFrames.get(room.info.id) ?? new OpenedFrames()
      const reopen = { now, keyForEpoch: room.roles.keyForEpoch }
      const full = async (frame: Uint8Array): Promise<OpenedMessage> => await openFrame(frame, room.keys, { now, writeSignatureVerified: room.verified.take(frame) || writeSignatureChecked, keyForEpoch: room.roles.keyForEpoch })
      // Frames are opened a window ahead (their signature checks batch onto worker threads), taken in log order.
      // Each frame's id (hex) is built once: by the start callback, which openAhead calls in list order ahead of the
      // loop below, which takes them in the same order.
      const ids: string[] = []
      let taken = 0
      let sliceStart = sliced ? performance.now() : 0
      // A frame the opened-frames cache knows is only decrypted (reopenFrame, synchronous): taken in the loop below,
      // without a promise and an await per frame (a 100k-message open spent ~0.5 s and much of its GC on those).
      const opening = openAhead(frames, (frame) => {
        const id = frameIdText(frame)
        ids.push(id)
        return room.opened.has(id)
          ? undefined
          : cache.has(frame) ? null : cache.open(frame, room.keys, full, reopen)
      })
      for (const [frame, started] of opening) {
        const id = ids[taken] as string
        // Only the ids not yet taken stay referenced (the window ahead), not one per frame of the batch.
        ids[taken++] = ''
        if (sliced && (taken & 255) === 0 && performance.now() - sliceStart > OPEN_SLICE_MS) {
          await yieldTask()
          sliceStart = performance.now()
        }
        if (room.opened.has(id) || started === undefined) continue
        try {
          const m = started === null ? reopenFrame(frame, room.keys, reopen) : await started
          room.opened.set(id, m)
          room.openedCount++
          room.locked.delete(id)
          // Our frames are published while their fsync runs: after a crash in that window a relay or peer may hand
          // back a number the disk lost, and it must not be used again (same id = a dropped duplicate).
          if (m.device === this.#device && m.authorId === this.#identity.userId && m.seq >= room.nextSeq) room.nextSeq = m.seq + 1
          if (m.authorId === this.#identity.userId && !room.mine.has(id)) {
            // Ours (from this or another device): the relays are asked whether they hold it.
            room.mine.add(id, { relays: new Set(), delivery: { state: 'local' }, durable: true, since: 0 })
            room.seen.full = true
          }
          this.#dms?.onOpened(room.stored, m)
          this.#devices?.onOpened(room.stored, m)
          if (m.body.k === 'profile') {
            const prev = room.names.get(m.authorId)
            if (prev == null || prev.time <= m.time) room.names.set(m.authorId, { name: m.body.name, time: m.time, ...(m.body.avatar != null ? { avatar: m.body.avatar } : {}) })
          }
          fresh.push(m)
        } catch (err) {
          if ((err as Error).name === 'OldEpochError') {
            // An epoch whose key we lack (yet, or ever: we were removed): the frame waits for a grant to us.
            if (!room.locked.has(id)) { room.locked.add(id); this.#count('epoch-locked', room) }
            continue
          }
          room.opened.set(id, null)
          this.#count(dropReasonOf(err), room)
        }
      }
      if (fresh.length === 0) return
      // Ops and profiles change membership; a message from a removed author is counted (and not announced) at once.
      if (fresh.some(m => REFRESH_KINDS.has(m.body.k) || room.roles.hides(m))) await this.#refreshRoles(room)
      // Announcing new messages must not cost O(room size): the fold is extended, or rebuilt lazily by messages().
      this.#extendFold(room, fresh)
      if (announce && !room.loading) this.#scheduleShownTailSave(room)
      // A reader ahead of us marked a message we only now have: our messages before it are seen by one more.
      if (room.readMarkers.size > 0 && !room.loading && this.#marksAny(room, fresh)) {
        room.seen.full = true
        this.#scheduleSeen(room)
      }
      // Hidden rooms (inboxes) announce nothing: anyone who knows the user id can write there.
      if (!announce || room.stored.hidden != null) return
      const added: MessageView[] = []
      for (const m of fresh) {
        if (m.body.k !== 'text' || room.roles.hides(m)) continue
        const v: MessageView = { id: m.idText, authorId: m.authorId, text: m.body.text, time: m.time, index: -1, edited: false, deleted: false, reactions: {}, body: m.body }
        if (m.body.reply != null) v.replyTo = toHex(m.body.reply)
        const name = room.names.get(m.authorId)?.name
        if (name != null) v.authorName = name
        added.push(v)
      }
      if (added.length > 0) this.safeDispatchEvent('message', { detail: { room: room.info.id, messages: added } })
      if (added.length < fresh.length) this.safeDispatchEvent('change', { detail: { room: room.info.id } })
      // A message ends its author's typing: senders send no "stopped typing" right behind a message.
      for (const v of added) {
        const timer = room.typing.get(v.authorId)
        if (timer == null) continue
        clearTimeout(timer)
        room.typing.delete(v.authorId)
        this.safeDispatchEvent('typing', { detail: { room: room.info.id, userId: v.authorId, on: false } })
      }
    })
  }

  #fold (room: JoinedRoom): ReadModel {
    // Still loading (tail-first open): the last messages shown before; the whole room is not opened yet.
    if ((room.loading || room.failed !== undefined) && room.early !== undefined) return room.early
    if (room.fold != null) return room.fold
    const opened = this.#openedInOrder(room)
    const seqs = new Map<string, number>()
    for (const m of opened) {
      const key = `${m.authorId}/${m.device}`
      if (m.seq > (seqs.get(key) ?? 0)) seqs.set(key, m.seq)
    }
    // Membership first: messages of removed authors are left out, moderator removals applied (src/roles).
    const roles = room.roles.foldFrom(opened)
    this.#countIgnored(room, roles)
    room.fold = gapsBesidesLocked(applyModeration(foldMessages(roles.hidden.size > 0 ? opened.filter(m => !roles.hidden.has(m.idText)) : opened), roles), room.locked.size)
    room.foldSeqs = seqs
    return room.fold
  }

  /**
   * Keeps the cached fold up to date in the common case, new text messages appended at the end of the log, each the
   * next seq of its author's device (so views grow by these messages and gaps stay the same: what foldMessages would
   * give for the longer list). Anything else (edits, reactions, profiles, a frame inserted before others, a seq that
   * skips or fills a gap, targets still waiting) drops the fold, and the next read folds the room again.
   */
  #extendFold (room: JoinedRoom, fresh: OpenedMessage[]): void {
    const fold = room.fold
    const seqs = room.foldSeqs
    room.fold = undefined
    if (fold == null || seqs == null || fold.ignored.unknownTarget > 0) return
    const tail = room.log.frames(-fresh.length)
    if (tail.length !== fresh.length) return
    const next = new Map<string, number>()
    for (const [i, m] of fresh.entries()) {
      const frame = tail[i]
      if (m.body.k !== 'text' || frame == null || frameIdText(frame) !== m.idText || room.roles.hides(m)) return
      const key = `${m.authorId}/${m.device}`
      if (m.seq !== (next.get(key) ?? seqs.get(key) ?? 0) + 1) return
      if (fold.gaps.some(g => g.authorId === m.authorId && g.device === m.device)) return
      next.set(key, m.seq)
    }
    for (const m of fresh) {
      if (m.body.k !== 'text') return
      const v: MessageView = { id: m.idText, authorId: m.authorId, text: m.body.text, time: m.time, index: fold.views.length, edited: false, deleted: false, reactions: {}, body: m.body }
      if (m.body.reply !== undefined) v.replyTo = toHex(m.body.reply)
      const name = fold.names.get(m.authorId)
      if (name !== undefined) v.authorName = name
      fold.views.push(v)
    }
    for (const [key, seq] of next) seqs.set(key, seq)
    room.fold = fold
  }

  #inviteInit (stored: StoredRoom): { secret: Uint8Array, name: string, origin?: string } {
    const out: { secret: Uint8Array, name: string, origin?: string } = { secret: stored.secret, name: stored.name }
    if (this.#init.inviteOrigin != null) out.origin = this.#init.inviteOrigin
    return out
  }

  #roomByTopic (topic: string): JoinedRoom | undefined {
    for (const r of this.#rooms.values()) if (r.keys.topic === topic || r.keys.ephemeralTopic === topic) return r
    return undefined
  }

  #get (ref: string): JoinedRoom {
    const info = this.room(ref)
    return this.#rooms.get(info.id) as JoinedRoom
  }

  /** A room's public info; a direct room's name is the other user's current name. */
  #infoOf (r: JoinedRoom): RoomInfo {
    return this.#dms?.decorate({ ...r.info }, r.stored) ?? { ...r.info }
  }

  rooms (): RoomInfo[] {
    return [...this.#rooms.values()].filter(r => r.stored.hidden == null).map(r => this.#infoOf(r))
  }

  room (ref: string): RoomInfo {
    if (typeof ref !== 'string' || ref.length === 0) throw new InvalidArgumentError('name a room by its name or id')
    const all = [...this.#rooms.values()].filter(r => r.stored.hidden == null)
    const exact = all.filter(r => r.info.id === ref.toLowerCase() || this.#infoOf(r).name === ref)
    if (exact.length === 1) return this.#infoOf(exact[0] as JoinedRoom)
    if (exact.length > 1) throw new InvalidArgumentError(`more than one room is named "${ref}"; use its id`)
    const byPrefix = /^[0-9a-f]+$/i.test(ref) ? all.filter(r => r.info.id.startsWith(ref.toLowerCase())) : []
    if (byPrefix.length === 1) return this.#infoOf(byPrefix[0] as JoinedRoom)
    if (byPrefix.length > 1) throw new InvalidArgumentError(`room id prefix "${ref}" is ambiguous`)
    throw new NotFoundError(`no room named "${ref}" (see: chatsphere room list)`)
  }

  async createRoom (name: string, options: { roles?: boolean } = {}): Promise<RoomInfo> {
    return await this.#join({ secret: createRoomSecret(), name, joinedAt: Date.now() }, options.roles ?? true)
  }

  async joinRoom (invite: string, name?: string): Promise<RoomInfo> {
    const parsed = parseInviteLink(invite)
    return await this.#join({ secret: parsed.secret, name: name ?? parsed.name, joinedAt: Date.now() })
  }

  /** `genesis`: we create the room with roles, so its first message makes us the owner (src/roles). */
  async #join (stored: StoredRoom, genesis = false): Promise<RoomInfo> {
    const id = deriveRoomKeys(stored.secret).roomIdText
    const existing = this.#rooms.get(id)
    // A room still loading: callers (a direct room, an import) read its messages next.
    if (existing != null) return { ...(await this.#whenLoaded(existing)).info }
    if (this.#rooms.size >= MAX_JOINED_ROOMS) throw new InvalidArgumentError(`at most ${MAX_JOINED_ROOMS} rooms`)
    // Validate the name the same way an invite would before anything is stored.
    createInviteLink(this.#inviteInit(stored))
    const room = await this.#openRoom(stored)
    await saveRooms(this.#storage, [...this.#rooms.values()].map(r => r.stored))
    this.#subscribe(room)
    if (genesis) await this.#sendBody(room, { k: 'genesis' })
    const profile = this.#profileBody()
    // Never in a hidden room: our profile would tell every reader of someone's inbox who knocked.
    if (profile != null && stored.hidden == null) await this.#sendBody(room, profile).catch(() => {})
    for (const relay of this.#connector?.connectedRelays() ?? []) void this.#keepAndSync(relay, room)
    this.#devices?.onJoined(stored)
    return this.#infoOf(room)
  }

  async leaveRoom (ref: string): Promise<void> {
    const room = this.#get(ref)
    this.#dms?.onLeft(room.stored)
    this.#devices?.onLeft(room.stored)
    await this.#leave(room)
  }

  async #leave (room: JoinedRoom): Promise<void> {
    await this.#publishEphemeral(room, { k: 'presence', state: 'offline' })
    this.#unsubscribe(room)
    room.unsubscribeFrames()
    if (room.shownTailTimer !== undefined) clearTimeout(room.shownTailTimer)
    if (room.seenTimer !== undefined) clearTimeout(room.seenTimer)
    this.#rooms.delete(room.info.id)
    this.#relayRetry.cancelRoom(room.info.id)
    await saveRooms(this.#storage, [...this.#rooms.values()].map(r => r.stored))
    await room.openQueue
    // Absent when a tail-first open failed to load it.
    await (room.log as RoomLog | undefined)?.close()
  }

  // ── sending ────────────────────────────────────────────────────────────────────────────────────────────────────
  async send (ref: string, text: string, options: { replyTo?: string } = {}): Promise<SentMessage> {
    const body: Body = options.replyTo != null ? { k: 'text', text, reply: this.#idBytes(options.replyTo) } : { k: 'text', text }
    return await this.#sendBody(this.#get(ref), body)
  }

  async edit (ref: string, target: string, text: string): Promise<SentMessage> {
    const room = await this.#whenLoaded(this.#get(ref))
    this.#ownMessage(room, target)
    return await this.#sendBody(room, { k: 'edit', target: this.#idBytes(target), text })
  }

  async delete (ref: string, target: string): Promise<SentMessage> {
    const room = await this.#whenLoaded(this.#get(ref))
    this.#ownMessage(room, target)
    return await this.#sendBody(room, { k: 'delete', target: this.#idBytes(target) })
  }

  async react (ref: string, target: string, emoji: string, on = true): Promise<SentMessage> {
    return await this.#sendBody(this.#get(ref), { k: 'react', target: this.#idBytes(target), emoji, on })
  }

  async setName (name: string): Promise<void> {
    await saveName(this.#storage, name)
    this.#name = name
    for (const room of this.#rooms.values()) if (room.stored.hidden == null) await this.#sendBody(room, this.#profileBody() as Body)
    this.#devices?.onProfile()
  }

  async setProfile (profile: { name?: string, avatar?: string | null }): Promise<void> {
    if (profile.avatar !== undefined) {
      this.#avatar = profile.avatar ?? undefined
      await saveAvatar(this.#storage, this.#avatar)
    }
    const name = profile.name ?? this.#name
    if (name == null) throw new InvalidArgumentError('set a display name before an avatar')
    await this.setName(name)
  }

  /** Our profile message (name and avatar), or undefined before we have a name. */
  #profileBody (): Body | undefined {
    if (this.#name == null) return undefined
    // box: our X25519 key, so members can open a direct room with us (src/dm) and box room keys to us.
    const box = this.#identity.boxPublicKey
    return this.#avatar != null ? { k: 'profile', name: this.#name, avatar: this.#avatar, box } : { k: 'profile', name: this.#name, box }
  }

  members (ref: string): MemberInfo[] {
    const room = this.#get(ref)
    const state = room.roles.state
    // In a room with roles, removed and banned users are no longer members.
    return [...room.names].filter(([userId]) => !state.roles || state.members.has(userId)).map(([userId, p]) => {
      const info: MemberInfo = p.avatar != null ? { userId, name: p.name, authorAvatar: p.avatar } : { userId, name: p.name }
      info.role = state.members.get(userId)?.role ?? 'member'
      return info
    })
  }

  readMarkers (ref: string): Record<string, string> {
    return Object.fromEntries(this.#get(ref).readMarkers)
  }

  async exportRoom (ref: string): Promise<Uint8Array> {
    const room = await this.#whenLoaded(this.#get(ref))
    return encodeRoomArchive({ name: room.info.name, secret: room.stored.secret, updates: archiveUpdates(room.log), exportedAt: Date.now() })
  }

  async importRoom (bytes: Uint8Array): Promise<ImportedRoom> {
    const archive = decodeRoomArchive(bytes)
    const info = await this.#join({ secret: archive.secret, name: archive.name, joinedAt: Date.now() })
    const room = this.#rooms.get(info.id) as JoinedRoom
    const res = await importUpdates(room.log, archive.updates, 'import')
    for (const [reason, n] of Object.entries(res.reasons)) for (let i = 0; i < n; i++) this.#count(`import-${reason}`, room)
    await room.openQueue
    // What the archive brought is offered to the relays (and through them to the room) right away.
    if (res.added > 0) for (const relay of this.#connector?.connectedRelays() ?? []) void this.#keepAndSync(relay, room)
    return { room: { ...room.info }, added: res.added, rejected: res.rejected }
  }

  #idBytes (id: string): Uint8Array {
    if (!/^[0-9a-f]{32}$/i.test(id)) throw new InvalidArgumentError('a message id is 32 hex characters')
    return fromHex(id.toLowerCase())
  }

  #ownMessage (room: JoinedRoom, id: string): void {
    const m = room.opened.get(id.toLowerCase())
    if (m == null) throw new NotFoundError(`no message ${id} in this room`)
    if (m.authorId !== this.#identity.userId) throw new InvalidArgumentError('only the author may edit or delete a message')
  }

  /** `author`: a throwaway identity (knocks, src/dm/inbox.ts) that seals one message as device 0, seq 1. */
  async #sendBody (room: JoinedRoom, body: Body, author?: Identity): Promise<SentMessage> {
    if (room.failed !== undefined) throw room.failed
    // Sequence numbers, epochs and roles are known once the room is open in full.
    if (room.loading) await this.#whenLoaded(room)
    if (this.#closed) throw new InvalidArgumentError('chat is closed')
    const seq = author != null ? 1 : room.nextSeq++
    const sealed = await sealMessage({ identity: author ?? this.#identity, room: room.keys, device: author != null ? 0 : this.#device, seq, body, ...room.roles.sendEpoch(body.k) })
    const mine: Mine = { relays: new Set(), delivery: { state: 'local' }, durable: false, since: Date.now() }
    room.mine.add(sealed.idText, mine)
    room.verified.add(sealed.frame)
    // Sealed here, so as checked as openFrame would check it: opening our own frame (right below, through the log)
    // only decrypts it instead of verifying the signatures we just made (PROTOCOL.md "Opened-frames cache").
    this.#openedFrames.get(room.info.id)?.add(sealed.frame)
    // The frame goes out at once, or with the others sealed while the previous publish was under way (one update).
    // The append resolves once the store has the update in hand, before its fsync: the network hop and the fsync
    // overlap, and "sent" is still reported only after both (durable rejects if the write failed).
    const sent = await room.sender.send(sealed.frame)
    await sent.durable
    // Only now may anyone be told it is saved: a delivery state shown before this could be lost by a crash.
    mine.durable = true
    this.safeDispatchEvent('delivery', { detail: { room: room.info.id, id: sealed.idText, delivery: { ...mine.delivery } } })
    const handedToNetwork = await sent.published
    // Nobody took the publish (typically: the relay's subscription has not reached us yet after connecting), so
    // gossip will never carry it: push it with a sync instead of waiting for the next reconnect.
    if (!handedToNetwork) for (const relay of this.#connector?.connectedRelays() ?? []) this.#catchUp(relay, room)
    this.#scheduleDeliveryCheck(50)
    await room.openQueue
    return { id: sealed.idText, room: room.info.id, delivery: { ...mine.delivery }, handedToNetwork }
  }

  /** Publishes one of our room updates; true when some peer took it. Never rejects: the log keeps it for sync. */
  async #publishUpdate (topic: string, update: Uint8Array): Promise<boolean> {
    const pubsub = this.#node?.services.pubsub
    if (pubsub == null) return false
    try {
      return (await pubsub.publish(topic, update)).recipients.length > 0
    } catch {
      // Not fatal: the message is in the log, and catch-up sync delivers it when a path appears.
      return false
    }
  }

  /** Publishes an ephemeral frame (best effort); resolves to the number of peers gossipsub sent it to, if it tried. */
  async #publishEphemeral (room: JoinedRoom, body: Body): Promise<number | undefined> {
    // Sealed in the room's current epoch, which is known once the room is open in full.
    if (!await this.#usable(room)) return
    const pubsub = this.#node?.services.pubsub
    if (pubsub == null || this.#closed || room.stored.hidden != null) return
    try {
      const seq = await this.#seq.take(`${room.info.id}-live`)
      const sealed = await sealMessage({ identity: this.#identity, room: room.keys, device: this.#device, seq, body, ...room.roles.sendEpoch() })
      return (await pubsub.publish(room.keys.ephemeralTopic, sealed.frame)).recipients.length
    } catch { /* ephemeral: best effort */ }
  }

  /**
   * Announces us online in a room. Gossipsub drops a message for a subscribed peer whose stream from us is not open
   * yet (its subscriptions come on its own stream, often first), so an announcement that reached nobody while the
   * room has subscribers is tried again (PRESENCE_RETRIES); otherwise a joiner stays unseen for PRESENCE_INTERVAL_MS.
   */
  #announcePresence (room: JoinedRoom, attempt = 0): void {
    void this.#publishEphemeral(room, { k: 'presence', state: 'online' }).then((sentTo) => {
      const pubsub = this.#node?.services.pubsub
      if (sentTo !== 0 || attempt >= PRESENCE_RETRIES || this.#closed || pubsub == null) return
      if (pubsub.getSubscribers(room.keys.ephemeralTopic).length === 0) return
      const timer = setTimeout(() => {
        this.#presenceRetries.delete(timer)
        if (this.#rooms.get(room.info.id) === room) this.#announcePresence(room, attempt + 1)
      }, PRESENCE_RETRY_MS * 2 ** attempt)
      this.#presenceRetries.add(timer)
    })
  }

  #onEphemeral (room: JoinedRoom, m: OpenedMessage): void {
    if (m.authorId === this.#identity.userId) return
    if (room.roles.state.banned.has(m.authorId) || room.roles.state.removed.has(m.authorId)) return
    const name = room.names.get(m.authorId)?.name
    const b = m.body
    if (b.k === 'presence') {
      const p: PresenceInfo = { userId: m.authorId, state: b.state, lastSeen: Date.now() }
      if (name != null) p.name = name
      const prev = room.presence.get(m.authorId)
      room.presence.set(m.authorId, p)
      if (prev?.state !== p.state) this.safeDispatchEvent('presence', { detail: { room: room.info.id, ...p } })
    } else if (b.k === 'typing') {
      const timer = room.typing.get(m.authorId)
      if (timer != null) clearTimeout(timer)
      room.typing.delete(m.authorId)
      if (b.on) {
        room.typing.set(m.authorId, setTimeout(() => {
          room.typing.delete(m.authorId)
          this.safeDispatchEvent('typing', { detail: { room: room.info.id, userId: m.authorId, on: false } })
        }, TYPING_TIMEOUT_MS))
      }
      const detail: { room: string, userId: string, name?: string, on: boolean } = { room: room.info.id, userId: m.authorId, on: b.on }
      if (name != null) detail.name = name
      this.safeDispatchEvent('typing', { detail })
    } else if (b.k === 'read') {
      const upTo = toHex(b.upTo)
      const changed = room.readMarkers.get(m.authorId) !== upTo
      room.readMarkers.set(m.authorId, upTo)
      if (changed) this.#scheduleSeen(room)
      if (changed) this.safeDispatchEvent('read', { detail: { room: room.info.id, userId: m.authorId, upTo } })
    } else if (b.k === 'want' || b.k === 'have') {
      this.#media?.onEphemeral(room.info.id, b)
    }
  }

  // ── delivery ───────────────────────────────────────────────────────────────────────────────────────────────────
  #setDelivery (room: JoinedRoom, id: string, mine: Mine, next: DeliveryState): void {
    const prev = mine.delivery
    if (prev.state === next.state && ('relays' in prev ? prev.relays : 0) === ('relays' in next ? next.relays : 0) &&
      ('peers' in prev ? prev.peers : 0) === ('peers' in next ? next.peers : 0)) return
    mine.delivery = next
    if (!mine.durable) return // announced with its state once our own write is durable
    this.safeDispatchEvent('delivery', { detail: { room: room.info.id, id, delivery: { ...next } } })
  }

  /** Our messages in a room that `relay` has not been seen to hold yet, newest first, at most MAX_KEEP_IDS. */
  #pendingIds (room: JoinedRoom, relay: string): Uint8Array[] {
    return room.mine.pendingIds(relay, MAX_KEEP_IDS).map(fromHex)
  }

  #markHeld (room: JoinedRoom, relay: string, id: string, mine: Mine): void {
    if (!room.mine.markHeld(relay, id)) return
    if (mine.delivery.state !== 'seen') this.#setDelivery(room, id, mine, { state: 'relay', relays: mine.relays.size })
  }

  /**
   * Applies a relay's answer: when its state vector covers ours, it holds everything we have; otherwise the bitmap
   * says which of the asked ids it holds.
   */
  #relayHolds (room: JoinedRoom, relay: string, res: KeepResponse, ids: Uint8Array[]): void {
    if (res.stateVector != null) {
      let covers = true
      try {
        const theirs = decodeStateVector(res.stateVector)
        for (const [client, clock] of decodeStateVector(room.log.stateVector())) {
          if ((theirs.get(client) ?? 0) < clock) { covers = false; break }
        }
      } catch {
        covers = false
        this.#count('bad-state-vector', room)
      }
      if (covers) {
        for (const id of [...room.mine.unheld(relay)]) {
          const mine = room.mine.get(id)
          if (mine !== undefined && room.log.has(fromHex(id))) this.#markHeld(room, relay, id, mine)
        }
        return
      }
    }
    if (res.held == null) return
    ids.forEach((bytes, i) => {
      if ((((res.held as Uint8Array)[i >> 3] ?? 0) & (1 << (i & 7))) === 0) return
      const id = toHex(bytes)
      const mine = room.mine.get(id)
      if (mine != null) this.#markHeld(room, relay, id, mine)
    })
  }

  #scheduleSeen (room: JoinedRoom): void {
    if (room.seenTimer !== undefined || this.#closed) return
    room.seenTimer = setTimeout(() => {
      room.seenTimer = undefined
      if (!this.#closed && this.#rooms.get(room.info.id) === room) this.#updateSeen(room)
    }, SEEN_UPDATE_MS)
  }

  #marksAny (room: JoinedRoom, fresh: OpenedMessage[]): boolean {
    const targets = new Set(room.readMarkers.values())
    return fresh.some(m => targets.has(m.idText))
  }

  /** "Seen by N" of our messages from the read markers (see `walkSeen`). */
  #updateSeen (room: JoinedRoom): void {
    if (room.loading) return // done once loaded
    walkSeen(this.#fold(room).views, room.readMarkers, this.#identity.userId, room.mine, room.seen, (id, mine, peers) => {
      this.#setDelivery(room, id, mine, { state: 'seen', peers })
    })
  }

  #scheduleDeliveryCheck (delayMs: number): void {
    if (this.#deliveryTimer != null || this.#closed) return
    this.#deliveryTimer = setTimeout(() => {
      this.#deliveryTimer = undefined
      void this.#checkDelivery()
    }, delayMs)
  }

  async #checkDelivery (): Promise<void> {
    const node = this.#node
    const relays = this.#connector?.connectedRelays() ?? []
    if (node == null || relays.length === 0 || this.#closed) return
    let pending = false
    for (const room of this.#rooms.values()) {
      if (room.loading) { pending = true; continue }
      if (room.failed !== undefined) continue
      for (const relay of relays) {
        const ids = this.#pendingIds(room, relay)
        if (ids.length === 0) continue
        try {
          const res = await requestKeep(node, relay, room.keys, 'status', ids)
          if (res.ok) {
            this.#relayHolds(room, relay, res, ids)
            if (this.#lostOnTheWay(room, relay)) this.#catchUp(relay, room)
          }
        } catch { /* relay busy or gone: try again later */ }
        if (room.mine.unheld(relay).size > 0) pending = true
      }
    }
    if (pending) this.#scheduleDeliveryCheck(DELIVERY_CHECK_MS)
  }

  /**
   * Whether a relay that keeps the room lost one of the messages we sent in the last KEEP_REFRESH_MS (a dropped
   * publish): it holds a later message of ours but not this one (the relay takes one sender's updates in order), or
   * it still lacks it LOST_PUBLISH_MS after sending. A relay that merely lags (a busy machine) holds neither the
   * message nor later ones yet, and is not sent a sync for each message it has not reached: from every member at
   * once, those syncs and the relay's pushes of what they brought were a load that kept it lagging (bench/soak.ts).
   * Older ones are left to the periodic keep refresh, so a relay that will not take a message is not pushed every
   * second forever.
   */
  #lostOnTheWay (room: JoinedRoom, relay: string): boolean {
    return room.mine.lostOnTheWay(relay, Date.now(), KEEP_REFRESH_MS, LOST_PUBLISH_MS, DELIVERY_CHECK_MS)
  }

  delivery (ref: string, id: string): DeliveryState | undefined {
    const m = this.#get(ref).mine.get(id.toLowerCase())
    return m == null || !m.durable ? undefined : { ...m.delivery }
  }

  async waitForRelayHold (ref: string, id: string, timeoutMs: number): Promise<boolean> {
    return await this.#waitHeld(this.#get(ref), id, timeoutMs)
  }

  async #waitHeld (room: JoinedRoom, id: string, timeoutMs: number): Promise<boolean> {
    const held = (): boolean => (room.mine.get(id)?.relays.size ?? 0) > 0
    if (held()) return true
    this.#scheduleDeliveryCheck(0)
    return await waitUntil(held, timeoutMs, [[this, 'delivery']])
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────────────────────────
  messages (ref: string, options: { limit?: number } = {}): MessageView[] {
    const views = this.#fold(this.#get(ref)).views
    return options.limit != null ? views.slice(-options.limit) : views.slice()
  }

  gaps (ref: string): Gap[] {
    return this.#fold(this.#get(ref)).gaps.map(g => ({ ...g }))
  }

  async markRead (ref: string, id?: string): Promise<void> {
    const room = await this.#whenLoaded(this.#get(ref))
    const views = this.#fold(room).views
    const upTo = id ?? views.at(-1)?.id
    if (upTo == null) return
    await this.#publishEphemeral(room, { k: 'read', upTo: this.#idBytes(upTo) })
  }

  async setTyping (ref: string, on: boolean): Promise<void> {
    await this.#publishEphemeral(this.#get(ref), { k: 'typing', on })
  }

  presence (ref: string): PresenceInfo[] {
    return [...this.#get(ref).presence.values()].map(p => ({ ...p }))
  }

  async syncRoomPeers (ref: string, timeoutMs: number): Promise<number> {
    const room = this.#get(ref)
    await this.#networkUp()
    const pubsub = this.#node?.services.pubsub
    if (pubsub == null) return 0
    const peers = pubsub.getSubscribers(room.keys.topic).map(p => p.toString()).filter(p => !this.#isRelay(p))
    let synced = 0
    await settledWithin(Promise.all(peers.map(async (peer) => { if (await this.#syncWith(peer, room)) synced++ })), timeoutMs)
    return synced
  }

  async waitForRoomPeer (ref: string, timeoutMs: number): Promise<boolean> {
    const topic = this.#get(ref).keys.topic
    await this.#networkUp()
    const pubsub = this.#node?.services.pubsub
    if (pubsub == null) return false
    // Subscribed and reachable: our stream to it may open after its subscription arrived (re-checked each heartbeat).
    const ready = (): boolean => pubsub.getSubscribers(topic).some(p => canSendTo(pubsub, p.toString()))
    return await waitUntil(ready, timeoutMs, [[pubsub, 'subscription-change'], [pubsub, 'gossipsub:heartbeat']])
  }

  async waitForRelaySync (ref: string, timeoutMs: number): Promise<boolean> {
    const room = this.#get(ref)
    // Set before the relay's 'sync' event is dispatched (#syncWith).
    return await waitUntil(() => room.syncedWithRelay, timeoutMs, [[this, 'sync']])
  }

  connectedRelays (): string[] { return this.#connector?.connectedRelays() ?? [] }

  async waitForRelay (timeoutMs: number): Promise<boolean> {
    await this.#networkUp()
    if (this.#connector == null || (this.#init.relays ?? []).length === 0) return false
    return await this.#connector.waitConnected(timeoutMs)
  }

  connections (): ConnectionInfo[] {
    return this.#node?.getConnections().map(c => describeConnection(c, id => this.#isRelay(id))) ?? []
  }

  peerPaths (): PeerPath[] {
    const node = this.#node
    return node == null ? [] : this.#peerDirectory.paths(node, id => this.#isRelay(id), this.#direct)
  }

  peersOfUser (userId: string): string[] { return this.#peerDirectory.peersOf(userId) }

  async upgradeDirect (peerId: string): Promise<'connecting' | 'direct' | 'failed'> {
    await this.#networkUp()
    if (this.#direct == null) return 'failed'
    return await this.#direct.upgrade(peerId)
  }

  // ── media (src/media) ──────────────────────────────────────────────────────────────────────────────────────────
  async sendFile (ref: string, file: FileInput): Promise<SentMessage> {
    const room = this.#get(ref)
    if (this.#closed || this.#media == null) throw new InvalidArgumentError('chat is closed')
    // The file message names this device's peer id as a source.
    await this.#networkUp()
    return await this.#sendBody(room, await this.#media.prepare(file, this.peerId))
  }

  #fileMessage (ref: string, id: string): { room: JoinedRoom, m: OpenedMessage, body: NonNullable<ReturnType<typeof fileBodyOf>> } {
    const room = this.#get(ref)
    const m = room.opened.get(toHex(this.#idBytes(id)))
    const body = fileBodyOf(m)
    if (m == null || body == null) throw new NotFoundError(`no file message ${id} in this room`)
    return { room, m, body }
  }

  async fetchFile (ref: string, id: string, options?: FetchFileOptions): Promise<Uint8Array> {
    await this.#whenLoaded(this.#get(ref))
    await this.#networkUp()
    const { room, m, body } = this.#fileMessage(ref, id)
    if (this.#closed || this.#media == null) throw new InvalidArgumentError('chat is closed')
    return await this.#media.fetch({ keys: room.keys, fileBody: (msg) => fileBodyOf(room.opened.get(msg)) }, m.idText, body, options)
  }

  async mediaFile (ref: string, id: string): Promise<MediaFileInfo> {
    await this.#whenLoaded(this.#get(ref))
    const { room, m, body } = this.#fileMessage(ref, id)
    if (this.#media == null) throw new InvalidArgumentError('chat is closed')
    return await mediaFileInfo(this.#media, room.info.id, m, body)
  }

  dropped (): Record<string, number> {
    return Object.fromEntries(this.#dropped)
  }

  gossipScore (peerId: string): number | undefined {
    const pubsub = this.#node?.services.pubsub
    return pubsub == null ? undefined : peerScore(pubsub, peerId)
  }

  // ── roles, moderation and key epochs (src/roles) ──────────────────────────────────────────────────────────────
  /**
   * Opened messages of a room in log order (callers must not change the list). The walk over the log is kept until
   * the log's frames change or another message opens: a cold open folds roles and then the read model from one walk.
   */
  #openedInOrder (room: JoinedRoom): OpenedMessage[] {
    const kept = room.inOrder
    if (kept !== undefined && kept.changes === room.log.changes && kept.openedCount === room.openedCount) return kept.list
    const out: OpenedMessage[] = []
    for (const frame of room.log.frames()) {
      const m = room.opened.get(frameIdText(frame))
      if (m != null) out.push(m)
    }
    room.inOrder = { changes: room.log.changes, openedCount: room.openedCount, list: out }
    return out
  }

  /** Folds membership again (ops or profiles arrived), learns keys granted to us and re-opens frames waiting for them. */
  async #refreshRoles (room: JoinedRoom): Promise<void> {
    const learned = await room.roles.refresh(this.#openedInOrder(room))
    this.#countIgnored(room, room.roles.state)
    room.fold = undefined
    if (learned.length > 0 && room.locked.size > 0) this.#enqueueOpen(room, room.log.frames(), true)
    if (learned.length > 0) this.safeDispatchEvent('change', { detail: { room: room.info.id } })
    roleActions.scheduleGrants(this.#rolesHost(room), room.granting, () => this.#closed || !this.#rooms.has(room.info.id))
  }

  /** Ignored membership ops (forged, unauthorized, from removed authors) count in dropped() once each. */
  #countIgnored (room: JoinedRoom, state: RoleState): void {
    for (const [reason, n] of Object.entries(state.ignored)) {
      const done = room.rolesCounted.get(reason) ?? 0
      for (let i = done; i < n; i++) this.#count(`role-${reason}`, room)
      if (n > done) room.rolesCounted.set(reason, n)
    }
  }

  #rolesHost (room: JoinedRoom): RolesHost {
    return {
      me: this.#identity.userId,
      myKey: this.#identity.publicKey,
      roles: room.roles,
      opened: () => this.#openedInOrder(room),
      send: async (body) => ({ id: (await this.#sendBody(room, body)).id })
    }
  }

  /** Membership state is refreshed whenever an op or profile is opened, so reading it needs no fold of the room. */
  #rolesRoom (ref: string): JoinedRoom {
    return this.#get(ref)
  }

  roles (ref: string): RoleInfo[] {
    return memberList(this.#rolesRoom(ref).roles.state).map(m => ({ userId: m.userId, role: m.role, implicit: m.implicit }))
  }

  async setRole (ref: string, userId: string, role: Role): Promise<void> {
    await roleActions.setRole(this.#rolesHost(await this.#whenLoaded(this.#rolesRoom(ref))), userId, role)
  }

  async kick (ref: string, userId: string): Promise<number> {
    return await roleActions.kick(this.#rolesHost(await this.#whenLoaded(this.#rolesRoom(ref))), userId)
  }

  async ban (ref: string, userId: string): Promise<number> {
    return await roleActions.ban(this.#rolesHost(await this.#whenLoaded(this.#rolesRoom(ref))), userId)
  }

  async unban (ref: string, userId: string): Promise<void> {
    await roleActions.unban(this.#rolesHost(await this.#whenLoaded(this.#rolesRoom(ref))), userId)
  }

  async removeMessage (ref: string, messageId: string, on = true): Promise<void> {
    await roleActions.removeMessage(this.#rolesHost(await this.#whenLoaded(this.#rolesRoom(ref))), messageId, on)
  }

  roomSettings (ref: string): RoomSettings & { roles: boolean, epoch: number } {
    const state = this.#rolesRoom(ref).roles.state
    return { ...state.settings, roles: state.roles, epoch: state.epoch }
  }

  async updateRoomSettings (ref: string, patch: Partial<RoomSettings>): Promise<void> {
    await roleActions.updateRoomSettings(this.#rolesHost(await this.#whenLoaded(this.#rolesRoom(ref))), patch)
  }

  moderationLog (ref: string): ModerationEntry[] {
    return this.#rolesRoom(ref).roles.state.moderation.map(e => ({ ...e }))
  }

  async rotateEpoch (ref: string, options: RotateEpochOptions = {}): Promise<number> {
    return await roleActions.rotateEpoch(this.#rolesHost(await this.#whenLoaded(this.#rolesRoom(ref))), options)
  }

  keyEpoch (ref: string): { epoch: number, held: number[], waiting: number } {
    const room = this.#rolesRoom(ref)
    return { epoch: room.roles.state.epoch, held: room.roles.keyring.epochs(), waiting: room.locked.size }
  }

  // ── direct messages and contacts (src/dm) ─────────────────────────────────────────────────────────────────────
  #directHost (): DirectHost {
    const byId = (id: string): JoinedRoom => {
      const r = this.#rooms.get(id)
      if (r == null) throw new NotFoundError(`no room ${id}`)
      return r
    }
    return {
      identity: this.#identity,
      displayName: () => this.#name,
      inviteOrigin: () => this.#init.inviteOrigin,
      join: async (stored) => await this.#join(stored),
      leave: async (id) => { const r = this.#rooms.get(id); if (r != null) await this.#leave(r) },
      storedRooms: () => [...this.#rooms.values()].map(r => r.stored),
      sendAs: async (id, body, author) => (await this.#sendBody(byId(id), body, author)).id,
      hasMessageFrom: (id, userId) => [...(this.#rooms.get(id)?.opened.values() ?? [])].some(m => m?.authorId === userId),
      waitForRelayHold: async (id, msg, ms) => await this.#waitHeld(byId(id), msg, ms),
      count: (reason) => { this.#count(reason) },
      emit: (detail) => { this.safeDispatchEvent('contact', { detail }) }
    }
  }

  #dm (): DirectMessages {
    if (this.#dms == null) throw new InvalidArgumentError('chat is not started')
    return this.#dms
  }

  async openDirect (userIdOrLink: string, options: { waitForRelayMs?: number } = {}): Promise<RoomInfo> {
    await this.#networkUp()
    return await this.#dm().openDirect(userIdOrLink, options)
  }

  async contactLink (): Promise<string> { return await this.#dm().contactLink() }

  contacts (): ContactInfo[] { return this.#dm().contacts() }

  contact (userId: string): ContactInfo { return this.#dm().contact(userId) }

  async verifyContact (userId: string, options: { link?: string } = {}): Promise<ContactInfo> {
    return await this.#dm().verifyContact(userId, options)
  }

  // ── linked devices (src/devices) ────────────────────────────────────────────────────────────────────────────────
  #deviceHost (): DeviceHost {
    return {
      identity: this.#identity,
      storage: this.#storage,
      deviceName: () => this.#init.deviceName ?? 'device',
      node: () => this.#node,
      hasRelays: () => (this.#init.relays ?? []).length > 0,
      join: async (stored) => await this.#join(stored),
      leave: async (id) => {
        const r = this.#rooms.get(id)
        if (r == null) return
        this.#dms?.onLeft(r.stored)
        await this.#leave(r)
      },
      storedRooms: () => [...this.#rooms.values()].map(r => r.stored),
      send: async (id, body) => {
        const r = this.#rooms.get(id)
        if (r == null) throw new NotFoundError(`no room ${id}`)
        await this.#sendBody(r, body)
      },
      profile: () => ({ ...(this.#name != null ? { name: this.#name } : {}), ...(this.#avatar != null ? { avatar: this.#avatar } : {}) }),
      applyProfile: async (p) => { await this.setProfile({ name: p.name, avatar: p.avatar }) },
      rotate: async (id, excludeBoxKeys) => {
        await this.rotateEpoch(id, { excludeBoxKeys })
        return true
      },
      count: (reason) => { this.#count(reason) },
      emit: () => { this.safeDispatchEvent('devices', { detail: {} }) },
      // The membership fold reads device keys (extraBoxKeys) when it runs: the next read or rekey folds again.
      keysChanged: () => { for (const r of this.#rooms.values()) r.fold = undefined },
      ownDevicesChanged: () => {
        if (this.#grantsTimer != null || this.#closed) return
        // Coalesced: one pass over the rooms for a burst of records (a link posts several).
        this.#grantsTimer = setTimeout(() => {
          this.#grantsTimer = undefined
          // A room still loading folds its membership at the end of its full open; again after it, with these keys.
          for (const r of this.#rooms.values()) if (r.stored.hidden == null && !this.#closed) void this.#whenLoaded(r).then(async () => { if (!this.#closed) await this.#refreshRoles(r) }).catch(() => {})
        }, 0)
      }
    }
  }

  /** Box key pairs epoch grants to us may be addressed to: the identity's and this device's own (src/devices). */
  #boxKeyPairs (): Array<{ publicKey: Uint8Array, secretKey: Uint8Array }> {
    const own = { publicKey: this.#identity.boxPublicKey, secretKey: this.#identity.boxSecretKey }
    return this.#devices != null ? [own, this.#devices.boxKeyPair] : [own]
  }

  #dev (): DeviceManager {
    if (this.#devices == null) throw new InvalidArgumentError('chat is not started')
    return this.#devices
  }

  async createLinkOffer (): Promise<LinkOfferHandle> { await this.#networkUp(); return await this.#dev().createLinkOffer() }

  async linkDevice (code: string): Promise<DeviceInfo> { await this.#networkUp(); return await this.#dev().linkDevice(code) }

  devices (): DeviceInfo[] { return this.#dev().devices() }

  async revokeDevice (id: string): Promise<RevokeResult> { return await this.#dev().revokeDevice(id) }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closing = true
    await this.#networkUp()
    await this.#devices?.idle()
    for (const r of this.#rooms.values()) await this.#publishEphemeral(r, { k: 'presence', state: 'offline' })
    this.#closed = true
    this.#relayRetry.stop()
    for (const t of this.#timers) clearInterval(t)
    for (const t of this.#presenceRetries) clearTimeout(t)
    if (this.#deliveryTimer != null) clearTimeout(this.#deliveryTimer)
    if (this.#grantsTimer != null) clearTimeout(this.#grantsTimer)
    this.#connector?.stop()
    this.#direct?.stop()
    await this.#node?.stop()
    for (const r of this.#rooms.values()) {
      for (const t of r.typing.values()) clearTimeout(t)
      r.unsubscribeFrames()
      if (r.shownTailTimer !== undefined) clearTimeout(r.shownTailTimer)
      if (r.seenTimer !== undefined) clearTimeout(r.seenTimer)
      await r.openQueue
      await this.#saveShownTail(r)
      await (r.log as RoomLog | undefined)?.close()
      await saveOpenedFrames(this.#storage, r.info.id, this.#openedFrames.get(r.info.id))
    }
    this.#rooms.clear()
    await this.#media?.close()
    if (this.#ownsStorage) await this.#storage.close()
  }
}
