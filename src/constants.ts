/**
 * Every limit, protocol id, domain tag and default timeout of ChatSphere lives here, so that logic has no magic
 * numbers and reviewers can see every bound in one place. Wire-visible values are versioned: changing one of
 * them is a protocol change (see PROTOCOL.md).
 */

// ── Versions ────────────────────────────────────────────────────────────────────────────────────────────────
/** First byte of every frame on the wire. */
export const FRAME_VERSION = 1
/** Version field inside the signed inner message. */
export const MESSAGE_VERSION = 1
/** Version of the invite link fragment format. */
export const INVITE_VERSION = 1
/** Version of the passphrase-encrypted key file. */
export const KEYFILE_VERSION = 1

// ── Domain separation tags (UTF-8 strings, never reuse one for two purposes) ────────────────────────────────
export const TAG_SIGNING_SEED = 'chatsphere/v1/identity/ed25519'
export const TAG_BOX_SEED = 'chatsphere/v1/identity/x25519'
export const TAG_MESSAGE_SIG = 'chatsphere/v1/message-signature'
export const TAG_FRAME_SIG = 'chatsphere/v1/frame-signature'
export const TAG_PROFILE_SIG = 'chatsphere/v1/profile-signature'
export const TAG_DEVICE_SIG = 'chatsphere/v1/device-binding'
export const TAG_ROOM_ID = 'chatsphere/v1/room/id'
export const TAG_ROOM_TOPIC = 'chatsphere/v1/room/topic'
export const TAG_ROOM_EPHEMERAL_TOPIC = 'chatsphere/v1/room/ephemeral-topic'
export const TAG_ROOM_KEY = 'chatsphere/v1/room/key'
export const TAG_ROOM_WRITE = 'chatsphere/v1/room/write'
export const TAG_ROOM_MESSAGE_ID = 'chatsphere/v1/room/message-id'
export const TAG_KEEP_REQUEST = 'chatsphere/v1/relay/keep-request'
export const TAG_FINGERPRINT = 'chatsphere/v1/fingerprint'

// ── Sizes of keys and ids ───────────────────────────────────────────────────────────────────────────────────
export const SEED_BYTES = 32
export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
export const ROOM_SECRET_BYTES = 32
export const ROOM_ID_BYTES = 32
export const ROOM_KEY_BYTES = 32
export const MESSAGE_ID_BYTES = 16
export const NONCE_BYTES = 24
export const SECRETBOX_OVERHEAD_BYTES = 16

// ── Hard limits on hostile input ────────────────────────────────────────────────────────────────────────────
/** Largest frame accepted from anyone (gossipsub message, log entry, sync chunk item). */
export const MAX_FRAME_BYTES = 64 * 1024
/** Largest message text, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 16 * 1024
/** Largest display name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 128
/** Largest room name or topic line, in UTF-8 bytes. */
export const MAX_ROOM_NAME_BYTES = 256
/** Largest emoji / reaction key, in UTF-8 bytes. */
export const MAX_REACTION_BYTES = 32
/** Largest avatar reference or inline avatar (a small data URL or content hash), in bytes. */
export const MAX_AVATAR_BYTES = 24 * 1024
/** Largest generic short string field (file name, mime type, ...), in UTF-8 bytes. */
export const MAX_FIELD_BYTES = 512
/** Largest decoded signed inner message. */
export const MAX_INNER_BYTES = MAX_FRAME_BYTES - 256
/** Most CBOR map entries / array items accepted in any decoded structure. */
export const MAX_CBOR_ITEMS = 64
/** Deepest CBOR nesting accepted. */
export const MAX_CBOR_DEPTH = 6
/** Largest invite link accepted, in characters. */
export const MAX_INVITE_CHARS = 2048
/** Largest key file accepted, in bytes. */
export const MAX_KEYFILE_BYTES = 4096
/** A message time more than this far in the future (ms) is rejected. */
export const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000
/** Largest per-author sequence number (fits a JS safe integer and CBOR uint). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER
/** Largest key epoch. */
export const MAX_EPOCH = 0xffff_ffff

// ── Key derivation ──────────────────────────────────────────────────────────────────────────────────────────
/** scrypt cost parameters for key files: N = 2^17, r = 8, p = 1 (about 128 MiB, ~0.3-1 s). */
export const KEYFILE_SCRYPT_LOG_N = 17
export const KEYFILE_SCRYPT_R = 8
export const KEYFILE_SCRYPT_P = 1
/** Parameters outside these bounds in a key file are refused (a hostile file must not make us allocate gigabytes). */
export const KEYFILE_SCRYPT_MAX_LOG_N = 20
export const KEYFILE_SCRYPT_MIN_LOG_N = 14

// ── Protocols ───────────────────────────────────────────────────────────────────────────────────────────────
export const SYNC_PROTOCOL = '/chatsphere/sync/1.0.0'
export const MEDIA_PROTOCOL = '/chatsphere/media/1.0.0'
export const KEEP_PROTOCOL = '/chatsphere/keep/1.0.0'
/** Prefix of every gossipsub topic (the rest is a hash, never the room's name). */
export const TOPIC_PREFIX = '/chatsphere/1/room/'
export const EPHEMERAL_TOPIC_PREFIX = '/chatsphere/1/live/'

// ── Network defaults ────────────────────────────────────────────────────────────────────────────────────────
/** Default HTTP port of the relay (web app, JSON info, health, metrics, libp2p WebSockets). */
export const DEFAULT_RELAY_PORT = 8470
export const DEFAULT_RELAY_HOST = '0.0.0.0'
/** Path of the JSON document a relay serves with its peer id and multiaddrs. */
export const RELAY_INFO_PATH = '/.well-known/chatsphere.json'

// ── Identity, room and envelope (issue 2: crypto/identity/room/envelope) ────────────────────────────────────
/** Largest inline preview (thumbnail / waveform) carried in a `file` body, in bytes. */
export const MAX_PREVIEW_BYTES = 16 * 1024
/** Largest file size a `file` body may announce (bytes); the media layer enforces its own transfer limits. */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER
/** Largest libp2p peer id text accepted in a device binding. */
export const MAX_PEER_ID_CHARS = 128
/** Largest signed profile record (the avatar dominates it). */
export const MAX_PROFILE_BYTES = MAX_AVATAR_BYTES + 1024
/** Largest signed device binding. */
export const MAX_DEVICE_BINDING_BYTES = 512
/** Largest `device` number (u32, random per device). */
export const MAX_DEVICE = 0xffff_ffff
/** How many message ids a ReplayGuard remembers before forgetting the oldest. */
export const REPLAY_GUARD_SIZE = 100_000
/** How many imported Ed25519 keys (KeyObject / CryptoKey) are cached so per-message verify does not re-import. */
export const ED25519_KEY_CACHE_SIZE = 1024
/** Bounds on the other scrypt parameters a key file may carry (memory = 128·N·r bytes, so ≤ 1 GiB at the caps). */
export const KEYFILE_SCRYPT_MAX_R = 8
export const KEYFILE_SCRYPT_MAX_P = 4
/** Salt length of a key file's scrypt. */
export const KEYFILE_SALT_BYTES = 16
/** Length of the room topic hashes before base32 (160 bits: collision-free for any realistic room count). */
export const TOPIC_HASH_BYTES = 20
/**
 * Origin used by createInviteLink when the caller gives none: the web app of a relay on this machine. Never a
 * public domain we do not control: whatever page an invite opens can read the secret in its fragment.
 */
export const DEFAULT_INVITE_ORIGIN = `http://localhost:${DEFAULT_RELAY_PORT}`
/** Domain tag of the room secret of a direct (two-person) room, from the X25519 agreement of the two users. */
export const TAG_DIRECT_ROOM = 'chatsphere/v1/room/direct'

// ── History log, storage and sync (issue 4: history) ────────────────────────────────────────────────────────
/** Name of the one root type of a room's Y.Doc: a Y.Array of frames. Updates touching any other root are refused. */
export const HISTORY_LOG_NAME = 'log'
/** Largest Yjs update accepted from the network (a gossipsub live update or one sync chunk), checked before decoding. */
export const MAX_UPDATE_BYTES = 512 * 1024
/** Most structs (items + skips) in one update from the network; every struct costs at least 2 bytes, this bounds work. */
export const MAX_UPDATE_STRUCTS = 16_384
/** Most clients named in one update from the network. */
export const MAX_UPDATE_CLIENTS = 4096
/** Most client entries in a state vector from the network. */
export const MAX_STATE_VECTOR_CLIENTS = 65_536
/** Largest encoded state vector accepted from the network (bytes). */
export const MAX_STATE_VECTOR_BYTES = 1024 * 1024
/** Target size of one catch-up chunk: missing items are packed into updates of at most this many bytes. */
export const SYNC_CHUNK_BYTES = 256 * 1024
/** Largest length-prefixed sync message accepted (a chunk plus CBOR framing). */
export const MAX_SYNC_MESSAGE_BYTES = MAX_UPDATE_BYTES + 1024
/** Most of our sync chunks in flight (sent, not yet acknowledged): 4 × 256 KiB stays under libp2p's 4 MiB read buffer. */
export const SYNC_WINDOW_CHUNKS = 4
/** Most chunks one sync session accepts from the other side before giving up (an endless peer is cut off). */
export const MAX_SYNC_CHUNKS = 4096
/** A sync session that makes no progress for this long (ms) is aborted. */
export const SYNC_IDLE_TIMEOUT_MS = 20_000
/** Largest topic string in a sync hello. */
export const MAX_TOPIC_CHARS = 256
/** Largest record in a Node update file (a compacted room can be big; a single record above this is corrupt). */
export const MAX_STORED_RECORD_BYTES = 1024 * 1024 * 1024
/** After this many appended records since the last compaction, opening a room log compacts it. */
export const COMPACT_AFTER_RECORDS = 1000
/** Byte offset and length of the message id inside a frame (see PROTOCOL.md "Frame"); the read path dedupes by it. */
export const FRAME_ID_OFFSET = 6
/** Largest Yjs pending store (items waiting for predecessors) a room log keeps before dropping it. */
export const MAX_PENDING_UPDATE_BYTES = 8 * 1024 * 1024
/** Frames kept in a room's tail cache (shown before the log has loaded). */
export const TAIL_CACHE_FRAMES = 100

// ── Network: node factory, gossipsub, relay, keep requests, chat API, CLI (issue 3) ────────────────────────────
/** Default TCP port of the relay's libp2p TCP listener (Node peers and other relays); WebSockets share the HTTP port. */
export const DEFAULT_RELAY_TCP_PORT = 8471
/** Default data directory name of a Node peer (the CLI), under the user's home. */
export const DEFAULT_DATA_DIR_NAME = '.chatsphere'
/** Default data directory name of a relay, under the user's home (apart from the peer's, which is locked while in use). */
export const DEFAULT_RELAY_DATA_DIR_NAME = '.chatsphere-relay'
/** Relay HTTP paths besides the info document. */
export const RELAY_HEALTH_PATH = '/healthz'
export const RELAY_METRICS_PATH = '/metrics'
/** Version of the relay's JSON info document. */
export const RELAY_INFO_VERSION = 1
/** Largest relay info document a peer accepts, in bytes. */
export const MAX_RELAY_INFO_BYTES = 16 * 1024
/** Most multiaddrs taken from one relay info document. */
export const MAX_RELAY_INFO_ADDRS = 16
/** How long fetching a relay's info document may take. */
export const RELAY_INFO_TIMEOUT_MS = 5_000

/** Gossipsub mesh degree: a room of 2 works (floodPublish), a room of 100 does not flood (mesh of D peers). */
export const GOSSIP_D = 6
export const GOSSIP_D_LOW = 4
export const GOSSIP_D_HIGH = 12
export const GOSSIP_D_OUT = 2
/** Largest gossipsub RPC data section decoded at all (a live message is one Yjs update of one frame). */
export const GOSSIP_MAX_INBOUND_DATA_BYTES = 4 * MAX_FRAME_BYTES
/**
 * Bounds on one decoded gossipsub RPC (the 2026 advisory was an unbounded subscription count). A node sends its
 * whole subscription list in one RPC when a peer connects, and an RPC over any limit is refused whole: so this must
 * hold every topic of the biggest honest node, a relay keeping DEFAULT_RELAY_MAX_ROOMS rooms (two topics each).
 * At 256, a relay with more than 128 rooms was invisible to every peer that connected (found by issue 8's tests).
 */
export const GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC = 4096
export const GOSSIP_MAX_MESSAGES_PER_RPC = 256
export const GOSSIP_MAX_IHAVE_IDS = 5_000
export const GOSSIP_MAX_IWANT_IDS = 5_000
export const GOSSIP_MAX_IDONTWANT_IDS = 5_000
export const GOSSIP_MAX_CONTROL_MESSAGES = 256
export const GOSSIP_MAX_PEER_INFOS = 16
/**
 * Per-peer budget for tracked topic subscriptions: gossipsub charges each topic its length plus 1 KiB, so this
 * tracks about 2,000 topics of ~51 characters per peer: every topic of a relay keeping DEFAULT_RELAY_MAX_ROOMS rooms
 * (at 256 KiB only ~240 were tracked, and peers missed the relay in the rest of their rooms).
 */
export const GOSSIP_MAX_TOPIC_BYTES_PER_PEER = 2_000 * (64 + 1024)
/** Most topics a peer or relay subscribes to at once (two per room). */
export const MAX_JOINED_ROOMS = 500

/** Reconnect backoff towards a relay that went away: first retry, cap, growth factor and jitter (fraction). */
export const RECONNECT_MIN_MS = 250
/**
 * 4 s, not 10 s: after a long outage (a partition, a relay restart) the next redial came up to 12 s after the path was
 * back, and members were not identical within 10 s of healing (issue 8 chaos test). One dial every ~4 s per peer
 * towards a relay that is down is cheap; the jitter still spreads a crowd reconnecting to a restarted relay.
 */
export const RECONNECT_MAX_MS = 4_000
export const RECONNECT_FACTOR = 2
export const RECONNECT_JITTER = 0.2
/** How long one dial may take. */
export const DIAL_TIMEOUT_MS = 10_000

/** Keep requests (`KEEP_PROTOCOL`): largest request / response, freshness window of a signed request. */
export const MAX_KEEP_REQUEST_BYTES = 2 * 1024
export const MAX_KEEP_RESPONSE_BYTES = 64 * 1024
export const KEEP_REQUEST_MAX_AGE_MS = 10 * 60 * 1000
/** How long a keep exchange may take. */
export const KEEP_TIMEOUT_MS = 10_000
/** A peer repeats its keep requests this often (relays forget rooms nobody asks about, and restart). */
export const KEEP_REFRESH_MS = 60_000

/** Relay quotas and circuit relay v2 limits (the library default of 128 KiB / 2 min per relayed connection would cut a history sync). */
export const DEFAULT_RELAY_MAX_ROOMS = 1_000
export const DEFAULT_RELAY_MAX_RESERVATIONS = 512
export const DEFAULT_RELAY_CIRCUIT_DURATION_MS = 10 * 60 * 1000
export const DEFAULT_RELAY_CIRCUIT_DATA_BYTES = 64 * 1024 * 1024
export const DEFAULT_RELAY_MAX_CONNECTIONS = 2_000
/** Validity of the relay's self-signed TLS certificate. */
export const RELAY_TLS_VALID_DAYS = 825

/** Per-device sequence numbers are reserved this many at a time and persisted before use (never reused after a crash). */
export const SEQ_RESERVE_BLOCK = 64
/** Presence is re-announced this often on the ephemeral topic; a peer silent for 3 periods is offline. */
export const PRESENCE_INTERVAL_MS = 20_000
/**
 * An announcement of our presence that gossipsub sent to nobody although the room has subscribers (their subscriptions
 * reach us on their stream before ours to them is open) is tried again this many times, after 200, 400, 800... ms.
 */
export const PRESENCE_RETRIES = 5
export const PRESENCE_RETRY_MS = 200
/** A typing indicator lapses after this long without a refresh. */
export const TYPING_TIMEOUT_MS = 6_000
/** How often a peer asks its relays whether they hold its pending messages. */
export const DELIVERY_CHECK_MS = 1_000
/** Read markers arriving within this long update the "seen by N" of our messages together (one walk of the room). */
export const SEEN_UPDATE_MS = 50
/** `chatsphere send` waits at most this long for a reachable relay to hold the message. */
export const SEND_RELAY_WAIT_MS = 8_000
/**
 * `chatsphere send` waits at most this long, once a relay is connected, for a room peer (the relay once it keeps the
 * room and its subscription arrived) before publishing: a publish with no recipient goes to the relay by sync, which
 * live followers get only with the relay's next push (measured: every CLI message took that path before the wait).
 */
export const SEND_SUBSCRIBER_WAIT_MS = 3_000
/** How long the CLI waits for a first relay connection before reporting it unreachable. */
export const CLI_CONNECT_TIMEOUT_MS = 8_000
/** At most one catch-up sync per peer and room this often, triggered by live updates that brought nothing new. */
export const CATCH_UP_MS = 1_000
/**
 * A relay is the hub of a star: members usually connect only to it, so its mesh must hold every member of a room
 * (up to this many) or members outside its mesh only get messages by lazy gossip a heartbeat later.
 */
export const GOSSIP_RELAY_D = 128
export const GOSSIP_RELAY_D_LOW = 64
export const GOSSIP_RELAY_D_HIGH = 256

// ── Room history export/import (issue 5, web helper) ──
/** Largest room archive file accepted by `importRoom` (checked before decoding). */
export const MAX_ROOM_ARCHIVE_BYTES = 256 * 1024 * 1024
/** Most Yjs update chunks in one room archive (each at most MAX_UPDATE_BYTES). */
export const MAX_ROOM_ARCHIVE_UPDATES = 65_536
/** Version written in (and the only one read from) room archives. */
export const ROOM_ARCHIVE_VERSION = 1

// ── Opened-frames cache (issue 4, storage/perf helper) ──
/** Most fingerprints of already-opened frames kept per room (16 B each); beyond it frames are verified in full. */
export const MAX_OPENED_FRAMES_CACHED = 4_000_000

// ── Direct WebRTC connections between room members (issue 6, connections/web-media helper) ──
/** One WebRTC dial through a relay (signalling + ICE) may take this long. */
export const DIRECT_DIAL_TIMEOUT_MS = 20_000
/** After a failed upgrade: first retry, and the cap of the backoff (the relay path is used meanwhile). */
export const DIRECT_RETRY_MIN_MS = 15_000
export const DIRECT_RETRY_MAX_MS = 5 * 60 * 1000
/**
 * Of two members, the larger peer id waits this long before dialling (and only if no direct connection exists by
 * then), so both rarely open a connection at once even when a WebRTC set-up is slow on a busy device.
 */
export const DIRECT_SECOND_DIALER_DELAY_MS = 10_000
/** Most peers whose upgrade state is tracked at once (oldest idle ones forgotten first). */
export const MAX_DIRECT_PEERS_TRACKED = 1_024
/**
 * While the other side's WebRTC set-up with us is under way, how often a waiting dial re-checks whether it is over
 * (the end of our part of the signalling raises no event; STALL helper, wave 8).
 */
export const DIRECT_SIGNALLING_POLL_MS = 500

// ── Direct messages and contacts (issue 7, DM helper) ──
/** Signature tag of a contact card (what a contact link and a knock carry: user key, box key, name). */
export const TAG_CONTACT_SIG = 'chatsphere/v1/contact-card'
/** Signature tag of a knock's inner record (a contact card bound to its recipient, so it cannot be replayed to others). */
export const TAG_KNOCK_SIG = 'chatsphere/v1/dm/knock'
/** Derivation tag of a user's inbox room secret (from the user's public key: anyone who knows the id can knock). */
export const TAG_INBOX_ROOM = 'chatsphere/v1/room/inbox'
/** Hash tag of each half of a safety number. */
export const TAG_SAFETY_NUMBER = 'chatsphere/v1/safety-number'
/** Version written in (and the only one read from) contact links. */
export const CONTACT_LINK_VERSION = 1
/** Longest contact link accepted (checked before decoding). */
export const MAX_CONTACT_LINK_CHARS = 1024
/** Largest signed contact card or knock record (key, box key, name of at most MAX_NAME_BYTES, signature). */
export const MAX_CONTACT_CARD_BYTES = 512
/** Nonce bytes of a knock's box (nacl.box). */
export const KNOCK_NONCE_BYTES = 24
/** Largest knock ciphertext: a knock record plus the box overhead. */
export const MAX_KNOCK_BOX_BYTES = MAX_CONTACT_CARD_BYTES + 16
/** Most contacts kept in the local contact book (the oldest unpinned ones are forgotten first). */
export const MAX_CONTACTS = 5_000
/** Largest stored contact book (checked before decoding). */
export const MAX_CONTACT_BOOK_BYTES = 4 * 1024 * 1024

// ── Gossipsub peer scoring (issue 8, hardening helper) ──
/**
 * Score thresholds (gossipsub v1.1). A peer below `GOSSIP_GRAYLIST_THRESHOLD` has every RPC ignored; with
 * `GOSSIP_INVALID_MESSAGE_WEIGHT` = -20 and the squared P4 counter, two rejected frames put a peer there.
 */
export const GOSSIP_GOSSIP_THRESHOLD = -10
export const GOSSIP_PUBLISH_THRESHOLD = -50
export const GOSSIP_GRAYLIST_THRESHOLD = -80
export const GOSSIP_ACCEPT_PX_THRESHOLD = 10
export const GOSSIP_OPPORTUNISTIC_GRAFT_THRESHOLD = 20
/** Weight of P4 (invalid message deliveries, counted per topic and squared): each rejected frame costs a lot. */
export const GOSSIP_INVALID_MESSAGE_WEIGHT = -20
/** P4 counter decay per decay interval: 0.9 keeps a burst of 100 rejected frames graylisted for about 35 s. */
export const GOSSIP_INVALID_MESSAGE_DECAY = 0.9
/** Score decay interval (ms) and how long a disconnected peer's score is kept (so reconnecting does not reset it). */
export const GOSSIP_SCORE_DECAY_INTERVAL_MS = 1_000
export const GOSSIP_SCORE_RETAIN_MS = 60 * 60 * 1000
/** P7 behaviour penalty (broken IWANT promises, GRAFT during backoff): weight and decay per interval. */
export const GOSSIP_BEHAVIOUR_PENALTY_WEIGHT = -10
export const GOSSIP_BEHAVIOUR_PENALTY_DECAY = 0.2
/**
 * P6 IP colocation: more than this many peers on one address (outside trusted ones) lose score. Weight 0: off. An
 * address is not a person here: a NAT, a carrier-grade NAT, and every peer reached through one circuit relay share
 * one; any P6 penalty drops all of them below 0 (out of the relay's mesh, no gossip), and gossipsub counts a
 * disconnected peer's address for as long as it keeps its score (GOSSIP_SCORE_RETAIN_MS), so 12 identities an
 * attacker burns (graylisted, disconnected) cut its honest neighbours off live forwarding for an hour
 * (tests/integration/hostile-neighbour.test.ts; THREAT_MODEL.md).
 */
export const GOSSIP_IP_COLOCATION_THRESHOLD = 10
export const GOSSIP_IP_COLOCATION_WEIGHT = 0
/** Cap on the positive part of a peer's topic scores (a long-lived peer cannot bank credit for a later attack). */
export const GOSSIP_TOPIC_SCORE_CAP = 10
/**
 * Rejected frames from one peer within GOSSIP_REJECT_STRIKE_WINDOW_MS after which it is disconnected
 * (src/net/reject-strikes.ts). Honest peers and relays forward only what passed the same checks, so they never get
 * here.
 */
export const GOSSIP_REJECT_STRIKES = 32
export const GOSSIP_REJECT_STRIKE_WINDOW_MS = 60_000
/**
 * A struck peer is disconnected this long after its strike, not at once: gossipsub caches scores for a heartbeat and
 * forgets a disconnected peer whose cached score is still positive, which would erase the penalty it just earned.
 */
export const GOSSIP_REJECT_HANGUP_DELAY_MS = 2_500
/** Peers whose rejections are tracked at once. */
export const GOSSIP_REJECT_STRIKE_PEERS = 4096

// ── Multiple devices: linking, device records, device mail (issue 7, devices helper) ──
/** Stream protocol a linking device (the one that holds the identity) dials on the new device. */
export const LINK_PROTOCOL = '/chatsphere/link/1.0.0'
/** Version of the link code (`csl1.`) and of the link handshake messages. */
export const LINK_VERSION = 1
/** One-time link secret in a link code: 128 bits, so no PAKE is needed (THREAT_MODEL.md "Linked devices"). */
export const LINK_SECRET_BYTES = 16
/** Largest link code accepted, in characters (checked before decoding). */
export const MAX_LINK_CODE_CHARS = 1024
/** Most multiaddrs of the new device carried in a link code. */
export const MAX_LINK_ADDRS = 4
/** Largest multiaddr text in a link code. */
export const MAX_LINK_ADDR_CHARS = 256
/** Largest length-prefixed link handshake message (the payload carries the room list and the profile). */
export const MAX_LINK_MESSAGE_BYTES = 1024 * 1024
/** A link offer is valid for this long (ms), then refuses every attempt. */
export const LINK_OFFER_TTL_MS = 10 * 60 * 1000
/** One link exchange (dial, handshake, payload, acknowledgement) may take this long. */
export const LINK_TIMEOUT_MS = 30_000
/** Failed attempts (wrong key confirmation) after which a link offer is cancelled. */
export const MAX_LINK_ATTEMPTS = 5
/** Most devices of one identity (bindings in the devices room; recipients of one device mail). */
export const MAX_LINKED_DEVICES = 16
/** Largest signed device record (binding or revocation). */
export const MAX_DEVICE_RECORD_BYTES = 1024
/** Largest device name, in UTF-8 bytes. */
export const MAX_DEVICE_NAME_BYTES = 64
/** Largest device mail blob (room joins/leaves and profile for this user's other devices). */
export const MAX_DEVICE_MAIL_BYTES = 48 * 1024
/** Most room operations in one device mail. */
export const MAX_DEVICE_MAIL_OPS = 32
/** Domain tags of device records, the devices room secret, and the link handshake keys. */
export const TAG_DEVICE_RECORD_SIG = 'chatsphere/v1/device-record'
export const TAG_DEVICES_ROOM = 'chatsphere/v1/devices/room-secret'
export const TAG_LINK_CONFIRM = 'chatsphere/v1/link/confirm-key'
export const TAG_LINK_PAYLOAD = 'chatsphere/v1/link/payload-key'

// ── Roles and key epochs (src/roles, PROTOCOL.md "Roles and key epochs") ──────────────────────────────────────────
/** Most key grants in one `keys` op (CBOR lists hold at most MAX_CBOR_ITEMS); more recipients → more ops. */
export const MAX_KEY_GRANTS = 48
/** Most revoked box keys listed in one `keys` op. */
export const MAX_REVOKED_BOX_KEYS = 16
/** Epoch keys are secretbox keys. */
export const EPOCH_KEY_BYTES = 32

// ── Media transfer (issue 6, media core helper; PROTOCOL.md "Media protocol") ──
/** Version field of every media protocol message. */
export const MEDIA_VERSION = 1
/** Plaintext bytes per chunk (the last chunk may be shorter); fixed by media protocol v1. */
export const MEDIA_CHUNK_BYTES = 64 * 1024
/** Default largest file sent or fetched (`ChatInit.maxFileBytes`). */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024
/** Hard cap on `maxFileBytes` (4 GiB: 65,536 chunks, a 2 MiB chunk hash list). */
export const MAX_MEDIA_FILE_BYTES = 4 * 1024 * 1024 * 1024
/** Most chunks of one file (MAX_MEDIA_FILE_BYTES / MEDIA_CHUNK_BYTES). */
export const MAX_MEDIA_CHUNKS = MAX_MEDIA_FILE_BYTES / MEDIA_CHUNK_BYTES
/** Largest length-prefixed media message: the header with a full chunk hash list, or one sealed chunk. */
export const MAX_MEDIA_MESSAGE_BYTES = MAX_MEDIA_CHUNKS * 32 + 1024
/** Most sealed chunks a server has in flight before the receiver acknowledges (4 MiB read buffers: stay well below). */
export const MEDIA_WINDOW_CHUNKS = 32
/** The receiver acknowledges every this many chunks. */
export const MEDIA_ACK_EVERY = 8
/** A media stream with no message for this long (ms) is given up (the fetch goes on with another peer). */
export const MEDIA_IDLE_TIMEOUT_MS = 15_000
/** How long opening a connection + stream to one peer may take. */
export const MEDIA_DIAL_TIMEOUT_MS = 10_000
/** When only a relayed path to a holder exists, wait at most this long for a direct (WebRTC) upgrade first. */
export const MEDIA_UPGRADE_WAIT_MS = 5_000
/** After asking the room who holds a file (`want`), wait this long for `have` answers before giving up. */
export const MEDIA_WANT_WAIT_MS = 2_000
/** Rounds over all known holders before a fetch rejects (a holder that dropped may be back in the next round). */
export const MEDIA_FETCH_ROUNDS = 2
/** Pause between rounds (ms). */
export const MEDIA_ROUND_PAUSE_MS = 500
/** Store: appended chunks are made durable (and the resume point recorded) at least every this many chunks. */
export const MEDIA_FLUSH_CHUNKS = 64
/** Media streams one connection may have open at once, each way (a member cannot open hundreds against us). */
export const MEDIA_MAX_STREAMS_PER_CONNECTION = 4
/** Media streams we serve at once over all connections; more are reset and counted (`media-busy`). */
export const MEDIA_MAX_SERVING = 16
/** Records store (browser IndexedDB): chunks per record (one durable write per 1 MiB, not per chunk). */
export const MEDIA_RECORD_CHUNKS = 16
/** Most holders remembered per content hash (from `have` announcements). */
export const MAX_MEDIA_HOLDERS = 16
/** Most content hashes whose holders are remembered. */
export const MAX_MEDIA_HOLDER_HASHES = 1024
/** Domain tags: room key of media request proofs; nonce prefix of sealed chunks. */
export const TAG_MEDIA_PROOF = 'chatsphere/v1/media/proof'
export const TAG_MEDIA_NONCE = 'chatsphere/v1/media/nonce'
/** Members allowed to grant keys to newcomers wait up to this long (random) first, so they rarely all grant at once. */
export const EPOCH_GRANT_DELAY_MS = 1_000

/**
 * Relay keep/sync retry (src/chat/relay-retry.ts): a failed keep request or catch-up sync with a connected relay is
 * retried after RELAY_RETRY_MIN_MS, doubling up to RELAY_RETRY_MAX_MS, ±jitter, instead of waiting for KEEP_REFRESH_MS.
 */
export const RELAY_RETRY_MIN_MS = 250
export const RELAY_RETRY_MAX_MS = 4_000
export const RELAY_RETRY_FACTOR = 2
export const RELAY_RETRY_JITTER = 0.2

/**
 * Batched Ed25519 verification (src/crypto/verify-batch.node.ts): signatures asked for in the same tick (a sync
 * chunk's frames in the history guard, a batch of frames being opened) are verified by this thread and worker
 * threads together. Smaller batches are verified inline (a worker hand-off costs more than it saves).
 */
export const VERIFY_BATCH_MIN = 16
/** Signatures a thread claims at a time from a batch (~0.5 ms of work: bounds the wait for the last slice). */
export const VERIFY_BATCH_SLICE = 8
/** Most verification worker threads (one per core besides the main thread, at most this many). */
export const VERIFY_WORKERS_MAX = 3
/** How long the main thread waits for a worker's claimed slices before verifying what is still open itself (ms). */
export const VERIFY_BATCH_WAIT_MS = 20

/**
 * Send coalescing (src/chat/send-coalescer.ts): messages of one room sealed while the previous publish is under way go
 * out together as one Yjs update of several inserts (each frame keeps its own signatures); a lone message is never
 * delayed. Bounds of one such update: frames, and frame bytes (a single larger frame still goes alone), well under
 * GOSSIP_MAX_INBOUND_DATA_BYTES and MAX_UPDATE_BYTES.
 */
export const SEND_COALESCE_MAX_FRAMES = 64
export const SEND_COALESCE_MAX_BYTES = 2 * MAX_FRAME_BYTES
/** Longest a room's next update waits for the previous publish (which only signs and queues; a bound, not a delay). */
export const SEND_COALESCE_MAX_WAIT_MS = 1_000
/** Frames a room opens ahead of the one it announces (src/history/open-ahead.ts): their signature checks batch. */
export const OPEN_AHEAD_WINDOW = 256

/**
 * A message the relay still lacks this long after we sent it, with no later message of ours held there either,
 * counts as a publish lost on the way, and a sync pushes it (src/chat/chat.ts #lostOnTheWay). Before that, a relay
 * that holds none of our recent messages is lagging (a busy machine), not losing them: syncing with it then only
 * added load (bench/soak.ts).
 */
export const LOST_PUBLISH_MS = 5_000

/**
 * Relay memory (relay/kept-rooms.ts): a kept room's log that has served nothing this long (no live frame applied, no
 * sync session, no keep/status request) is closed and dropped from memory; the relay stays subscribed and reopens it
 * on demand. Without it the relay holds every stored message of every room in memory for good (~1 KB each).
 */
export const KEPT_ROOM_IDLE_UNLOAD_MS = 60_000

// ── Glare: both members dial WebRTC at once (issues 3/5, GLARE helper; src/net/direct-glare.ts, src/media) ──
/** Protocol of the WebRTC signalling stream (@libp2p/webrtc): while one is open with a peer, a WebRTC set-up is under way. */
export const WEBRTC_SIGNALING_PROTOCOL = '/webrtc-signaling/0.0.1'
/**
 * Times one fetch goes back to the same peer when the direct connection under its stream closed (e.g. the duplicate
 * of a simultaneous dial) or another direct connection to that peer became the one kept, before that peer's turn ends
 * (and the relayed path may be taken). Progress is kept: each retry resumes after the last verified chunk.
 */
export const MEDIA_DIRECT_RETRIES = 2

// ── Tail-first cold open of the chat (issue 4 P6 through the app; src/chat/shown-tail.ts) ───────────────────────
/** Last views of a room's read model recorded as shown (the early view of the next tail-first open). */
export const SHOWN_TAIL_VIEWS = 100
/** Last frames of the log an early view is folded from (edits, reactions and profiles sit between the views). */
export const SHOWN_TAIL_FRAMES = 200
/** Largest shown-tail record read back (bytes, sealed), checked before it is opened. */
export const MAX_SHOWN_TAIL_RECORD_BYTES = 256 * 1024
/** A room opening in the background yields to the event loop after this much work (ms), so a page can paint. */
export const OPEN_SLICE_MS = 30
/** After new messages, the shown-tail record of a room is rewritten this much later (ms; once per burst). */
export const SHOWN_TAIL_SAVE_MS = 10_000
/** HKDF tag of the key that seals a room's shown-tail record (derived from the room's epoch-0 key). */
export const TAG_SHOWN_TAIL = 'chatsphere/v1/local/shown-tail'

// ── Subscription guard (issue 8 test 1, ATTACK helper; src/net/subscription-guard.ts) ──
/**
 * Subscription RPCs a peer may send after its first (its whole list, free) before it is refused and disconnected:
 * a bucket of this many tokens, refilled at GOSSIP_SUBSCRIPTION_REFILL_PER_S; an RPC costs one token per
 * GOSSIP_SUBSCRIPTION_TOPICS_PER_TOKEN topics it names (at least one). Joining or leaving a room costs 2, so a peer can
 * join ~30 rooms in a burst and one every half second after; more, and it is cut off and sends its whole list again
 * in one RPC when it reconnects.
 */
export const GOSSIP_SUBSCRIPTION_BURST = 64
export const GOSSIP_SUBSCRIPTION_REFILL_PER_S = 4
export const GOSSIP_SUBSCRIPTION_TOPICS_PER_TOKEN = 64

// ── Sync membership proof (SYNCAUTH; src/chat/sync-auth.ts, PROTOCOL.md "Sync protocol") ──
/** Domain separation of the room write key signature a sync `hello` / `state` carries over its session. */
export const TAG_SYNC_PROOF = 'chatsphere/v1/sync/membership-proof'

// ── Network started behind createChat (FASTOPEN; ChatInit.networkInBackground, src/chat/after-paint.browser.ts) ──
/** Longest wait for a frame before the network starts behind createChat (a hidden page paints no frames; ms). */
export const AFTER_PAINT_MAX_MS = 100
