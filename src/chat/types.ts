/**
 * Public types of the chat API (`createChat`). Everything a CLI, a web app or a bot needs; nothing of libp2p leaks
 * except the peer id strings.
 */
import type { DeliveryState, Gap, MessageView, StorageBackend } from '../history/types.ts'
import type { Identity } from '../identity/identity.ts'
import type { FetchFileOptions, FileInput, MediaFileInfo, MediaStore } from '../media/types.ts'
import type { TypedEventTarget } from '@libp2p/interface'
import type { DeviceInfo, LinkOfferHandle, RevokeResult } from '../devices/types.ts'
import type { ModerationEntry, Role, RoleInfo, RoomSettings, RotateEpochOptions } from '../roles/types.ts'

/** Options of {@link createChat}. */
export interface ChatInit {
  /** Node: directory of this peer's data (identity, rooms, logs). Locked while open. Give this or `storage`. */
  dataDir?: string
  /** A storage backend chosen by the caller (browser IndexedDB, memory in tests). Give this or `dataDir`. */
  storage?: StorageBackend
  /** Relays: multiaddrs ending in `/p2p/<id>`, or http(s) web addresses whose info document lists them. */
  relays?: string[]
  /** Use this identity (and store it) instead of the stored one. */
  identity?: Identity
  /** When no identity is stored and none is given: create one (default true) or fail with NotFoundError. */
  createIdentity?: boolean
  /** Node: discover peers on the LAN with mDNS (default true). */
  mdns?: boolean
  /** Ask relays to keep the encrypted history of our rooms (default true). */
  keep?: boolean
  /** Start no network at all (identity and room management only; messages stay local). Default false. */
  offline?: boolean
  /** libp2p listen addresses (platform default when absent). */
  listen?: string[]
  /** WebRTC ICE servers (none by default). */
  iceServers?: RTCIceServer[]
  /** Node: address node-datachannel binds ICE candidates to (`127.0.0.1` on a loopback-only host). */
  webrtcBindAddress?: string
  /** WebRTC transport (default true). */
  webrtc?: boolean
  /** Upgrade member peers to direct WebRTC connections through the relay (default true when WebRTC is on). */
  directUpgrade?: boolean
  /** Origin of the web app that invite links point at (default DEFAULT_INVITE_ORIGIN; a relay's own web address works). */
  inviteOrigin?: string
  /** Display name announced (as a signed profile message) in the rooms we are in. */
  displayName?: string
  /** Avatar announced with the display name (a small data URL, at most MAX_AVATAR_BYTES); stored like the name. */
  avatar?: string
  /** This device's name in the user's device list (`devices()`), e.g. the host name. Default `device`. */
  deviceName?: string
  /** Largest file sent or fetched, in bytes (default DEFAULT_MAX_FILE_BYTES = 100 MiB, at most MAX_MEDIA_FILE_BYTES). */
  maxFileBytes?: number
  /**
   * Where media bytes are kept. Default: `<dataDir>/media` with `dataDir`, else records in `storage` (IndexedDB in
   * the browser).
   */
  mediaStore?: MediaStore
  /**
   * Tail-first cold open (default false): `createChat` returns once each stored room shows the last messages this
   * device showed before (its shown-tail record, PROTOCOL.md "Tail-first open"), and opens the rest of each room in
   * the background, one room after another. While a room is loading (`roomLoading`), `messages()` holds only those
   * last messages, `gaps()` is empty and the membership getters (`roles`, `members`, `roomSettings`) may be
   * incomplete; sending, editing, role actions and read markers wait until it is loaded. `loaded` (then `change`)
   * fires when it is: everything is then exactly as after a plain open. A room without a usable record (never opened
   * in full with this option, or whose recorded frames no longer open) is opened in full before `createChat` returns.
   */
  tailFirst?: boolean
  /**
   * Start the network behind `createChat` (default false; ignored with `offline`): `createChat` returns once the
   * identity and the stored rooms are open (with `tailFirst`, their last messages shown before), and libp2p starts a
   * task later; then subscriptions, relays and sync follow as usual. `network` fires once it is up (or failed:
   * the chat then stays offline); `waitForNetwork()` waits for it. Until then `peerId` is undefined and the chat
   * behaves as offline: a message sent is stored (delivery: not sent yet) and reaches peers and relays by sync once
   * the network is up; what needs the network (`waitForRelay`, `waitForRoomPeer`, `syncRoomPeers`, `openDirect`,
   * `sendFile`, `fetchFile`, `upgradeDirect`, device linking) waits for the start first.
   */
  networkInBackground?: boolean
}

/** A room we are in. */
export interface RoomInfo {
  /** Room id, lowercase hex (64 chars); any unique prefix names the room in the CLI. */
  id: string
  /** Local name (from the invite or given at creation). */
  name: string
  /** Invite link: whoever holds it can join. */
  invite: string
  /** Gossipsub topic (public; reveals nothing of the name). */
  topic: string
  /** Time we joined (ms). */
  joinedAt: number
  /** Set for a direct room: the other user (`name` is their current display name, `invite` is empty). */
  direct?: { userId: string }
}

/** What we know of another user: keys, verification, key changes (see `contact`, `verifyContact`). */
export interface ContactInfo {
  userId: string
  /** Latest display name from their signed profile or contact card. */
  name?: string
  /** Avatar from their latest profile in a shared room. */
  avatar?: string
  /** Short fingerprint of their user id. */
  fingerprint: string
  /**
   * 60 digits (12 groups of 5) from both users' keys, the same on both sides: compare it in person or by phone.
   * Undefined while we know no box key for them. With `keyChanged`, it is computed with the new key.
   */
  safetyNumber?: string
  /** We marked them verified (locally) and their key has not changed since. */
  verified: boolean
  /** They announced a box key other than the one we pinned: warn before trusting the conversation. */
  keyChanged: boolean
  /** True once their key is pinned (we have a direct room with them, or verified them). */
  pinned: boolean
  /** Id of our direct room with them. */
  directRoom?: string
  /** Other pinned contacts showing the same display name (someone may be impersonating). */
  sameNameAs?: string[]
}

/** What `send` and friends return. */
export interface SentMessage {
  /** Message id, lowercase hex (32 chars). */
  id: string
  room: string
  /** Delivery state at the time the promise resolved (the message is on disk by then). */
  delivery: DeliveryState
  /** True when at least one peer or relay was connected and subscribed when it was published. */
  handedToNetwork: boolean
}

/** A live connection of this peer. */
export interface ConnectionInfo {
  peerId: string
  /** `relayed` through a circuit relay, else `direct`. */
  path: 'direct' | 'relayed'
  /** Transport of the connection: `tcp`, `ws`, `wss`, `webrtc` or `other`. */
  transport: string
  /** True when the remote peer is one of our relays. */
  relay: boolean
  remoteAddr: string
}

/** Which path a member peer (one device of a user) is on (`peerPaths`). */
export interface PeerPath {
  peerId: string
  /** Users seen publishing room frames from this peer. */
  userIds: string[]
  /**
   * `lan`: a direct connection to a private or loopback address (TCP/WebSockets, e.g. found by mDNS); `direct`: peer
   * to peer (WebRTC, whose signalling went through a relay, or a public address); `relay`: only through a circuit
   * relay (limited, slower); `none`: not connected.
   */
  path: 'lan' | 'direct' | 'relay' | 'none'
  /** Transport of the best connection (`webrtc`, `tcp`, `ws`, `wss`, `other`). */
  transport?: string
  /** The WebRTC upgrade: being dialled, done, or failed (the relay path is used meanwhile; retried with backoff). */
  upgrade?: 'connecting' | 'direct' | 'failed'
  /** Why the last upgrade failed. */
  error?: string
}

export interface PresenceInfo {
  userId: string
  name?: string
  state: 'online' | 'away' | 'offline'
  /** Last time we heard from this user (ms, our clock). */
  lastSeen: number
}

/** What the room's profile messages say about one member (latest profile by author time). */
export interface MemberInfo {
  userId: string
  name: string
  /** The avatar from their profile (a data URL or reference, at most MAX_AVATAR_BYTES); shown only if safe. */
  authorAvatar?: string
  /** Their role in the room (src/roles); `member` in open rooms (no roles). */
  role?: Role
}

/** What `importRoom` did. */
export interface ImportedRoom {
  room: RoomInfo
  /** Messages new to the log. */
  added: number
  /** Update chunks refused by the same checks as the network (nothing of them applied). */
  rejected: number
}

/** Events of a Chat. */
export interface ChatEvents {
  /**
   * New text messages (from anyone, us included) reached the log of a room. Their `index` is -1 (call `messages()`
   * for positions); edits, deletes, reactions and profiles arriving later fire `change`.
   */
  message: CustomEvent<{ room: string, messages: MessageView[] }>
  /** A room's read model changed in place (an edit, delete or reaction arrived). */
  change: CustomEvent<{ room: string }>
  /** Someone's presence changed. */
  presence: CustomEvent<{ room: string } & PresenceInfo>
  /** Someone started or stopped typing. */
  typing: CustomEvent<{ room: string, userId: string, name?: string, on: boolean }>
  /** One of our messages changed delivery state. */
  delivery: CustomEvent<{ room: string, id: string, delivery: DeliveryState }>
  /** A connection opened or closed. */
  connection: CustomEvent<ConnectionInfo & { open: boolean }>
  /** A relay connected or went away. */
  relay: CustomEvent<{ peerId: string, connected: boolean }>
  /** A catch-up sync of a room with a peer (or relay) finished. */
  sync: CustomEvent<{ room: string, peerId: string, relay: boolean }>
  /** Another member's read marker moved (see `readMarkers`). */
  read: CustomEvent<{ room: string, userId: string, upTo: string }>
  /** A contact was added (first direct room with them), verified, or announced a different key (`key-change`). */
  contact: CustomEvent<{ userId: string, reason: 'added' | 'key-change' | 'verified' }>
  /**
   * A room left loading by a tail-first open (`ChatInit.tailFirst`) is open in full; `messages()` holds all of it.
   * With `error`, its history could not be read instead (see `roomError`).
   */
  loaded: CustomEvent<{ room: string, error?: string }>
  /** The network started behind `createChat` (`ChatInit.networkInBackground`), or failed to (`error`; then offline). */
  network: CustomEvent<{ started: boolean, error?: string }>
  /** Our device list changed: a device was linked or revoked (see `devices()`). */
  devices: CustomEvent<Record<string, never>>
  /** Something from the network was dropped (counted in `dropped()`). */
  dropped: CustomEvent<{ room?: string, reason: string }>
  /** A member peer's path changed (a direct WebRTC connection opened, failed or closed). */
  path: CustomEvent<PeerPath>
}

/** A running chat peer. */
export interface Chat extends TypedEventTarget<ChatEvents> {
  /** Our identity (public parts; the seed stays inside). */
  readonly user: { userId: string, fingerprint: string, publicKey: Uint8Array, name?: string }
  /** This device's libp2p peer id (undefined when offline). */
  readonly peerId: string | undefined
  /** Rooms we are in, in join order. */
  rooms (): RoomInfo[]
  /** Finds a room by exact name, id or unique id prefix; throws NotFoundError / InvalidArgumentError (ambiguous). */
  room (ref: string): RoomInfo
  /** Creates a room with a fresh secret and joins it. */
  createRoom (name: string, options?: { roles?: boolean }): Promise<RoomInfo>
  /** Joins the room of an invite link (whole URL or fragment). Joining twice returns the same room. */
  joinRoom (invite: string, name?: string): Promise<RoomInfo>
  /** Leaves a room: unsubscribes and forgets it (its log file stays on disk). */
  leaveRoom (room: string): Promise<void>
  /** Sends a text; resolves once it is durably in the local log and handed to the network. */
  send (room: string, text: string, options?: { replyTo?: string }): Promise<SentMessage>
  /** Edits one of our messages. */
  edit (room: string, target: string, text: string): Promise<SentMessage>
  /** Deletes one of our messages. */
  delete (room: string, target: string): Promise<SentMessage>
  /** Adds (on = true, default) or removes a reaction. */
  react (room: string, target: string, emoji: string, on?: boolean): Promise<SentMessage>
  /** Sets our display name and announces it in every room. */
  setName (name: string): Promise<void>
  /** Sets our display name and/or avatar (null removes it) and announces the profile in every room. */
  setProfile (profile: { name?: string, avatar?: string | null }): Promise<void>
  /** Members known from their profile messages in the room, with name and avatar. */
  members (room: string): MemberInfo[]
  /** Other members' read markers: user id → id of the last message they said they have read. */
  readMarkers (room: string): Record<string, string>
  /**
   * The room's whole encrypted history as a portable file (PROTOCOL.md, "Room archives"). It contains the room
   * secret: whoever holds the file can join and read the room.
   */
  exportRoom (room: string): Promise<Uint8Array>
  /**
   * Joins the room of an archive (if not in it yet) and applies its history through the same checks as the network.
   * Throws MalformedError / OversizedError for a file that is not a valid archive.
   */
  importRoom (archive: Uint8Array): Promise<ImportedRoom>
  /** The room's messages in converged log order, edits/deletes/reactions folded. `limit` keeps the last N. */
  messages (room: string, options?: { limit?: number }): MessageView[]
  /** Known gaps (authors whose sequence numbers have holes). */
  gaps (room: string): Gap[]
  /** True while a tail-first open (`ChatInit.tailFirst`) is still opening the room in full (see `loaded`). */
  roomLoading (room: string): boolean
  /**
   * Resolves once the room is open in full (at once unless a tail-first open left it loading); rejects with
   * CorruptStoreError when its history could not be read (see `roomError`).
   */
  waitForRoomLoaded (room: string): Promise<void>
  /**
   * Why a tail-first open could not open the room in full (its stored history could not be read), else undefined.
   * Such a room is no longer loading; `messages()` keeps the last messages shown before, and whatever needs the whole
   * room (sending, editing, role actions, export) throws CorruptStoreError; it takes no part in sync or live updates.
   */
  roomError (room: string): string | undefined
  /**
   * Resolves once the network is started (at once unless `ChatInit.networkInBackground` left it starting, or when
   * offline); rejects with the error if that start failed.
   */
  waitForNetwork (): Promise<void>
  /**
   * Delivery state of one of our messages: undefined for others' messages and for ours until this device's own
   * write of it is durable (fsync / strict IndexedDB transaction), so nothing is ever shown as sent that a crash
   * could lose.
   */
  delivery (room: string, id: string): DeliveryState | undefined
  /** Resolves true once a relay holds the message, false after `timeoutMs`. */
  waitForRelayHold (room: string, id: string, timeoutMs: number): Promise<boolean>
  /** Tells the room we have read up to this message (default: the last one). */
  markRead (room: string, id?: string): Promise<void>
  /** Announces typing on or off. */
  setTyping (room: string, on: boolean): Promise<void>
  /** Who is in the room, as far as presence tells. */
  presence (room: string): PresenceInfo[]
  /** Resolves true once a catch-up sync of the room with a relay has completed (since start), false after `timeoutMs`. */
  waitForRelaySync (room: string, timeoutMs: number): Promise<boolean>
  /**
   * Resolves true once some peer (a member on the LAN, or a relay) is subscribed to the room, so a message sent now is
   * handed to the network; false after `timeoutMs`. What a relay-less LAN peer waits for before sending.
   */
  waitForRoomPeer (room: string, timeoutMs: number): Promise<boolean>
  /**
   * Runs a catch-up sync of the room now with every member peer subscribed to it (not relays) and resolves with how
   * many completed within `timeoutMs`. A completed sync means that peer has stored everything we have (the protocol
   * acknowledges chunks once applied and stored). What a relay-less peer does before it goes away: a live update
   * that depends on messages the other side lacks waits there until a sync with us, and we may be gone by then.
   */
  syncRoomPeers (room: string, timeoutMs: number): Promise<number>
  /** Relays currently connected (peer ids). */
  connectedRelays (): string[]
  /** Resolves true once any relay is connected, false after `timeoutMs` (immediately false with no relays). */
  waitForRelay (timeoutMs: number): Promise<boolean>
  /** Live connections. */
  connections (): ConnectionInfo[]
  /** Which path each member peer is on (LAN, direct, relay), with the state of its direct WebRTC upgrade. */
  peerPaths (): PeerPath[]
  /** Peer ids of the devices a user was seen publishing from in our rooms (for direct transfers to that user). */
  peersOfUser (userId: string): string[]
  /** Dials a member peer over WebRTC through a relay now; resolves with the upgrade state reached. */
  upgradeDirect (peerId: string): Promise<'connecting' | 'direct' | 'failed'>
  /**
   * Sends a file: its bytes are stored locally first (and served to room members from there), then a `file` message
   * with name, type, size, content hash (SHA-256), a fresh per-file key and the preview is posted. Throws
   * OversizedError above `maxFileBytes`, InvalidArgumentError for a bad name/mime/preview.
   */
  sendFile (room: string, file: FileInput): Promise<SentMessage>
  /**
   * The bytes of a `file` message: from the local store when complete, else fetched on MEDIA_PROTOCOL from the sender
   * first, then other members who hold it, resuming after the last verified chunk. Every chunk and the whole file are
   * checked before anything is returned; the file is kept and served on. Rejects with NotFoundError (no such file
   * message), OversizedError (above `maxFileBytes`), TransferCancelledError (signal) or MediaUnavailableError (no
   * peer could give it, with the reason per peer; verified progress is kept).
   */
  fetchFile (room: string, messageId: string, options?: FetchFileOptions): Promise<Uint8Array>
  /** What a `file` message announces and how much of it is stored here. Throws NotFoundError for other messages. */
  mediaFile (room: string, messageId: string): Promise<MediaFileInfo>
  /** Frames and updates dropped so far, by reason. */
  dropped (): Record<string, number>
  /**
   * Diagnostics: this peer's gossipsub score of another peer (undefined when offline). Peers whose frames our topic
   * validators reject fall below GOSSIP_GRAYLIST_THRESHOLD, and everything they send is then ignored.
   */
  gossipScore (peerId: string): number | undefined
  // ── Roles, moderation and key epochs (src/roles/types.ts; PROTOCOL.md "Roles and key epochs") ──
  /** Members with their roles, strongest first (open rooms: everyone who posted, as `member`). */
  roles (room: string): RoleInfo[]
  /** Sets a member's role (admins: below their own; the owner: anything, `owner` hands the room over). NotAllowedError when the room would ignore it. */
  setRole (room: string, userId: string, role: Role): Promise<void>
  /** Removes a member (moderator or above, target below us) and starts a new key epoch without them; resolves to the new epoch. */
  kick (room: string, userId: string): Promise<number>
  /** Bans a user (removed and kept out until unbanned) and starts a new key epoch without them; resolves to the new epoch. */
  ban (room: string, userId: string): Promise<number>
  /** Lifts a ban; the user is not re-added until setRole(member). */
  unban (room: string, userId: string): Promise<void>
  /** Moderators remove a message from view for everyone who accepts their role (`on` false restores it). */
  removeMessage (room: string, messageId: string, on?: boolean): Promise<void>
  /** Room settings, whether the room has roles, and its current key epoch. */
  roomSettings (room: string): RoomSettings & { roles: boolean, epoch: number }
  /** Changes room settings (admins and the owner). */
  updateRoomSettings (room: string, patch: Partial<RoomSettings>): Promise<void>
  /** Every membership op that took effect, in log order; any member can read it. */
  moderationLog (room: string): ModerationEntry[]
  /**
   * Starts a new key epoch boxed to every member's box keys except `excludeBoxKeys` (device revocation); resolves to
   * the new epoch. Rooms with roles: moderators and above; open rooms: any member.
   */
  rotateEpoch (room: string, options?: RotateEpochOptions): Promise<number>
  /** The room's current epoch, the epochs whose keys we hold, and how many stored frames wait for a key. */
  keyEpoch (room: string): { epoch: number, held: number[], waiting: number }
  /**
   * Opens (or returns) the direct room with a user, from their user id (their box key must be known: pinned, or from
   * their profile in a shared room) or their contact link. Both users get the same room whoever starts; the other
   * learns of it through a knock left in their inbox (held by relays while they are offline). With
   * `waitForRelayMs`, waits that long at most for a connected relay to hold the knock.
   * Throws InvalidArgumentError (bad id, our own id), InvalidContactLinkError, NotFoundError (no key known).
   */
  openDirect (userIdOrLink: string, options?: { waitForRelayMs?: number }): Promise<RoomInfo>
  /** Our contact link (also the QR payload): others open a direct room with us from it. Signed; holds no secret. */
  contactLink (): Promise<string>
  /** Pinned contacts (direct rooms, verified users). */
  contacts (): ContactInfo[]
  /** What we know of one user, pinned or only seen in a shared room. Throws NotFoundError / InvalidArgumentError. */
  contact (userId: string): ContactInfo
  /**
   * Marks a user verified after comparing safety numbers (stored locally; a pending key change is accepted). With
   * `link`, their contact link must carry the keys we hold. Throws NotFoundError when no key is known.
   */
  verifyContact (userId: string, options?: { link?: string }): Promise<ContactInfo>
  // ── Linked devices (src/devices; PROTOCOL.md "Linked devices") ──
  /**
   * On a NEW device: shows that it wants to be linked. Returns a one-time code (show it as text and as a QR code) for
   * a device that holds the identity to enter in `linkDevice`. `done` resolves once linked: the identity, rooms and
   * profile are stored, and the chat must be closed and opened again to run as that identity. Needs the network
   * (a relay, so the code works across networks). The identity this device had before is replaced.
   */
  createLinkOffer (): Promise<LinkOfferHandle>
  /**
   * On a device that holds the identity: links the device showing `code` (sends it the identity, rooms and profile,
   * encrypted, and a device binding signed by the identity). Throws InvalidArgumentError for a bad code,
   * LinkRefusedError when the other device refuses or cannot be reached, BadSignatureError for a wrong code.
   */
  linkDevice (code: string): Promise<DeviceInfo>
  /** This identity's devices (this one marked `current`), revoked ones included. */
  devices (): DeviceInfo[]
  /**
   * Revokes another device of ours (by its id from `devices()`): a signed revocation goes to every room, and every
   * room moves to a key epoch the revoked device has no key for. A revoked device that kept the seed can still sign
   * as the user: after a theft, move to a new identity (THREAT_MODEL.md "Linked devices").
   */
  revokeDevice (id: string): Promise<RevokeResult>
  /** Publishes presence `offline`, stops the network and closes storage. */
  close (): Promise<void>
}

export type { DeliveryState, Gap, MessageView }
export type { DeviceInfo, LinkOfferHandle, RevokeResult } from '../devices/types.ts'
export type { FetchAttempt, FetchFileOptions, FetchProgress, FileInput, MediaFileInfo, MediaStore, TransferPath } from '../media/types.ts'
