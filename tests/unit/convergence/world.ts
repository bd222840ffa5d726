/**
 * A small network of real chat peers (createChat, real libp2p on loopback, memory storage that survives restarts)
 * and real relays, where every peer↔relay and relay↔relay path goes through its own userland TCP proxy. The harness
 * decides which paths are up: a peer disconnected from everything, a partition into two sides (side r reaches relay r
 * only, the relays do not reach each other), a heal. Used by the convergence model test, the chaos and soak scripts.
 *
 * Peers listen on nothing: every connection they have is one they dialed through a proxy, so no relay can reach
 * them around a cut (a relay pushing a room dials the peer id; with no listen address that only reuses a live
 * connection). A peer does learn a relay's real address (identify) and libp2p may dial it when it opens a protocol
 * stream by peer id: `firewall()` blocks this process' dials to the relays' real ports (the proxies use the real
 * `net.connect`), and an in-process relay also closes every connection that did not come through one of the proxies
 * (counted in `refusedDirect`). `bypasses()` lists peer connections around the proxies (should stay empty).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { startRelay } from '../../../relay/relay.ts'
import { createChat } from '../../../src/index.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import { firewall, startTcpProxy } from './tcp-proxy.ts'
import type { TcpProxy } from './tcp-proxy.ts'
import type { Chat } from '../../../src/index.ts'
import type { StorageBackend } from '../../../src/history/types.ts'

/** A relay the world can address: in this process, or a child process (chaos script) with a fixed TCP port. */
export interface WorldRelay {
  peerId: string
  tcpPort: number
  /** Resident memory of the relay (bytes) when known. */
  stop: () => Promise<void>
}

export interface WorldPeer {
  index: number
  storage: StorageBackend
  /** Set when the world runs with data dirs. */
  dataDir?: string
  chat: Chat | undefined
  /** links[r]: the proxy from this peer to relay r. */
  links: TcpProxy[]
  /** Disconnected from every relay by the harness. */
  offline: boolean
  /** Which relay this peer reaches during a partition. */
  side: number
}

export interface WorldInit {
  peers: number
  /** Relays started in this process (default 2: a two-sided partition needs one relay per side). */
  relays?: number
  /** Start relays elsewhere (chaos script: real processes). Index r, federation peers as multiaddrs. */
  startRelay?: (r: number, peers: string[]) => Promise<WorldRelay>
  /** Extra createChat options. */
  chat?: { keep?: boolean }
  /** Give each peer a real data dir (file storage with fsync) instead of memory storage. */
  dataDirs?: boolean
}

const NET = { mdns: false, webrtc: false, listen: [] as string[] }

export class World {
  readonly peers: WorldPeer[] = []
  readonly relays: WorldRelay[] = []
  /** fed[r]: proxy of relay r's federation link to relay r-1 (fed[0] unused). */
  readonly fed: TcpProxy[] = []
  partitioned = false
  /** Connections an in-process relay closed because they did not come through a proxy. */
  refusedDirect = 0
  readonly #init: WorldInit
  readonly #dirs: string[] = []

  private constructor (init: WorldInit) { this.#init = init }

  static async start (init: WorldInit): Promise<World> {
    const w = new World(init)
    const n = init.relays ?? 2
    for (let r = 0; r < n; r++) {
      const peers: string[] = []
      if (r > 0) {
        const prev = w.relays[r - 1] as WorldRelay
        const p = await startTcpProxy({ host: '127.0.0.1', port: prev.tcpPort })
        w.fed[r] = p
        peers.push(`/ip4/127.0.0.1/tcp/${p.port}/p2p/${prev.peerId}`)
      }
      w.relays.push(await (init.startRelay ?? (async (_r, ps) => await w.#inProcessRelay(ps)))(r, peers))
    }
    firewall(w.relays.map(r => r.tcpPort))
    for (let i = 0; i < init.peers; i++) {
      const links: TcpProxy[] = []
      for (const relay of w.relays) links.push(await startTcpProxy({ host: '127.0.0.1', port: relay.tcpPort }))
      const peer: WorldPeer = { index: i, storage: memoryStorage(), chat: undefined, links, offline: false, side: i % n }
      if (init.dataDirs === true) {
        peer.dataDir = await mkdtemp(join(tmpdir(), `cs-world-p${i}-`))
        w.#dirs.push(peer.dataDir)
      }
      w.peers.push(peer)
    }
    await Promise.all(w.peers.map(async p => { await w.startPeer(p.index) }))
    return w
  }

  async #inProcessRelay (peers: string[]): Promise<WorldRelay> {
    const dir = await mkdtemp(join(tmpdir(), 'cs-world-relay-'))
    this.#dirs.push(dir)
    const relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, peers, logger: pino({ level: 'silent' }) })
    relay.node.addEventListener('connection:open', (evt) => {
      const port = Number(/\/tcp\/(\d+)/.exec(evt.detail.remoteAddr.toString())?.[1])
      if (this.#proxies().some(p => p.upstreamPorts.has(port))) return
      this.refusedDirect++
      evt.detail.abort(new Error('not through a proxy'))
    })
    return { peerId: relay.peerId, tcpPort: relay.tcpPort as number, stop: relay.stop }
  }

  #proxies (): TcpProxy[] { return [...this.peers.flatMap(p => p.links), ...this.fed.filter(f => f != null)] }

  relayAddrs (i: number): string[] {
    const p = this.peers[i] as WorldPeer
    return this.relays.map((r, k) => `/ip4/127.0.0.1/tcp/${(p.links[k] as TcpProxy).port}/p2p/${r.peerId}`)
  }

  chat (i: number): Chat {
    const c = this.peers[i]?.chat
    if (c == null) throw new Error(`peer ${i} is not running`)
    return c
  }

  async startPeer (i: number): Promise<Chat> {
    const p = this.peers[i] as WorldPeer
    const where = p.dataDir != null ? { dataDir: p.dataDir } : { storage: p.storage }
    p.chat = await createChat({ ...where, relays: this.relayAddrs(i), displayName: `p${i}`, ...NET, ...(this.#init.chat ?? {}) })
    return p.chat
  }

  async stopPeer (i: number): Promise<void> {
    const p = this.peers[i] as WorldPeer
    const c = p.chat
    p.chat = undefined
    await c?.close()
  }

  async restartPeer (i: number): Promise<Chat> {
    await this.stopPeer(i)
    return await this.startPeer(i)
  }

  /** Applies the current offline / partition state to every proxy. */
  applyLinks (): void {
    for (const p of this.peers) {
      p.links.forEach((link, r) => {
        const up = !p.offline && (!this.partitioned || p.side === r)
        if (up && link.isCut) link.heal()
        if (!up && !link.isCut) link.cut()
      })
    }
    for (const f of this.fed) {
      if (f == null) continue
      if (this.partitioned && !f.isCut) f.cut()
      if (!this.partitioned && f.isCut) f.heal()
    }
  }

  setOffline (i: number, offline: boolean): void { (this.peers[i] as WorldPeer).offline = offline; this.applyLinks() }

  /** Splits the peers in two sides by the bits of `mask` (bit i set: peer i on side 1). */
  partition (mask: number): void {
    for (const p of this.peers) p.side = (mask >> p.index) & 1 ? 1 % this.relays.length : 0
    this.partitioned = true
    this.applyLinks()
  }

  heal (): void { this.partitioned = false; for (const p of this.peers) p.offline = false; this.applyLinks() }

  /** Relay connections of running peers that did not go through a proxy (should always be empty). */
  bypasses (): string[] {
    const ports = new Set(this.peers.flatMap(p => p.links.map(l => String(l.port))))
    const out: string[] = []
    for (const p of this.peers) {
      for (const c of p.chat?.connections() ?? []) {
        const port = /\/tcp\/(\d+)/.exec(c.remoteAddr)?.[1]
        if (port == null || !ports.has(port)) out.push(`p${p.index} → ${c.remoteAddr}`)
      }
    }
    return out
  }

  async stop (): Promise<void> {
    for (const p of this.peers) await this.stopPeer(p.index).catch(() => {})
    for (const r of this.relays) await r.stop().catch(() => {})
    for (const p of this.peers) for (const l of p.links) await l.close()
    for (const f of this.fed) await f?.close()
    for (const d of this.#dirs) await rm(d, { recursive: true, force: true })
  }
}

/** Waits until `check` is true, polling; throws with `describe()` on timeout. */
export async function until (check: () => boolean, timeoutMs: number, describe: () => string = () => ''): Promise<number> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`not converged after ${timeoutMs} ms: ${describe()}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return Date.now() - start
}
