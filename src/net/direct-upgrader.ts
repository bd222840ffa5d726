/**
 * Upgrades peers of our rooms from the relayed path to a direct WebRTC connection. Members usually reach each other
 * only through a relay (a star); the relay carries the WebRTC signalling (`/p2p-circuit/webrtc`) and the bytes then go
 * peer to peer. A peer is only dialled once it proved room membership (it published a valid frame on a room topic,
 * signed by its libp2p key), never because an address showed up somewhere.
 *
 * Glare (both ends dialled at once, each holds two WebRTC connections to the other): both ends keep the connection
 * dialled by the smaller peer id (direct-glare.ts) and close the other once the kept one is identified, i.e. the other
 * end has answered on it, so neither end is left without a direct connection in between. A peer that is being dialled
 * by the other side (a signalling stream with it is open) waits for that connection instead of dialling too.
 *
 * A set-up whose peer connection closes during ICE (seen under load) is not reported by @libp2p/webrtc 6: the dialling
 * end waits for its data channel until the dial's timeout, holding the signalling stream open, while the answering end
 * ends its part and opens a connection over the dead peer connection. The answering end resets the signalling stream
 * once it finds that connection dead (direct-setup.ts), and the dialling end aborts its dial on that reset, so the
 * usual backoff and retry follow at once. The answering end does not count a signalling stream whose writing it has
 * closed as a set-up under way, so it dials when its own turn comes.
 */
import { TypedEventEmitter } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  DIRECT_DIAL_TIMEOUT_MS, DIRECT_RETRY_MAX_MS, DIRECT_RETRY_MIN_MS, DIRECT_SECOND_DIALER_DELAY_MS, DIRECT_SIGNALLING_POLL_MS, MAX_DIRECT_PEERS_TRACKED,
  WEBRTC_SIGNALING_PROTOCOL
} from '../constants.ts'
import { backoffDelay } from './backoff.ts'
import { glareKeeper, isWebRTCConnection } from './direct-glare.ts'
import { deadOnArrival, waitingAnswers, watchDial } from './direct-setup.ts'
import type { Connection, IdentifyResult, Libp2p, Stream } from '@libp2p/interface'

const log = logger('chatsphere:direct')

/** Where the upgrade of one peer stands. */
export type DirectState = 'connecting' | 'direct' | 'failed'

export interface DirectUpgraderEvents {
  /** The upgrade state of a peer changed. */
  'direct:state': CustomEvent<{ peerId: string, state: DirectState, error?: string }>
  /** Both ends had dialled each other: connection `kept` (an id) stays, those in `closed` are being closed. */
  'direct:glare': CustomEvent<{ peerId: string, kept: string, closed: string[] }>
}

export interface DirectUpgraderInit {
  /** Peer ids of the relays connected now (signalling goes through them, first one first). */
  relays: () => string[]
  /** True for our relays (never upgraded: they are reached directly already). */
  isRelay: (peerId: string) => boolean
  /** Turn the upgrade off (no WebRTC transport on this peer). */
  enabled?: boolean
  dialTimeoutMs?: number
}

interface Tracked {
  state: DirectState | 'idle'
  attempt: number
  /** Not before this time (ms) for the next dial. */
  notBefore: number
  timer?: ReturnType<typeof setTimeout>
  error?: string
}

/** True when a connection is usable without relay limits (TCP, WebSockets, or WebRTC whose bytes go peer to peer). */
export function isDirectConnection (conn: Connection): boolean {
  return conn.limits == null && conn.status === 'open'
}

/** Dials members of our rooms over WebRTC through a relay and keeps that direct connection. */
export class DirectUpgrader extends TypedEventEmitter<DirectUpgraderEvents> {
  readonly #node: Libp2p
  readonly #init: DirectUpgraderInit
  readonly #peers = new Map<string, Tracked>()
  /** Connections identify has completed on (the remote end answered on them). */
  readonly #identified = new WeakSet<Connection>()
  /** Duplicates being closed (still `open` while their streams close). */
  readonly #closing = new WeakSet<Connection>()
  /** Inbound WebRTC connection -> the signalling stream of its set-up, while the dialling end has not finished it. */
  readonly #answered = new WeakMap<Connection, Stream>()
  #running = false

  constructor (node: Libp2p, init: DirectUpgraderInit) {
    super()
    this.#node = node
    this.#init = init
    this.onOpen = this.onOpen.bind(this)
    this.onClose = this.onClose.bind(this)
    this.onIdentify = this.onIdentify.bind(this)
  }

  start (): void {
    if (this.#running) return
    this.#running = true
    this.#node.addEventListener('connection:open', this.onOpen)
    this.#node.addEventListener('connection:close', this.onClose)
    this.#node.addEventListener('peer:identify', this.onIdentify)
  }

  stop (): void {
    this.#running = false
    this.#node.removeEventListener('connection:open', this.onOpen)
    this.#node.removeEventListener('connection:close', this.onClose)
    this.#node.removeEventListener('peer:identify', this.onIdentify)
    for (const t of this.#peers.values()) clearTimeout(t.timer)
    this.#peers.clear()
  }

  /**
   * Upgrade state of a peer (undefined: never seen as a room member, or a relay). `connecting` also while the other
   * side is dialling us (a WebRTC signalling stream with it is open).
   */
  state (peerId: string): DirectState | undefined {
    if (this.#hasDirect(peerId)) return 'direct'
    const s = this.#peers.get(peerId)?.state
    if (s !== 'connecting' && this.#signalling(peerId)) return 'connecting'
    return s === 'idle' ? undefined : s
  }

  /** Last dial error of a peer whose upgrade failed. */
  lastError (peerId: string): string | undefined { return this.#peers.get(peerId)?.error }

  /**
   * A member of one of our rooms was seen (the signed publisher of a valid room frame). Schedules a WebRTC dial
   * unless a direct connection exists or a retry is not due yet. Between two peers the smaller id dials at once, the
   * other a little later, so they rarely open two connections (when they do, #resolveGlare keeps one).
   */
  notePeer (peerId: string): void {
    if (!this.#running || (this.#init.enabled ?? true) === false) return
    if (peerId === this.#node.peerId.toString() || this.#init.isRelay(peerId)) return
    let t = this.#peers.get(peerId)
    if (t == null) {
      if (this.#peers.size >= MAX_DIRECT_PEERS_TRACKED) this.#forgetOne()
      t = { state: 'idle', attempt: 0, notBefore: 0 }
      this.#peers.set(peerId, t)
    }
    if (this.#hasDirect(peerId)) { this.#set(peerId, t, 'direct'); return }
    if (t.state === 'connecting' || t.timer != null) return
    const now = Date.now()
    const second = this.#node.peerId.toString() > peerId && t.attempt === 0
    const at = Math.max(t.notBefore, now + (second ? DIRECT_SECOND_DIALER_DELAY_MS : 0))
    t.timer = setTimeout(() => { t.timer = undefined; void this.#dial(peerId, t) }, at - now)
    ;(t.timer as { unref?: () => void }).unref?.()
  }

  /** Dials now (ignoring backoff); resolves with the state reached. */
  async upgrade (peerId: string): Promise<DirectState> {
    let t = this.#peers.get(peerId)
    if (t == null) { t = { state: 'idle', attempt: 0, notBefore: 0 }; this.#peers.set(peerId, t) }
    clearTimeout(t.timer)
    t.timer = undefined
    await this.#dial(peerId, t)
    return this.state(peerId) ?? 'failed'
  }

  #connections (peerId: string): Connection[] {
    try {
      return this.#node.getConnections(peerIdFromString(peerId))
    } catch {
      return []
    }
  }

  #hasDirect (peerId: string): boolean {
    return this.#connections(peerId).some(isDirectConnection)
  }

  /**
   * True while a WebRTC connection with the peer is being set up, by either side: a signalling stream is open and our
   * end of it still writes. Our end closes its writing once our part of the set-up is over; the stream itself stays
   * `open` until the other end closes too, which a dial stuck in @libp2p/webrtc does only at its timeout (its peer
   * connection closed during ICE: the library drops that error and waits for a data channel that never opens).
   */
  #signalling (peerId: string): boolean {
    return this.#connections(peerId).some(c => c.streams.some(s => s.protocol === WEBRTC_SIGNALING_PROTOCOL && s.status === 'open' && s.writeStatus === 'writable'))
  }

  /**
   * Resolves once a direct connection to the peer is open, or no signalling stream with it is left (the set-up ended
   * without one), or `signal` aborts. Re-checked on every connection opened or closed and every signalling stream
   * that closes.
   */
  async #whileSignalling (peerId: string, signal: AbortSignal): Promise<void> {
    const done = (): boolean => signal.aborted || !this.#running || this.#hasDirect(peerId) || !this.#signalling(peerId)
    if (done()) return
    await new Promise<void>(resolve => {
      const watched = new Set<EventTarget>()
      // Our end's writing closes with no event of its own (the set-up then usually opens or closes a connection,
      // which is an event): the poll covers a set-up that ends with neither.
      const poll = setInterval(() => { check() }, DIRECT_SIGNALLING_POLL_MS)
      ;(poll as { unref?: () => void }).unref?.()
      const check = (): void => {
        if (done()) { finish(); return }
        for (const c of this.#connections(peerId)) {
          for (const s of c.streams) {
            if (s.protocol !== WEBRTC_SIGNALING_PROTOCOL || watched.has(s)) continue
            watched.add(s)
            s.addEventListener('close', check)
          }
        }
      }
      const finish = (): void => {
        clearInterval(poll)
        this.#node.removeEventListener('connection:open', check)
        this.#node.removeEventListener('connection:close', check)
        signal.removeEventListener('abort', check)
        for (const s of watched) s.removeEventListener('close', check)
        resolve()
      }
      this.#node.addEventListener('connection:open', check)
      this.#node.addEventListener('connection:close', check)
      signal.addEventListener('abort', check)
      check()
    })
  }

  async #dial (peerId: string, t: Tracked): Promise<void> {
    if (!this.#running || t.state === 'connecting') return
    if (this.#hasDirect(peerId)) { this.#set(peerId, t, 'direct'); return }
    const relays = this.#init.relays()
    if (relays.length === 0) { this.#fail(peerId, t, 'no relay connected to carry the WebRTC signalling'); return }
    this.#set(peerId, t, 'connecting')
    const timeoutMs = this.#init.dialTimeoutMs ?? DIRECT_DIAL_TIMEOUT_MS
    if (this.#signalling(peerId)) {
      // The other side is dialling us: a dial of ours now would only make a second connection (glare).
      await this.#whileSignalling(peerId, AbortSignal.timeout(timeoutMs))
      if (!this.#running) return
      if (this.#hasDirect(peerId)) { t.attempt = 0; t.error = undefined; this.#set(peerId, t, 'direct'); return }
    }
    let lastError = 'unknown error'
    for (const relay of relays) {
      try {
        const addr = multiaddr(`/p2p/${relay}/p2p-circuit/webrtc/p2p/${peerId}`)
        // Aborted at the timeout, or once the other end resets our signalling stream (its part of the set-up failed).
        const watch = watchDial(this.#node, peerId, timeoutMs)
        try {
          const conn = await this.#node.dial(addr, { signal: watch.signal, onProgress: watch.onProgress })
          if (isDirectConnection(conn) && !deadOnArrival(conn)) {
            t.attempt = 0
            t.error = undefined
            this.#set(peerId, t, 'direct')
            return
          }
          // A peer connection that failed during the set-up can still come back as a connection (closed by onOpen).
          lastError = isWebRTCConnection(conn) ? 'the WebRTC peer connection failed during the set-up' : 'the dial returned a limited (relayed) connection'
        } catch (err) {
          lastError = watch.failure() ?? (err as Error).message ?? String(err)
        } finally {
          watch.stop()
        }
      } catch (err) {
        lastError = (err as Error).message ?? String(err)
      }
      if (!this.#running) return
      // The other side may have dialled us meanwhile (ours can fail in a glare): let its set-up finish first.
      await this.#whileSignalling(peerId, AbortSignal.timeout(timeoutMs))
      if (!this.#running) return
      if (this.#hasDirect(peerId)) { t.attempt = 0; t.error = undefined; this.#set(peerId, t, 'direct'); return }
    }
    this.#fail(peerId, t, lastError)
  }

  #fail (peerId: string, t: Tracked, error: string): void {
    t.error = error
    t.notBefore = Date.now() + backoffDelay(t.attempt++, { minMs: DIRECT_RETRY_MIN_MS, maxMs: DIRECT_RETRY_MAX_MS })
    this.#set(peerId, t, 'failed', error)
  }

  #set (peerId: string, t: Tracked, state: DirectState, error?: string): void {
    if (t.state === state) return
    t.state = state
    const detail: { peerId: string, state: DirectState, error?: string } = { peerId, state }
    if (error != null) detail.error = error
    this.safeDispatchEvent('direct:state', { detail })
  }

  #forgetOne (): void {
    for (const [id, t] of this.#peers) {
      if (t.state !== 'connecting') { clearTimeout(t.timer); this.#peers.delete(id); return }
    }
  }

  /**
   * Closes the WebRTC connections to `peerId` that glare resolution does not keep, once the kept one is identified
   * (the other end answered on it: it is open there too, so that end keeps a direct connection throughout) and so is
   * the one to close (the other end's dial of it has completed: closed earlier, that dial would hang until its timeout).
   */
  #resolveGlare (peerId: string): void {
    const webrtc = this.#connections(peerId).filter(c => isDirectConnection(c) && isWebRTCConnection(c) && !this.#closing.has(c))
    if (webrtc.length < 2) return
    const kept = glareKeeper(this.#node.peerId.toString(), peerId, webrtc)
    if (kept == null || !this.#identified.has(kept)) return
    const closed = webrtc.filter(c => c !== kept && this.#identified.has(c))
    if (closed.length === 0) return
    log('glare with %s: keeping %s (%s), closing %s', peerId, kept.id, kept.direction, closed.map(c => c.id).join(', '))
    this.safeDispatchEvent('direct:glare', { detail: { peerId, kept: kept.id, closed: closed.map(c => c.id) } })
    for (const c of closed) {
      this.#closing.add(c)
      void c.close().catch((err: Error) => { c.abort(err) })
    }
  }

  /**
   * A WebRTC connection opened. @libp2p/webrtc opens one even over a peer connection that failed or closed during the
   * set-up (at either end); such a one is closed here at once (libp2p would keep it `open` until its next ping) and,
   * at the answering end, the dialling end is told by a reset of the signalling stream (it would otherwise wait for
   * the dial's timeout). A live inbound one is paired with its signalling stream, for `#answerClosed`. Only with exactly
   * one set-up waiting for this peer's dialling end: with more, which one this connection belongs to is not known, and
   * they are left to their timeouts. True when the connection was dead.
   */
  #webrtcOpened (conn: Connection): boolean {
    if (!isWebRTCConnection(conn)) return false
    const id = conn.remotePeer.toString()
    const waiting = conn.direction === 'inbound' ? waitingAnswers(this.#node, id) : []
    const stream = waiting.length === 1 ? waiting[0] : undefined
    if (!deadOnArrival(conn)) {
      if (stream != null) this.#answered.set(conn, stream)
      return false
    }
    log('WebRTC set-up with %s (%s): the peer connection died before the connection opened (%d waiting)', id, conn.direction, waiting.length)
    stream?.abort(new Error('the WebRTC peer connection failed'))
    this.#closing.add(conn)
    conn.abort(new Error('the WebRTC peer connection failed'))
    return true
  }

  /**
   * The answering end: a connection our part produced closed before the other end answered identify on it and before
   * the dialling end finished (its writing on the signalling stream still open): that set-up cannot complete.
   */
  #answerClosed (conn: Connection): void {
    const stream = this.#answered.get(conn)
    if (stream == null || this.#identified.has(conn)) return
    this.#answered.delete(conn)
    if (stream.status !== 'open' || stream.remoteWriteStatus !== 'writable') return
    log('WebRTC set-up with %s: the connection closed before the dialling end finished', conn.remotePeer.toString())
    stream.abort(new Error('the WebRTC connection closed during set-up'))
  }

  private onOpen (evt: CustomEvent<Connection>): void {
    const conn = evt.detail
    if (this.#webrtcOpened(conn)) return
    const id = conn.remotePeer.toString()
    const t = this.#peers.get(id)
    if (t != null && isDirectConnection(conn)) { t.attempt = 0; t.error = undefined; this.#set(id, t, 'direct') }
    if (isWebRTCConnection(conn)) this.#resolveGlare(id)
  }

  private onIdentify (evt: CustomEvent<IdentifyResult>): void {
    const conn = evt.detail.connection
    if (!isWebRTCConnection(conn)) return
    this.#identified.add(conn)
    this.#resolveGlare(conn.remotePeer.toString())
  }

  private onClose (evt: CustomEvent<Connection>): void {
    this.#answerClosed(evt.detail)
    const id = evt.detail.remotePeer.toString()
    const t = this.#peers.get(id)
    // The direct connection went away: the next frame this member publishes (presence comes every interval)
    // schedules a new upgrade; until then the relay path is used.
    if (t != null && t.state === 'direct' && !this.#hasDirect(id)) {
      t.error = 'direct connection closed'
      t.notBefore = 0
      this.#set(id, t, 'failed', t.error)
      this.notePeer(id)
    }
  }
}
