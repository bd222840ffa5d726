/**
 * Keeps a peer connected to its relays: resolves each relay (a multiaddr, or a web address whose info document names
 * the multiaddrs), dials it, and when the connection drops (relay restarted, network gone) dials again with
 * exponential backoff and jitter, forever, until stopped.
 */
import { TypedEventEmitter } from '@libp2p/interface'
import { DIAL_TIMEOUT_MS } from '../constants.ts'
import { backoffDelay, sleep } from './backoff.ts'
import { waitUntil } from './wait-until.ts'
import { fetchRelayInfo, isWebAddress, parseRelayMultiaddr, relayInfoAddrs } from './relay-info.ts'
import type { BackoffInit } from './backoff.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface RelayConnectorEvents {
  /** A relay connection is up (first time or after a reconnect). */
  'relay:connect': CustomEvent<{ source: string, peerId: string }>
  /** A relay connection went away; a redial is scheduled. */
  'relay:disconnect': CustomEvent<{ source: string, peerId: string }>
  /** A dial or info fetch failed (the connector keeps trying). */
  'relay:error': CustomEvent<{ source: string, error: Error, attempt: number }>
}

export interface RelayConnectorInit {
  /** Relays as given by the user: multiaddrs with `/p2p/<id>`, or http(s) web addresses. */
  relays: string[]
  backoff?: BackoffInit
  /** Keeps only the multiaddrs this platform can dial (browser: WebSockets). */
  dialable?: (ma: Multiaddr) => boolean
  dialTimeoutMs?: number
}

interface Target {
  source: string
  peerId?: string
  addrs: Multiaddr[]
  connected: boolean
  wake: AbortController
}

/** Maintains connections to a set of relays. */
export class RelayConnector extends TypedEventEmitter<RelayConnectorEvents> {
  readonly #node: Libp2p
  readonly #init: RelayConnectorInit
  readonly #targets: Target[]
  #stop = new AbortController()
  #running = false

  constructor (node: Libp2p, init: RelayConnectorInit) {
    super()
    this.#node = node
    this.#init = init
    this.#targets = init.relays.map(source => {
      const t: Target = { source, addrs: [], connected: false, wake: new AbortController() }
      if (!isWebAddress(source)) {
        const ma = parseRelayMultiaddr(source)
        t.addrs = [ma]
        t.peerId = ma.getComponents().find(c => c.name === 'p2p')?.value
      }
      return t
    })
    this.onDisconnect = this.onDisconnect.bind(this)
    this.onConnect = this.onConnect.bind(this)
  }

  /** Starts dialing every relay. */
  start (): void {
    if (this.#running) return
    this.#running = true
    this.#stop = new AbortController()
    this.#node.addEventListener('peer:disconnect', this.onDisconnect)
    this.#node.addEventListener('peer:connect', this.onConnect)
    for (const t of this.#targets) void this.#loop(t)
  }

  /** Stops redialing (connections stay until the node stops). */
  stop (): void {
    this.#running = false
    this.#stop.abort()
    this.#node.removeEventListener('peer:disconnect', this.onDisconnect)
    this.#node.removeEventListener('peer:connect', this.onConnect)
  }

  /** Peer ids of the relays currently connected. */
  connectedRelays (): string[] {
    return this.#targets.filter(t => t.connected && t.peerId != null).map(t => t.peerId as string)
  }

  /** Peer ids of every relay known so far (connected or not). */
  knownRelays (): string[] {
    return [...new Set(this.#targets.map(t => t.peerId).filter((p): p is string => p != null))]
  }

  /** True when the peer is one of our relays. */
  isRelay (peerId: string): boolean {
    return this.#targets.some(t => t.peerId === peerId)
  }

  /** Resolves true once any relay is connected, false after `timeoutMs`. */
  async waitConnected (timeoutMs: number): Promise<boolean> {
    return await waitUntil(() => this.connectedRelays().length > 0, timeoutMs, [[this, 'relay:connect']])
  }

  private onConnect (evt: CustomEvent<PeerId>): void {
    const id = evt.detail.toString()
    for (const t of this.#targets) {
      if (t.peerId === id && !t.connected) {
        t.connected = true
        this.safeDispatchEvent('relay:connect', { detail: { source: t.source, peerId: id } })
      }
    }
  }

  private onDisconnect (evt: CustomEvent<PeerId>): void {
    const id = evt.detail.toString()
    for (const t of this.#targets) {
      if (t.peerId !== id) continue
      if (t.connected) this.safeDispatchEvent('relay:disconnect', { detail: { source: t.source, peerId: id } })
      t.connected = false
      t.wake.abort()
    }
  }

  async #loop (t: Target): Promise<void> {
    const stop = this.#stop.signal
    let attempt = 0
    while (!stop.aborted) {
      if (t.connected || (t.peerId != null && this.#node.getConnections().some(c => c.remotePeer.toString() === t.peerId))) {
        if (!t.connected && t.peerId != null) {
          t.connected = true
          this.safeDispatchEvent('relay:connect', { detail: { source: t.source, peerId: t.peerId } })
        }
        attempt = 0
        t.wake = new AbortController()
        await sleep(2_147_483_647, AbortSignal.any([stop, t.wake.signal]))
        continue
      }
      try {
        if (isWebAddress(t.source)) {
          const info = await fetchRelayInfo(t.source, { signal: stop })
          t.peerId = info.peerId
          t.addrs = relayInfoAddrs(info, this.#init.dialable)
          if (t.addrs.length === 0) throw new Error(`relay ${t.source} lists no address this peer can dial`)
        }
        const signal = AbortSignal.any([stop, AbortSignal.timeout(this.#init.dialTimeoutMs ?? DIAL_TIMEOUT_MS)])
        const conn = await this.#node.dial(t.addrs, { signal })
        t.peerId = conn.remotePeer.toString()
        if (!t.connected) {
          t.connected = true
          this.safeDispatchEvent('relay:connect', { detail: { source: t.source, peerId: t.peerId } })
        }
      } catch (err) {
        if (stop.aborted) return
        this.safeDispatchEvent('relay:error', { detail: { source: t.source, error: err as Error, attempt } })
        await sleep(backoffDelay(attempt++, this.#init.backoff), stop)
      }
    }
  }
}
