/**
 * The media layer of a chat peer: stores files we send, serves MEDIA_PROTOCOL to room members, and fetches files
 * from the sender first, then from members who announced (`have`) that they hold them, resuming after the last
 * verified chunk. Connections: an open unlimited connection is used as is; otherwise we dial the peer (known
 * addresses first, then through each connected relay's circuit). A relayed (limited) connection is used only when
 * the remaining bytes fit its announced limits.
 *
 * Glare (both peers dialled WebRTC at once, src/net/direct-glare.ts): of two direct connections the one both ends keep
 * is used; a stream whose direct connection closes under it (the duplicate being closed) or is no longer the kept one
 * goes back to the same peer on the connection that stays (MEDIA_DIRECT_RETRIES), resuming after the last verified
 * chunk, before the next source or the relayed path is tried.
 */
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  DEFAULT_MAX_FILE_BYTES, MAX_FIELD_BYTES, MAX_MEDIA_FILE_BYTES, MAX_MEDIA_HOLDER_HASHES, MAX_MEDIA_HOLDERS, MAX_PREVIEW_BYTES,
  MEDIA_CHUNK_BYTES, MEDIA_DIAL_TIMEOUT_MS, MEDIA_DIRECT_RETRIES, MEDIA_FETCH_ROUNDS, MEDIA_MAX_SERVING, MEDIA_MAX_STREAMS_PER_CONNECTION, MEDIA_UPGRADE_WAIT_MS, MEDIA_PROTOCOL, MEDIA_ROUND_PAUSE_MS, MEDIA_WANT_WAIT_MS,
  SECRETBOX_OVERHEAD_BYTES
} from '../constants.ts'
import { bytesEqual, fromHex, toHex, utf8Length } from '../crypto/encoding.ts'
import { LruCache } from '../crypto/lru.ts'
import { randomBytes } from '../crypto/random.ts'
import { isUnlimited, preferredDirect } from '../net/direct-glare.ts'
import { InvalidArgumentError, MediaUnavailableError, OversizedError, TransferCancelledError } from '../errors.ts'
import { HASH_BYTES } from './codec.ts'
import { chunkCount, chunkHashes, hashListRoot, mediaProofKey, sha256Native } from './crypto.ts'
import { serveMedia } from './server.ts'
import { runSession, SessionFailure } from './session.ts'
import type { Body } from '../envelope/types.ts'
import type { RoomKeys } from '../room/keys.ts'
import type { FetchAttempt, FetchFileOptions, FetchProgress, FileBody, FileInput, MediaStore, MediaWriter, TransferPath } from './types.ts'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

const log = logger('chatsphere:media')

/** A room as the media layer sees it. */
export interface MediaRoom {
  keys: RoomKeys
  /** The `file` body of a message of this room (by hex id), else undefined. */
  fileBody: (messageIdText: string) => FileBody | undefined
}

/** What the chat gives the media layer. */
export interface MediaHostInit {
  store: MediaStore
  /** Largest file sent or fetched (default DEFAULT_MAX_FILE_BYTES, at most MAX_MEDIA_FILE_BYTES). */
  maxFileBytes?: number
  /** A joined room by hex room id. */
  room: (roomIdText: string) => MediaRoom | undefined
  /** Publishes an ephemeral body (want/have) in a room. */
  publish: (roomIdText: string, body: Body) => Promise<void>
  /** Peer ids of the connected relays (their circuits reach members we have no connection to). */
  relays: () => string[]
  /** Counts something dropped (`chat.dropped()`). */
  drop: (reason: string, roomIdText?: string) => void
  /**
   * Asks for a direct (WebRTC) connection to a peer we only reach through a relay (`Chat.upgradeDirect`); absent when
   * the chat cannot upgrade. Waited for at most MEDIA_UPGRADE_WAIT_MS per peer and fetch, then the relay path is used
   * (a direct connection that just closed, e.g. one of two simultaneous dials, is back well within that).
   * `connecting` also while the other side is dialling us.
   */
  upgrade?: (peerId: string) => Promise<'connecting' | 'direct' | 'failed'>
  /** How long a fetch waits for an upgrade in progress before it takes the relayed path (default MEDIA_UPGRADE_WAIT_MS). */
  upgradeWaitMs?: number
}

/** Bytes a transfer of `chunks` chunks puts on the wire, with margin for framing and the header. */
function wireBytes (chunks: number, total: number): bigint {
  return BigInt(chunks * (MEDIA_CHUNK_BYTES + SECRETBOX_OVERHEAD_BYTES + 64) + total * HASH_BYTES + 4096)
}

export class MediaService {
  readonly store: MediaStore
  readonly maxFileBytes: number
  readonly #host: MediaHostInit
  #node: Libp2p | undefined
  readonly #abort = new AbortController()
  /** Content hash → peers that said they hold it (most recent last). */
  readonly #holders = new LruCache<string, string[]>(MAX_MEDIA_HOLDER_HASHES)
  readonly #haveWaiters = new Set<(hash: string) => void>()
  /** Fetches in progress by content hash: a second fetch of the same file waits for the first. */
  readonly #inflight = new Map<string, Promise<unknown>>()
  readonly #proofKeys = new WeakMap<RoomKeys, Uint8Array>()
  readonly #lastHave = new LruCache<string, number>(MAX_MEDIA_HOLDER_HASHES)
  #serving = 0

  constructor (init: MediaHostInit) {
    const max = init.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
    if (!Number.isSafeInteger(max) || max < 0 || max > MAX_MEDIA_FILE_BYTES) throw new InvalidArgumentError(`maxFileBytes must be an integer from 0 to ${MAX_MEDIA_FILE_BYTES}`)
    this.store = init.store
    this.maxFileBytes = max
    this.#host = init
  }

  #proofKey (keys: RoomKeys): Uint8Array {
    let k = this.#proofKeys.get(keys)
    if (k == null) {
      k = mediaProofKey(keys.secret)
      this.#proofKeys.set(keys, k)
    }
    return k
  }

  /** Serves MEDIA_PROTOCOL on `node` (also over relayed connections: limits are the relay's business). */
  async register (node: Libp2p): Promise<void> {
    this.#node = node
    await node.handle(MEDIA_PROTOCOL, async (stream, connection) => {
      if (this.#serving >= MEDIA_MAX_SERVING) {
        this.#host.drop('media-busy')
        stream.abort(new Error('too many media streams'))
        return
      }
      this.#serving++
      try {
        await this.#serve(node, stream, connection.remotePeer.toString())
      } finally {
        this.#serving--
      }
    }, { runOnLimitedConnection: true, maxInboundStreams: MEDIA_MAX_STREAMS_PER_CONNECTION, maxOutboundStreams: MEDIA_MAX_STREAMS_PER_CONNECTION })
  }

  async #serve (node: Libp2p, stream: Stream, remotePeer: string): Promise<void> {
    await serveMedia(stream, remotePeer, {
      store: this.store,
      signal: this.#abort.signal,
      localPeer: () => node.peerId.toString(),
      proofKey: (roomId) => {
        const room = this.#host.room(toHex(roomId))
        return room == null ? undefined : this.#proofKey(room.keys)
      },
      fileMessage: (roomId, messageId) => this.#host.room(toHex(roomId))?.fileBody(toHex(messageId)),
      drop: (reason, roomId) => { this.#host.drop(reason, roomId == null ? undefined : toHex(roomId)) }
    })
  }

  /**
   * Stores a file to send and returns its `file` body (fresh key, content hash, chunk root, our peer id). Throws
   * OversizedError above maxFileBytes, InvalidArgumentError for bad fields.
   */
  async prepare (input: FileInput, localPeer: string | undefined): Promise<FileBody> {
    const { name, mime, bytes, preview, duration } = input
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError('file bytes must be a Uint8Array')
    if (bytes.length > this.maxFileBytes) throw new OversizedError(`the file is ${bytes.length} bytes; the limit is ${this.maxFileBytes} bytes`)
    if (typeof name !== 'string' || name.length === 0 || utf8Length(name) > MAX_FIELD_BYTES) throw new InvalidArgumentError(`a file name is 1 to ${MAX_FIELD_BYTES} bytes`)
    if (typeof mime !== 'string' || utf8Length(mime) > MAX_FIELD_BYTES) throw new InvalidArgumentError(`a mime type is at most ${MAX_FIELD_BYTES} bytes`)
    if (preview != null && (!(preview instanceof Uint8Array) || preview.length > MAX_PREVIEW_BYTES)) throw new InvalidArgumentError(`a preview is at most ${MAX_PREVIEW_BYTES} bytes`)
    if (duration != null && (!Number.isSafeInteger(duration) || duration < 0)) throw new InvalidArgumentError('duration is a whole number of milliseconds')
    const hash = await sha256Native(bytes)
    const hashes = await chunkHashes(bytes)
    const root = await hashListRoot(hashes)
    await this.#storeWhole(toHex(hash), bytes, hashes)
    const body: FileBody = { k: 'file', name, mime, size: bytes.length, hash, key: randomBytes(32), root }
    if (preview != null) body.preview = Uint8Array.from(preview)
    if (duration != null) body.duration = duration
    if (localPeer != null) body.peer = localPeer
    return body
  }

  async #storeWhole (hashText: string, bytes: Uint8Array, hashes: Uint8Array[]): Promise<void> {
    const st = await this.store.state(hashText)
    if (st?.complete === true && st.size === bytes.length) return
    const w = await this.store.writer(hashText, bytes.length, MEDIA_CHUNK_BYTES)
    try {
      await this.store.saveHashes(hashText, concat(hashes))
      for (let i = w.have; i < hashes.length; i++) await w.append(bytes.subarray(i * MEDIA_CHUNK_BYTES, (i + 1) * MEDIA_CHUNK_BYTES))
      await w.complete()
    } finally {
      await w.close()
    }
  }

  /** Verified bytes stored locally for a file, and whether it is complete. */
  async localState (file: FileBody): Promise<{ bytes: number, complete: boolean }> {
    const st = await this.store.state(toHex(file.hash))
    if (st == null || st.size !== file.size) return { bytes: 0, complete: false }
    return { bytes: Math.min(file.size, st.have * st.chunkBytes), complete: st.complete }
  }

  /** Handles a `want` / `have` from another member of `roomIdText`. */
  onEphemeral (roomIdText: string, body: Body): void {
    if (body.k === 'have') {
      const hash = toHex(body.hash)
      const list = (this.#holders.get(hash) ?? []).filter(p => p !== body.peer)
      list.push(body.peer)
      this.#holders.set(hash, list.slice(-MAX_MEDIA_HOLDERS))
      for (const w of this.#haveWaiters) w(hash)
    } else if (body.k === 'want') {
      void this.#answerWant(roomIdText, body.hash)
    }
  }

  async #answerWant (roomIdText: string, hash: Uint8Array): Promise<void> {
    const peer = this.#node?.peerId.toString()
    const hashText = toHex(hash)
    if (peer == null) return
    const now = Date.now()
    // One answer per file and room a second is plenty: everyone in the room sees it.
    const key = `${roomIdText}/${hashText}`
    if (now - (this.#lastHave.get(key) ?? 0) < 1000) return
    try {
      // Holders of a verified prefix answer too: a requester that lacks it takes it (request `p`) and goes on to others.
      const st = await this.store.state(hashText)
      if (st == null || (st.complete !== true && st.have === 0)) return
      this.#lastHave.set(key, now)
      await this.#host.publish(roomIdText, { k: 'have', hash, peer })
    } catch { /* best effort */ }
  }

  /**
   * The bytes of `file` (message `messageIdText` of room `room`): local when complete, else fetched (see class doc).
   */
  async fetch (room: MediaRoom, messageIdText: string, file: FileBody, opts: FetchFileOptions = {}): Promise<Uint8Array> {
    if (file.size > this.maxFileBytes) throw new OversizedError(`the file is ${file.size} bytes; the limit is ${this.maxFileBytes} bytes (maxFileBytes)`)
    const hashText = toHex(file.hash)
    for (let prev = this.#inflight.get(hashText); prev != null; prev = this.#inflight.get(hashText)) {
      await prev.catch(() => {})
    }
    const run = this.#fetch(room, messageIdText, file, hashText, opts)
    this.#inflight.set(hashText, run)
    try {
      return await run
    } finally {
      if (this.#inflight.get(hashText) === run) this.#inflight.delete(hashText)
    }
  }

  async #fetch (room: MediaRoom, messageIdText: string, file: FileBody, hashText: string, opts: FetchFileOptions): Promise<Uint8Array> {
    const total = file.size
    const n = chunkCount(total)
    const signal = opts.signal
    const cancelled = (): Error => new TransferCancelledError('the fetch was cancelled; verified chunks are kept for a resume')
    if (aborted(signal)) throw cancelled()
    const report = (p: FetchProgress): void => { try { opts.onProgress?.(p) } catch { /* the caller's bug is not ours */ } }
    const st = await this.store.state(hashText)
    if (st?.complete === true && st.size === total) {
      const bytes = await this.#readWhole(hashText, file)
      report({ bytes: total, total, rate: 0, etaMs: 0, path: 'local' })
      return bytes
    }
    if (file.root == null) throw new MediaUnavailableError('this file message has no chunk root (sent by an older version): it cannot be fetched')
    const node = this.#node
    if (node == null) throw new MediaUnavailableError('offline: no network to fetch the file from')
    const localPeer = node.peerId.toString()
    const storeWriter = await this.store.writer(hashText, total, MEDIA_CHUNK_BYTES)
    // The bytes are gathered as they are verified (and what an earlier fetch stored is read first), so the file is
    // not read back from the store at the end: only its whole-file hash is checked.
    const out = new Uint8Array(total)
    const writer = gatherInto(storeWriter, out)
    const attempts: FetchAttempt[] = []
    try {
      for (let i = 0; i < storeWriter.have; i++) out.set(await this.store.readChunk(hashText, i), i * MEDIA_CHUNK_BYTES)
      const stored = await this.store.loadHashes(hashText)
      let hashes = stored != null && stored.length === n * HASH_BYTES && bytesEqual(await sha256Native(stored), file.root) ? split(stored) : undefined
      void this.#host.publish(room.keys.roomIdText, { k: 'want', hash: file.hash }).catch(() => {})
      const bad = new Set<string>()
      const started = Date.now()
      const startBytes = Math.min(total, writer.have * MEDIA_CHUNK_BYTES)
      /** Times each peer was asked again after its direct connection closed under the stream (MEDIA_DIRECT_RETRIES). */
      const retries = new Map<string, number>()
      for (let round = 0; round < MEDIA_FETCH_ROUNDS && writer.have < n; round++) {
        if (round > 0) await pause(MEDIA_ROUND_PAUSE_MS, signal)
        const tried = new Set<string>()
        /** Set when the last stream's direct connection closed or was superseded: that peer again, first. */
        let again: string | undefined
        for (;;) {
          if (aborted(signal)) throw cancelled()
          const peer = again ?? this.#nextSource(file, hashText, localPeer, tried, bad)
          again = undefined
          if (peer == null) {
            // Nobody left this round: wait a little for `have` answers to our `want`.
            if (!await this.#waitForHolder(hashText, tried, bad, localPeer, signal)) break
            continue
          }
          tried.add(peer)
          let conn: Connection
          try {
            conn = await this.#connect(node, peer, signal)
          } catch (err) {
            if (aborted(signal)) throw cancelled()
            attempts.push({ peerId: peer, reason: 'unreachable', detail: (err as Error).message })
            continue
          }
          const path: TransferPath = isUnlimited(conn) ? 'direct' : 'relayed'
          const remaining = n - writer.have
          if (path === 'relayed') {
            const limits = conn.limits
            if (opts.allowRelayed === false) {
              attempts.push({ peerId: peer, path, reason: 'relay-limit', detail: 'only a relayed path exists and allowRelayed is false' })
              continue
            }
            if (limits?.bytes != null && wireBytes(remaining, n) > limits.bytes) {
              attempts.push({ peerId: peer, path, reason: 'relay-limit', detail: `the relay allows ${limits.bytes} more bytes on this connection; ${remaining} chunks need more` })
              continue
            }
          }
          const progress = (have: number): void => {
            const bytes = Math.min(total, have * MEDIA_CHUNK_BYTES)
            const secs = (Date.now() - started) / 1000
            const rate = secs > 0.05 ? (bytes - startBytes) / secs : 0
            report({ bytes, total, rate, etaMs: bytes >= total ? 0 : rate > 0 ? Math.round((total - bytes) / rate * 1000) : Infinity, path, peerId: peer })
          }
          progress(writer.have)
          try {
            const opening = AbortSignal.timeout(MEDIA_DIAL_TIMEOUT_MS)
            const stream = await conn.newStream(MEDIA_PROTOCOL, { runOnLimitedConnection: true, signal: signal == null ? opening : AbortSignal.any([signal, opening]) })
            const init: Parameters<typeof runSession>[0] = {
              stream, file, roomId: room.keys.roomId, messageId: fromHex(messageIdText), proofKey: this.#proofKey(room.keys), localPeer, remotePeer: peer, writer,
              onHashes: async (list) => { hashes = list; await this.store.saveHashes(hashText, concat(list)) },
              onChunk: progress
            }
            if (hashes != null) init.hashes = hashes
            if (signal != null) init.signal = signal
            await runSession(init)
          } catch (err) {
            if (aborted(signal)) throw cancelled()
            const reason = err instanceof SessionFailure ? err.reason : 'refused'
            attempts.push({ peerId: peer, path, reason, detail: (err as Error).message })
            log('fetch %s from %s failed: %s', hashText.slice(0, 12), peer, (err as Error).message)
            if (reason === 'bad-chunk') {
              bad.add(peer)
              this.#host.drop('media-bad-chunk', room.keys.roomIdText)
            } else if (reason !== 'not-held' && path === 'direct' && this.#directMoved(node, peer, conn) && (retries.get(peer) ?? 0) < MEDIA_DIRECT_RETRIES) {
              // Its direct connection closed under the stream (the duplicate of a simultaneous dial being closed, most
              // often) or another one is now kept: the same peer on the connection that stays, before the relay.
              retries.set(peer, (retries.get(peer) ?? 0) + 1)
              again = peer
              log('fetch %s from %s: its direct connection %s closed or was superseded; again', hashText.slice(0, 12), peer, conn.id)
            }
            continue
          }
          if (writer.have >= n) break
        }
      }
      if (writer.have < n) {
        const why = attempts.length === 0 ? 'nobody was found who holds it' : attempts.map(a => `${a.peerId.slice(-8)}: ${a.reason}`).join(', ')
        throw new MediaUnavailableError(`could not fetch the file (${Math.min(total, writer.have * MEDIA_CHUNK_BYTES)} of ${total} bytes kept for a resume): ${why}`, attempts)
      }
      await writer.complete()
    } finally {
      await writer.close()
    }
    const bytes = out
    if (!bytesEqual(await sha256Native(bytes), file.hash)) {
      throw new MediaUnavailableError('the file does not match the content hash its message announces (a broken sender or a damaged local store)')
    }
    void this.#host.publish(room.keys.roomIdText, { k: 'have', hash: file.hash, peer: localPeer }).catch(() => {})
    return bytes
  }

  /** Sender first, then announced holders (latest first); never ourselves nor a peer that sent a bad chunk. */
  #nextSource (file: FileBody, hashText: string, self: string, tried: Set<string>, bad: Set<string>): string | undefined {
    const order = [...(file.peer != null ? [file.peer] : []), ...(this.#holders.get(hashText) ?? []).slice().reverse()]
    return order.find(p => p !== self && !tried.has(p) && !bad.has(p))
  }

  async #waitForHolder (hashText: string, tried: Set<string>, bad: Set<string>, self: string, signal?: AbortSignal): Promise<boolean> {
    const fresh = (): boolean => (this.#holders.get(hashText) ?? []).some(p => p !== self && !tried.has(p) && !bad.has(p))
    if (fresh()) return true
    return await new Promise<boolean>(resolve => {
      const done = (v: boolean): void => {
        clearTimeout(timer)
        this.#haveWaiters.delete(onHave)
        signal?.removeEventListener('abort', onAbort)
        resolve(v)
      }
      const onHave = (h: string): void => { if (h === hashText && fresh()) done(true) }
      const onAbort = (): void => { done(false) }
      const timer = setTimeout(() => { done(false) }, MEDIA_WANT_WAIT_MS)
      this.#haveWaiters.add(onHave)
      signal?.addEventListener('abort', onAbort)
    })
  }

  /**
   * A connection to `peer`: an open unlimited one, else a dial by peer id (addresses we know), else a circuit through
   * each connected relay. A limited connection is returned only when nothing unlimited could be opened.
   */
  async #connect (node: Libp2p, peer: string, signal?: AbortSignal): Promise<Connection> {
    const id = peerIdFromString(peer)
    const unlimited = (): Connection | undefined => this.#unlimited(node, peer)
    const found = unlimited()
    if (found != null) return found
    if (this.#host.upgrade != null) {
      // Only a relayed path (or none): a direct connection is worth a short wait (it is faster and has no limits).
      // The upgrade resolves `connecting` while a WebRTC set-up with the peer is under way, ours or theirs.
      const wait = AbortSignal.timeout(this.#host.upgradeWaitMs ?? MEDIA_UPGRADE_WAIT_MS)
      const state = await Promise.race([this.#host.upgrade(peer).catch(() => 'failed' as const), untilAborted(signal == null ? wait : AbortSignal.any([signal, wait]))])
      if (state === 'direct' || state === 'connecting') {
        const direct = unlimited() ?? await this.#nextUnlimited(node, peer, signal == null ? wait : AbortSignal.any([signal, wait]))
        // Both ends' connections of a simultaneous dial may be open by now: the kept one.
        if (direct != null) return unlimited() ?? direct
      }
    }
    const open = node.getConnections(id).find(c => c.status === 'open')
    if (open != null) return open
    const timeout = AbortSignal.timeout(MEDIA_DIAL_TIMEOUT_MS)
    const dialSignal = signal == null ? timeout : AbortSignal.any([signal, timeout])
    const errors: string[] = []
    if ((await node.peerStore.has(id)) && (await node.peerStore.get(id)).addresses.length > 0) {
      try {
        return await node.dial(id, { signal: dialSignal })
      } catch (err) { errors.push((err as Error).message) }
    }
    for (const relay of this.#host.relays()) {
      const relayConn = node.getConnections(peerIdFromString(relay))[0]
      if (relayConn == null) continue
      const base = relayConn.remoteAddr.toString()
      const addr = `${base.includes(`/p2p/${relay}`) ? base : `${base}/p2p/${relay}`}/p2p-circuit/p2p/${peer}`
      try {
        return await node.dial(multiaddr(addr), { signal: dialSignal })
      } catch (err) { errors.push((err as Error).message) }
    }
    throw new Error(errors.length === 0 ? 'no known address and no relay to reach it through' : errors.join('; '))
  }

  /** The direct connection to use for `peer`: not relayed, open; the one glare resolution keeps when there are two. */
  #unlimited (node: Libp2p, peer: string): Connection | undefined {
    return preferredDirect(node.peerId.toString(), peer, node.getConnections(peerIdFromString(peer)))
  }

  /** True when `conn` (direct, to `peer`) closed or another direct connection to `peer` is now the one to use. */
  #directMoved (node: Libp2p, peer: string, conn: Connection): boolean {
    if (conn.status !== 'open') return true
    const now = this.#unlimited(node, peer)
    return now != null && now !== conn
  }

  /** Resolves with the next unlimited connection to `peer` that opens, or undefined when `signal` aborts first. */
  async #nextUnlimited (node: Libp2p, peer: string, signal: AbortSignal): Promise<Connection | undefined> {
    if (signal.aborted) return undefined
    return await new Promise(resolve => {
      const onOpen = (evt: CustomEvent<Connection>): void => {
        if (evt.detail.remotePeer.toString() === peer && isUnlimited(evt.detail)) done(evt.detail)
      }
      const done = (c: Connection | undefined): void => {
        node.removeEventListener('connection:open', onOpen)
        signal.removeEventListener('abort', onAbort)
        resolve(c)
      }
      const onAbort = (): void => { done(undefined) }
      node.addEventListener('connection:open', onOpen)
      signal.addEventListener('abort', onAbort)
    })
  }

  /** Reads a complete file from the store and checks it against its content hash. */
  async #readWhole (hashText: string, file: FileBody): Promise<Uint8Array> {
    const out = new Uint8Array(file.size)
    for (let i = 0, off = 0; off < file.size; i++, off += MEDIA_CHUNK_BYTES) out.set(await this.store.readChunk(hashText, i), off)
    if (!bytesEqual(await sha256Native(out), file.hash)) {
      throw new MediaUnavailableError('the file does not match the content hash its message announces (a broken sender or a damaged local store)')
    }
    return out
  }

  async close (): Promise<void> {
    this.#abort.abort()
    await this.store.close()
  }
}

/** A writer that also copies each appended chunk to its place in `out` (chunks come in order from `w.have`). */
function gatherInto (w: MediaWriter, out: Uint8Array): MediaWriter {
  return {
    get have () { return w.have },
    async append (chunk) {
      out.set(chunk, w.have * MEDIA_CHUNK_BYTES)
      await w.append(chunk)
    },
    flush: async () => { await w.flush() },
    complete: async () => { await w.complete() },
    close: async () => { await w.close() }
  }
}

function concat (list: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(list.length * HASH_BYTES)
  list.forEach((h, i) => { out.set(h, i * HASH_BYTES) })
  return out
}

function split (all: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let off = 0; off < all.length; off += HASH_BYTES) out.push(all.subarray(off, off + HASH_BYTES))
  return out
}

async function untilAborted (signal: AbortSignal): Promise<'failed'> {
  if (signal.aborted) return 'failed'
  return await new Promise(resolve => { signal.addEventListener('abort', () => { resolve('failed') }, { once: true }) })
}

/** Read through a call so TypeScript does not narrow `aborted` across awaits. */
function aborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

async function pause (ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>(resolve => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal?.removeEventListener('abort', done); resolve() }
    signal?.addEventListener('abort', done)
  })
}
