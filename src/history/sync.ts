/**
 * Catch-up sync `/chatsphere/sync/1.0.0` (PROTOCOL.md "Sync protocol"). Over one libp2p stream, as
 * length-prefixed (unsigned varint) CBOR messages, each at most MAX_SYNC_MESSAGE_BYTES:
 *
 *   initiator → hello { t: 1, v: 1, topic, sv }      the room is named once, by its topic
 *   responder → state { t: 2, sv } | unknown { t: 3 }
 *   both, concurrently → chunk { t: 4, u }*  then  done { t: 5, n }   (n = chunks sent)
 *                        ack { t: 6, n } after applying and storing each chunk (n = chunks applied so far)
 *   both close their write side once the other said done and acked all their chunks.
 *
 * Each side sends only what the other's state vector lacks, in updates of at most SYNC_CHUNK_BYTES. Every chunk
 * goes through the room log's guard and is persisted as it arrives, so a cut session keeps what it got and the next
 * one sends only the rest. A chunk the guard rejects ends the session (the peer is broken or hostile).
 */
import { lpStream } from '@libp2p/utils'
import { logger } from '@libp2p/logger'
import {
  MAX_STATE_VECTOR_BYTES, MAX_SYNC_CHUNKS, MAX_SYNC_MESSAGE_BYTES, MAX_TOPIC_CHARS, SYNC_CHUNK_BYTES, SYNC_IDLE_TIMEOUT_MS, SYNC_WINDOW_CHUNKS
} from '../constants.ts'
import { NotFoundError, SyncProtocolError } from '../errors.ts'
import { decodeCbor, encodeCbor } from '../envelope/codec.ts'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { RoomLog } from './room-log.ts'

const log = logger('chatsphere:history:sync')

export const SYNC_VERSION = 1
const T_HELLO = 1
const T_STATE = 2
const T_UNKNOWN = 3
const T_CHUNK = 4
const T_DONE = 5
const T_ACK = 6

/** Options of both sides. */
export interface SyncOptions {
  /** Target chunk size in bytes (default SYNC_CHUNK_BYTES). */
  chunkBytes?: number
  /** Most chunks accepted from the other side in one session (default MAX_SYNC_CHUNKS). */
  maxChunks?: number
  /** Most of our chunks unacknowledged at once (default SYNC_WINDOW_CHUNKS). */
  window?: number
  /** Abort when the other side sends nothing for this long, in ms (default SYNC_IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number
  /** Aborts the whole session. */
  signal?: AbortSignal
  /** Transaction origin passed to `applyRemote` (default the string 'sync'). */
  origin?: unknown
}

export interface SyncResult {
  /** Chunks (Yjs updates) we sent; all of them were acknowledged as stored by the peer. */
  sent: number
  /** Frames new to our log that the other side sent. */
  received: number
  /** Chunks we received. */
  receivedChunks: number
}

type Msg = Record<string, unknown>

function bytesField (m: Msg, key: string, max: number): Uint8Array {
  const v = m[key]
  if (!(v instanceof Uint8Array) || v.length > max) throw new SyncProtocolError(`sync message field ${key} missing or too large`)
  return v
}

class Channel {
  readonly lp: LengthPrefixedStream<Stream>
  readonly opts: SyncOptions
  constructor (stream: Stream, opts: SyncOptions) {
    this.lp = lpStream(stream, { maxDataLength: MAX_SYNC_MESSAGE_BYTES })
    this.opts = opts
  }

  async read (): Promise<Msg> {
    // Buffered data is returned without looking at the signal, so an abort must be checked here.
    if (this.opts.signal?.aborted === true) throw new SyncProtocolError('sync aborted')
    const idle = AbortSignal.timeout(this.opts.idleTimeoutMs ?? SYNC_IDLE_TIMEOUT_MS)
    const signal = this.opts.signal === undefined ? idle : AbortSignal.any([idle, this.opts.signal])
    let bytes: Uint8Array
    try {
      bytes = (await this.lp.read({ signal })).subarray()
    } catch (err) {
      throw new SyncProtocolError(`sync read failed: ${(err as Error).message}`, { cause: err })
    }
    let m: unknown
    try {
      m = decodeCbor(bytes, { maxBytes: MAX_SYNC_MESSAGE_BYTES, maxItems: 8, maxDepth: 2 })
    } catch (err) {
      throw new SyncProtocolError('sync message is not valid CBOR', { cause: err })
    }
    if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof (m as Msg).t !== 'number') {
      throw new SyncProtocolError('sync message is not a typed map')
    }
    return m as Msg
  }

  async write (m: Msg): Promise<void> {
    await this.lp.write(encodeCbor(m), { signal: this.opts.signal })
  }
}

/**
 * Sends our missing chunks and receives theirs at the same time. Flow control: at most `window` of our chunks are
 * unacknowledged at once (libp2p's read buffers do not push back on a fast sender; a receiver that verifies and
 * fsyncs each chunk is slower than the wire). Each side acks every chunk once it is applied and stored, and stays
 * until the other side said done and every chunk it sent was acked, so `sent` also means "stored by the peer".
 */
async function exchange (ch: Channel, roomLog: RoomLog, remoteSv: Uint8Array, opts: SyncOptions): Promise<SyncResult> {
  const result: SyncResult = { sent: 0, received: 0, receivedChunks: 0 }
  let chunks: Uint8Array[]
  try {
    chunks = roomLog.missingFor(remoteSv, opts.chunkBytes ?? SYNC_CHUNK_BYTES)
  } catch (err) {
    throw new SyncProtocolError('peer sent a bad state vector', { cause: err })
  }
  const window = opts.window ?? SYNC_WINDOW_CHUNKS
  let acked = 0
  let wake: (() => void) | undefined
  let failed: unknown
  const send = async (): Promise<void> => {
    for (const u of chunks) {
      while (result.sent - acked >= window) {
        if (failed !== undefined) return
        await new Promise<void>(resolve => { wake = resolve })
      }
      if (failed !== undefined) return
      await ch.write({ t: T_CHUNK, u })
      result.sent++
    }
    await ch.write({ t: T_DONE, n: chunks.length })
  }
  const receive = async (): Promise<void> => {
    const max = opts.maxChunks ?? MAX_SYNC_CHUNKS
    let peerDone = false
    try {
      while (!peerDone || acked < chunks.length) {
        const m = await ch.read()
        if (m.t === T_ACK) {
          const n = m.n
          if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= acked || n > result.sent) throw new SyncProtocolError('bad ack')
          acked = n
          wake?.()
          continue
        }
        if (peerDone) throw new SyncProtocolError(`unexpected sync message type ${String(m.t)} after done`)
        if (m.t === T_DONE) { peerDone = true; continue }
        if (m.t !== T_CHUNK) throw new SyncProtocolError(`unexpected sync message type ${String(m.t)}`)
        if (result.receivedChunks >= max) throw new SyncProtocolError(`peer sent more than ${max} chunks`)
        result.receivedChunks++
        const fresh = await roomLog.applyRemote(bytesField(m, 'u', MAX_SYNC_MESSAGE_BYTES), opts.origin ?? 'sync')
        result.received += fresh.length
        await ch.write({ t: T_ACK, n: result.receivedChunks })
      }
    } catch (err) {
      failed = err
      wake?.()
      throw err
    }
  }
  await Promise.all([send(), receive()])
  return result
}

function fail (stream: Stream, err: unknown): never {
  stream.abort(err instanceof Error ? err : new Error(String(err)))
  throw err
}

/**
 * Initiator: syncs `roomLog` with the peer at the other end of `stream` (opened on SYNC_PROTOCOL) for `topic`.
 * Throws NotFoundError when the peer does not have the room, SyncProtocolError when the peer breaks the protocol
 * or sends an update the guard rejects (chunks applied before that are kept).
 */
export async function syncRoom (stream: Stream, topic: string, roomLog: RoomLog, opts: SyncOptions = {}): Promise<SyncResult> {
  const ch = new Channel(stream, opts)
  try {
    await ch.write({ t: T_HELLO, v: SYNC_VERSION, topic, sv: roomLog.stateVector() })
    const reply = await ch.read()
    if (reply.t === T_UNKNOWN) {
      await stream.close()
      throw new NotFoundError(`peer does not have room ${topic}`)
    }
    if (reply.t !== T_STATE) throw new SyncProtocolError(`expected the peer's state vector, got type ${String(reply.t)}`)
    const result = await exchange(ch, roomLog, bytesField(reply, 'sv', MAX_STATE_VECTOR_BYTES), opts)
    await stream.close({ signal: opts.signal })
    log('synced %s: sent %d chunks, received %d frames', topic, result.sent, result.received)
    return result
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') throw err
    fail(stream, err)
  }
}

/**
 * Responder: serves one sync session. `resolveLog` maps the topic the initiator names to a room log we keep (or
 * undefined: the initiator is told we do not have it; a promise when the log must be opened first). Never throws: a broken session is logged and aborted.
 * Resolves with the result, or undefined when the session failed or the room is unknown.
 */
export async function handleSync (stream: Stream, resolveLog: (topic: string) => RoomLog | undefined | Promise<RoomLog | undefined>, opts: SyncOptions = {}): Promise<SyncResult | undefined> {
  const ch = new Channel(stream, opts)
  try {
    const hello = await ch.read()
    if (hello.t !== T_HELLO || hello.v !== SYNC_VERSION) throw new SyncProtocolError('expected a version 1 hello')
    const topic = hello.topic
    if (typeof topic !== 'string' || topic.length === 0 || topic.length > MAX_TOPIC_CHARS) throw new SyncProtocolError('bad topic in hello')
    const remoteSv = bytesField(hello, 'sv', MAX_STATE_VECTOR_BYTES)
    const roomLog = await resolveLog(topic)
    if (roomLog === undefined) {
      await ch.write({ t: T_UNKNOWN })
      await stream.close({ signal: opts.signal })
      return undefined
    }
    await ch.write({ t: T_STATE, sv: roomLog.stateVector() })
    const result = await exchange(ch, roomLog, remoteSv, opts)
    await stream.close({ signal: opts.signal })
    log('served sync of %s: sent %d chunks, received %d frames', topic, result.sent, result.received)
    return result
  } catch (err) {
    log('sync session from a peer failed: %s', (err as Error).message)
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    return undefined
  }
}
