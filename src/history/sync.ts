/**
 * Catch-up sync `/chatsphere/sync/1.0.0`, wire version 2 (PROTOCOL.md "Sync protocol"). Over one libp2p stream, as
 * length-prefixed (unsigned varint) CBOR messages, each at most MAX_SYNC_MESSAGE_BYTES:
 *
 *   initiator → hello { t: 1, v: 2, topic, sv, proof }      the room is named once, by its topic
 *   responder → state { t: 2, sv, proof } | unknown { t: 3 } | refused { t: 7, e }
 *   both, concurrently → chunk { t: 4, u }*  then  done { t: 5, n }   (n = chunks sent)
 *                        ack { t: 6, n } after applying and storing each chunk (n = chunks applied so far)
 *   both close their write side once the other said done and acked all their chunks.
 *
 * Membership: `proof` is `ms` (a room write key signature over this session: topic and both peer ids) or `kr` (a keep
 * request a member addressed to the sending relay). Each side checks the other's proof (SyncAuth, src/chat/sync-auth.ts)
 * before it sends a single chunk: the responder before its state, the initiator before its chunks. A responder refuses
 * a bad or missing proof with `refused`; an initiator that rejects the responder's state aborts the stream.
 *
 * Each side sends only what the other's state vector lacks, in updates of at most SYNC_CHUNK_BYTES. Every chunk
 * goes through the room log's guard and is persisted as it arrives, so a cut session keeps what it got and the next
 * one sends only the rest. A chunk the guard rejects ends the session (the peer is broken or hostile).
 */
import { lpStream } from '@libp2p/utils'
import { logger } from '@libp2p/logger'
import {
  MAX_KEEP_REQUEST_BYTES, MAX_STATE_VECTOR_BYTES, MAX_SYNC_CHUNKS, MAX_SYNC_MESSAGE_BYTES, MAX_TOPIC_CHARS, SIGNATURE_BYTES, SYNC_CHUNK_BYTES,
  SYNC_IDLE_TIMEOUT_MS, SYNC_WINDOW_CHUNKS
} from '../constants.ts'
import { NotFoundError, SyncProtocolError, SyncRefusedError } from '../errors.ts'
import { decodeCbor, encodeCbor } from '../envelope/codec.ts'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { RoomLog } from './room-log.ts'

const log = logger('chatsphere:history:sync')

/** Wire version in `hello`; 2 added the membership proof (a version 1 hello is refused with `version`). */
export const SYNC_VERSION = 2
const T_HELLO = 1
const T_STATE = 2
const T_UNKNOWN = 3
const T_CHUNK = 4
const T_DONE = 5
const T_ACK = 6
const T_REFUSED = 7

/** Why a side refused the other: `version` (not our wire version), `no-proof` (none, from a peer we do not trust), `bad-proof`. */
export type SyncRefusal = 'version' | 'no-proof' | 'bad-proof'

/** One session, as both sides see it: the peer ids come from the libp2p connection, never from a message. */
export interface SyncSession {
  topic: string
  /** Peer id of the side that opened the stream (sent `hello`). */
  initiator: string
  /** Peer id of the side that answered (sent `state`). */
  responder: string
}

/** Which message a proof rides in: a signature for one cannot be reflected as the other. */
export type SyncProofRole = 'hello' | 'state'

/** A proof of room membership (at most one field is sent; none: the sender relies on being trusted). */
export interface SyncProof {
  /** Room write key signature over the session (src/chat/sync-auth.ts, syncProofInput). */
  memberSignature?: Uint8Array
  /** An encoded keep request a member signed for the sending relay (a relay holds no write key). */
  keepRequest?: Uint8Array
}

/** How one side proves its membership of a room and checks the other's. */
export interface SyncAuth {
  /** Our proof for `role` in this session, or undefined to send none. */
  prove: (session: SyncSession, role: SyncProofRole) => Promise<SyncProof | undefined>
  /** Checks the proof the other side sent in `role` (an empty object when it sent none): undefined accepts, else why not. */
  check: (session: SyncSession, role: SyncProofRole, proof: SyncProof) => Promise<SyncRefusal | undefined>
}

/** What a responder serves for a topic: how to check the initiator, and the log (opened only once the check passed). */
export interface SyncTarget {
  auth: SyncAuth
  open: () => RoomLog | Promise<RoomLog>
}

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
  /** Called when we refuse the other side (responder: before serving anything; initiator: before sending chunks). */
  onRefused?: (reason: SyncRefusal, topic: string) => void
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

function proofFields (m: Msg): SyncProof {
  const proof: SyncProof = {}
  if (m.ms !== undefined) {
    if (!(m.ms instanceof Uint8Array) || m.ms.length !== SIGNATURE_BYTES) throw new SyncProtocolError('sync proof ms must be a signature')
    proof.memberSignature = m.ms
  }
  if (m.kr !== undefined) proof.keepRequest = bytesField(m, 'kr', MAX_KEEP_REQUEST_BYTES)
  if (proof.memberSignature !== undefined && proof.keepRequest !== undefined) throw new SyncProtocolError('sync message carries two proofs')
  return proof
}

function withProof (m: Msg, proof: SyncProof | undefined): Msg {
  if (proof?.memberSignature !== undefined) m.ms = proof.memberSignature
  else if (proof?.keepRequest !== undefined) m.kr = proof.keepRequest
  return m
}

function refusedReason (m: Msg): string {
  return typeof m.e === 'string' ? m.e.slice(0, 32) : 'unknown'
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
 * Initiator: syncs `roomLog` with the peer at the other end of `stream` (opened on SYNC_PROTOCOL) for `session.topic`;
 * `session` names us (initiator) and the peer (responder) by the connection's peer ids.
 * Throws NotFoundError when the peer does not have the room, SyncRefusedError when it refused our proof or we refused
 * its (no chunk of ours was sent), SyncProtocolError when the peer breaks the protocol or sends an update the guard
 * rejects (chunks applied before that are kept).
 */
export async function syncRoom (stream: Stream, session: SyncSession, roomLog: RoomLog, auth: SyncAuth, opts: SyncOptions = {}): Promise<SyncResult> {
  const ch = new Channel(stream, opts)
  const topic = session.topic
  try {
    await ch.write(withProof({ t: T_HELLO, v: SYNC_VERSION, topic, sv: roomLog.stateVector() }, await auth.prove(session, 'hello')))
    const reply = await ch.read()
    if (reply.t === T_UNKNOWN) {
      await stream.close()
      throw new NotFoundError(`peer does not have room ${topic}`)
    }
    if (reply.t === T_REFUSED) throw new SyncRefusedError(`peer refused the sync of ${topic}: ${refusedReason(reply)}`)
    if (reply.t !== T_STATE) throw new SyncProtocolError(`expected the peer's state vector, got type ${String(reply.t)}`)
    const remoteSv = bytesField(reply, 'sv', MAX_STATE_VECTOR_BYTES)
    const refusal = await auth.check(session, 'state', proofFields(reply))
    if (refusal !== undefined) {
      opts.onRefused?.(refusal, topic)
      throw new SyncRefusedError(`we refused the peer's state for ${topic}: ${refusal}`)
    }
    const result = await exchange(ch, roomLog, remoteSv, opts)
    await stream.close({ signal: opts.signal })
    log('synced %s: sent %d chunks, received %d frames', topic, result.sent, result.received)
    return result
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') throw err
    fail(stream, err)
  }
}

/**
 * Responder: serves one sync session; `peers` names the initiator (the connection's remote peer) and us. `resolve`
 * maps the topic the initiator names to what we serve (or undefined: the initiator is told we do not have it). The
 * initiator's proof is checked before the log is opened; a bad or missing one is answered `refused` and nothing is
 * served. Never throws: a broken session is logged and aborted.
 * Resolves with the result, or undefined when the session failed, was refused or the room is unknown.
 */
export async function handleSync (stream: Stream, peers: { initiator: string, responder: string }, resolve: (topic: string) => SyncTarget | undefined | Promise<SyncTarget | undefined>, opts: SyncOptions = {}): Promise<SyncResult | undefined> {
  const ch = new Channel(stream, opts)
  const refuse = async (reason: SyncRefusal, topic: string): Promise<undefined> => {
    opts.onRefused?.(reason, topic)
    await ch.write({ t: T_REFUSED, e: reason })
    await stream.close({ signal: opts.signal })
    return undefined
  }
  try {
    const hello = await ch.read()
    if (hello.t !== T_HELLO) throw new SyncProtocolError('expected a hello')
    const topic = hello.topic
    if (typeof topic !== 'string' || topic.length === 0 || topic.length > MAX_TOPIC_CHARS) throw new SyncProtocolError('bad topic in hello')
    if (hello.v !== SYNC_VERSION) return await refuse('version', topic)
    const remoteSv = bytesField(hello, 'sv', MAX_STATE_VECTOR_BYTES)
    const proof = proofFields(hello)
    const target = await resolve(topic)
    if (target === undefined) {
      await ch.write({ t: T_UNKNOWN })
      await stream.close({ signal: opts.signal })
      return undefined
    }
    const session: SyncSession = { topic, ...peers }
    const refusal = await target.auth.check(session, 'hello', proof)
    if (refusal !== undefined) return await refuse(refusal, topic)
    const roomLog = await target.open()
    await ch.write(withProof({ t: T_STATE, sv: roomLog.stateVector() }, await target.auth.prove(session, 'state')))
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
