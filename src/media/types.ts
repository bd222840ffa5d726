/**
 * Public types of the media layer (issue 6): files, photos, video and voice notes sent in a room as a `file`
 * message, their bytes fetched peer to peer on MEDIA_PROTOCOL (`/chatsphere/media/1.0.0`) in encrypted, hashed
 * chunks (PROTOCOL.md "Media protocol"). Producers: src/media. Consumers: src/chat (Chat.sendFile / fetchFile /
 * mediaFile), the CLI (send-file, get) and the web app.
 */
import type { Body } from '../envelope/types.ts'

/** The `file` message body (src/envelope/types.ts) a transfer is about. */
export type FileBody = Extract<Body, { k: 'file' }>

/** A file to send with `Chat.sendFile`. */
export interface FileInput {
  /** File name shown to others (at most MAX_FIELD_BYTES of UTF-8, not empty). Only a name: never used as a path. */
  name: string
  /** MIME type as given by the sender (untrusted on the receiving side: the UI decides what to render inline). */
  mime: string
  /** The whole file. At most the chat's `maxFileBytes` (default DEFAULT_MAX_FILE_BYTES, 100 MiB). */
  bytes: Uint8Array
  /** Small inline preview (image thumbnail, video poster frame, waveform), at most MAX_PREVIEW_BYTES. */
  preview?: Uint8Array
  /** Length of audio or video in milliseconds. */
  duration?: number
}

/**
 * How the bytes reached us. `direct`: a connection that is not relayed (TCP, WebSockets, or WebRTC, including a
 * WebRTC connection set up through a relay). `relayed`: a circuit relay connection, within the relay's limits.
 * `local`: the file was already in our media store (we sent or fetched it before).
 */
export type TransferPath = 'direct' | 'relayed' | 'local'

/** Progress of a fetch, reported after every verified chunk (and once at the start with the source). */
export interface FetchProgress {
  /** Verified bytes we hold so far (counts what an earlier, interrupted fetch already stored). */
  bytes: number
  /** Size of the file in bytes (from its message). */
  total: number
  /** Bytes per second over the current transfer (0 until measurable). */
  rate: number
  /** Estimated time left in ms (Infinity while the rate is unknown, 0 when done). */
  etaMs: number
  /** Connection path of the peer we are fetching from now. */
  path: TransferPath
  /** Peer id we are fetching from now (undefined for `local`). */
  peerId?: string
}

/** Options of `Chat.fetchFile`. */
export interface FetchFileOptions {
  /** Called after each verified chunk (synchronously: keep it cheap). */
  onProgress?: (progress: FetchProgress) => void
  /** Cancels the fetch: it rejects with TransferCancelledError; what was verified so far is kept for a resume. */
  signal?: AbortSignal
  /**
   * Allow a relayed (circuit) connection when no direct one exists (default true). Only used when the remaining bytes
   * fit the relay's circuit limits (bytes and time) the connection announces; otherwise that peer is skipped with
   * reason `relay-limit`.
   */
  allowRelayed?: boolean
}

/** A `file` message and the local state of its bytes (`Chat.mediaFile`). */
export interface MediaFileInfo {
  /** Message id of the `file` message (32 hex chars). */
  id: string
  room: string
  authorId: string
  name: string
  mime: string
  size: number
  /** Content hash: SHA-256 of the plaintext, lowercase hex. */
  hash: string
  preview?: Uint8Array
  duration?: number
  /** Sender's libp2p peer id as announced in the message (the first peer a fetch asks). */
  senderPeerId?: string
  /** `complete`: all bytes are stored locally and verified; `partial`: an interrupted fetch; `none`: nothing yet. */
  local: 'complete' | 'partial' | 'none'
  /** Verified bytes stored locally. */
  localBytes: number
}

/** One reason a peer could not give us the file (in MediaUnavailableError.attempts). */
export interface FetchAttempt {
  peerId: string
  path?: TransferPath
  /**
   * `unreachable` (no connection), `relay-limit` (only a relayed path whose limits are too small), `not-held` (the
   * peer does not have the whole file), `refused` (it reset the stream), `bad-chunk` (it sent data that failed a
   * check: dropped and counted), `interrupted` (the connection went away; progress kept), `timeout`.
   */
  reason: 'unreachable' | 'relay-limit' | 'not-held' | 'refused' | 'bad-chunk' | 'interrupted' | 'timeout'
  detail?: string
}

/**
 * Local store of media (plaintext chunks, verified before they are written). Node: files under `<dataDir>/media`;
 * browser or a caller-given StorageBackend: records in that backend (IndexedDB in the browser). A caller may give
 * its own (`ChatInit.mediaStore`), e.g. OPFS.
 */
export interface MediaStore {
  /** State of one file by content hash (hex), undefined when nothing is stored. */
  state (hash: string): Promise<MediaEntryState | undefined>
  /**
   * Starts or continues storing a file: `have` chunks are already stored (resume). Chunks are written in order,
   * index `have`, `have + 1`, ...; `flush()` makes them durable and advances the recorded `have`.
   */
  writer (hash: string, size: number, chunkBytes: number): Promise<MediaWriter>
  /** Stores the file's chunk hash list (n × 32 bytes, checked against the message's root by the caller). */
  saveHashes (hash: string, hashes: Uint8Array): Promise<void>
  /** The stored chunk hash list, undefined when none. */
  loadHashes (hash: string): Promise<Uint8Array | undefined>
  /** Reads chunk `index` of a complete or partial file (only indices below `have`); may be a view of a cached record: read it, never modify it. */
  readChunk (hash: string, index: number): Promise<Uint8Array>
  close (): Promise<void>
}

export interface MediaEntryState {
  size: number
  chunkBytes: number
  /** Chunks stored and durable, from index 0 without holes. */
  have: number
  complete: boolean
}

export interface MediaWriter {
  /** Chunks durable so far. */
  readonly have: number
  /**
   * Appends the next chunk (already verified by the caller). The writer may keep a reference to `chunk` until the
   * next flush, complete or close resolves: the caller must not change those bytes before.
   */
  append (chunk: Uint8Array): Promise<void>
  /** Makes appended chunks durable and records the new `have`. */
  flush (): Promise<void>
  /** Flushes and marks the file complete (the caller checked the whole-file hash). */
  complete (): Promise<void>
  /** Flushes what was appended (kept for a resume) and releases the writer. */
  close (): Promise<void>
}
