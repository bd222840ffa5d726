/**
 * The ChatSphere relay: one HTTP(S) port that serves the web app, the JSON info document, /healthz and /metrics, and
 * carries libp2p over WebSockets; a libp2p TCP listener; a circuit relay v2 server with explicit limits; gossipsub for
 * the rooms members asked it to keep; a store of those rooms' encrypted logs, served to peers that catch up later;
 * federation with other relays.
 */
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { mkdir } from 'node:fs/promises'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { gossipsub, TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import {
  DEFAULT_RELAY_CIRCUIT_DATA_BYTES, DEFAULT_RELAY_CIRCUIT_DURATION_MS, DEFAULT_RELAY_MAX_CONNECTIONS,
  DEFAULT_RELAY_MAX_RESERVATIONS, DEFAULT_RELAY_MAX_ROOMS, GOSSIP_GRAYLIST_THRESHOLD, GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC, GOSSIP_RELAY_D, GOSSIP_RELAY_D_HIGH, GOSSIP_RELAY_D_LOW, KEEP_PROTOCOL, RELAY_HEALTH_PATH, RELAY_INFO_PATH,
  RELAY_INFO_VERSION, RELAY_METRICS_PATH, SYNC_PROTOCOL
} from '../src/constants.ts'
import { noiseOneWrite } from '../src/net/noise-one-write.ts'
import { installHalfWindowUpdates } from '../src/net/yamux-window.ts'
import { chatGossipsubOptions, peerScore, scoreTopic } from '../src/net/gossipsub-options.ts'
import { hangUpLater, RejectStrikes } from '../src/net/reject-strikes.ts'
import { abortConnections, installPromptGraylist } from '../src/net/prompt-graylist.ts'
import { installSubscriptionGuard } from '../src/net/subscription-guard.ts'
import { RelayConnector } from '../src/net/relay-connector.ts'
import { lockDataDir } from '../src/storage/dir-lock.ts'
import { InvalidArgumentError } from '../src/errors.ts'
import { verifyFrame } from '../src/envelope/index.ts'
import { FrameKind } from '../src/envelope/types.ts'
import { dropReason } from './drop-reason.ts'
import { KeptRooms } from './kept-rooms.ts'
import { handleKeepStream } from './keep-handler.ts'
import { RelayMetrics } from './metrics.ts'
import { loadOrCreatePeerKey } from './peer-key.ts'
import { securityHeaders } from './static-files.ts'
import { proxyUpgrade } from './ws-proxy.ts'
import { relaySync } from './relay-sync.ts'
import { webAppState } from './web-app.ts'
import type { KeptRoom } from './kept-rooms.ts'
import type { RelayInfo } from '../src/net/relay-info.ts'
import type { GossipSub } from '@libp2p/gossipsub'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { IncomingMessage, ServerResponse, Server } from 'node:http'
import type { Logger } from 'pino'

/** Everything a relay can be told (CLI flags and CHATSPHERE_* environment variables map onto these). */
export interface RelayOptions {
  /** Data directory: peer key, TLS certificate, kept rooms and their encrypted logs. */
  dataDir: string
  /** HTTP(S) bind address. */
  host: string
  /** HTTP(S) port; web app, info document, metrics and libp2p WebSockets share it. 0 = a free port. */
  port: number
  /** libp2p TCP port; null turns TCP off; 0 = a free port. */
  tcpPort: number | null
  /** Extra host names / addresses to announce (a public DNS name, a LAN address). */
  announce?: string[]
  /** Relays to federate with (multiaddrs with /p2p/), redialed with backoff. */
  peers?: string[]
  /** Most rooms kept at once; keep requests beyond it are refused with `quota`. */
  maxRooms?: number
  /** A kept room's log unused this long is closed until needed again (default KEPT_ROOM_IDLE_UNLOAD_MS). */
  roomIdleUnloadMs?: number
  /** Circuit relay v2 limits. */
  maxReservations?: number
  circuitDurationMs?: number
  circuitDataBytes?: number
  /** Most libp2p connections. */
  maxConnections?: number
  /** Serve HTTPS (and wss) with a self-signed certificate kept in the data dir. */
  tls?: boolean
  /** Directory of the built web app (default: web/dist of this checkout). null = do not serve the app. */
  webDir?: string | null
  /** Build the web app with vite when webDir has no index.html (in the background; a page says so meanwhile). */
  buildWeb?: boolean
  logger: Logger
}

/** A running relay. */
export interface Relay {
  peerId: string
  /** http(s)://host:port of the relay's web side. */
  url: string
  port: number
  tcpPort: number | null
  /** Multiaddrs peers dial (ws on the HTTP port first, then TCP). */
  multiaddrs: () => string[]
  info: (hostHeader?: string) => RelayInfo
  metrics: RelayMetrics
  node: Libp2p<{ pubsub: GossipSub, relay: CircuitRelayService }>
  kept: KeptRooms
  stop: () => Promise<void>
}

const SOFTWARE = 'chatsphere-relay/0.1.0'

function listenAddresses (hosts: string[]): string[] {
  const out: string[] = []
  for (const h of hosts) {
    if (h === '0.0.0.0') {
      for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address)
    } else out.push(h)
  }
  return [...new Set(out)]
}

function hostComponent (host: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return `/ip4/${host}`
  if (host.includes(':')) return `/ip6/${host}`
  return `/dns/${host}`
}

/** Starts a relay; resolves once every listener is up. */
export async function startRelay (opts: RelayOptions): Promise<Relay> {
  const log = opts.logger
  // Every kept room is two topics, announced in one RPC to each peer that connects: past the peers' decode limit
  // the whole RPC is refused and the relay looks subscribed to nothing.
  if ((opts.maxRooms ?? DEFAULT_RELAY_MAX_ROOMS) * 2 > GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC) {
    throw new InvalidArgumentError(`maxRooms must be at most ${GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC / 2} (two gossipsub topics per room, ${GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC} per RPC)`)
  }
  // One relay per data dir: a second one would write the same room files (DataDirLockedError instead).
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 })
  const lock = await lockDataDir(opts.dataDir)
  const privateKey = await loadOrCreatePeerKey(opts.dataDir).catch(async (err: unknown) => { await lock.release(); throw err })
  const tlsMaterial = opts.tls === true ? await (await import('./tls.ts')).loadOrCreateCertificate(opts.dataDir, [opts.host, ...(opts.announce ?? [])]) : undefined

  // The public HTTP(S) server first, so the port (maybe random) is known before libp2p announces it.
  const handler = { fn: (_req: IncomingMessage, res: ServerResponse): void => { res.writeHead(503).end() } }
  const server: Server = tlsMaterial != null
    ? createHttpsServer({ cert: tlsMaterial.cert, key: tlsMaterial.key }, (req, res) => { handler.fn(req, res) })
    : createHttpServer((req, res) => { handler.fn(req, res) })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve() })
  })
  const port = (server.address() as { port: number }).port
  const wsProto = tlsMaterial != null ? '/tls/ws' : '/ws'
  const hosts = listenAddresses([opts.host === '::' ? '0.0.0.0' : opts.host, ...(opts.announce ?? [])])

  const announce: string[] = hosts.map(h => `${hostComponent(h)}/tcp/${port}${wsProto}`)
  const listen = ['/ip4/127.0.0.1/tcp/0/ws']
  if (opts.tcpPort != null) listen.push(`/ip4/${opts.host === '::' ? '0.0.0.0' : opts.host}/tcp/${opts.tcpPort}`)

  const peerMultiaddrs = (opts.peers ?? []).map(p => multiaddr(p))
  const directPeers = peerMultiaddrs.flatMap(ma => {
    const id = ma.getComponents().find(c => c.name === 'p2p')?.value
    return id == null ? [] : [{ id: peerIdFromString(id), addrs: [ma.decapsulateCode(421)] }]
  })

  installHalfWindowUpdates()
  const node = await createLibp2p({
    start: false,
    privateKey,
    addresses: {
      listen,
      appendAnnounce: announce,
      // The loopback WebSocket listener is reached only through the public port's proxy: never announce it.
      announceFilter: (addrs) => addrs.filter(a => !(a.toString().includes('/ws') && a.toString().startsWith('/ip4/127.0.0.1/') && !announce.some(x => a.toString().startsWith(x))))
    },
    transports: [webSockets(), tcp()],
    connectionEncrypters: [noiseOneWrite()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: opts.maxConnections ?? DEFAULT_RELAY_MAX_CONNECTIONS,
      // Every WebSocket connection reaches libp2p from the loopback proxy, so per-address rate limits would treat
      // all browsers as one host.
      inboundConnectionThreshold: 10_000,
      maxIncomingPendingConnections: 512
    },
    services: {
      identify: identify(),
      ping: ping(),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: opts.maxReservations ?? DEFAULT_RELAY_MAX_RESERVATIONS,
          applyDefaultLimit: true,
          defaultDurationLimit: opts.circuitDurationMs ?? DEFAULT_RELAY_CIRCUIT_DURATION_MS,
          defaultDataLimit: BigInt(opts.circuitDataBytes ?? DEFAULT_RELAY_CIRCUIT_DATA_BYTES)
        }
      }),
      pubsub: gossipsub({ ...chatGossipsubOptions({ doPX: false, overrides: { D: GOSSIP_RELAY_D, Dlo: GOSSIP_RELAY_D_LOW, Dhi: GOSSIP_RELAY_D_HIGH } }), directPeers })
    }
  }) as unknown as Relay['node']

  // Announce the public port's WebSocket address (not the loopback listener) and the TCP listener.
  const tcpAddrs = (): string[] => node.getMultiaddrs().map(m => m.toString()).filter(a => !a.includes('/ws') && !a.includes('/p2p-circuit'))
  const tcpPortReal = (): number | null => {
    const a = node.getMultiaddrs().find(m => !m.toString().includes('/ws'))
    return a == null ? null : Number(a.getComponents().find(c => c.name === 'tcp')?.value)
  }
  // getMultiaddrs() hides the loopback WebSocket listener (announceFilter), so learn its port when it starts.
  let internalWsPort: number | undefined
  node.addEventListener('transport:listening', (evt) => {
    for (const a of evt.detail.getAddrs()) {
      if (a.toString().startsWith('/ip4/127.0.0.1/') && a.toString().includes('/ws')) internalWsPort = Number(a.getComponents().find(c => c.name === 'tcp')?.value)
    }
  })
  const internalWs = (): { host: string, port: number } => {
    if (internalWsPort == null) throw new Error('libp2p WebSocket listener is not up')
    return { host: '127.0.0.1', port: internalWsPort }
  }
  const peerId = node.peerId.toString()
  const announced = (): string[] => [...announce, ...tcpAddrs().map(a => a.replace(/\/p2p\/.*/, ''))]

  const metrics = new RelayMetrics({
    connections: () => node.getConnections().length,
    reservations: () => node.services.relay.reservations.size,
    roomsKept: () => kept.size,
    roomsLoaded: () => kept.loaded,
    gossipScores: () => ({
      scores: pubsub.getPeers().map(p => peerScore(pubsub, p.toString())),
      graylistThreshold: GOSSIP_GRAYLIST_THRESHOLD
    })
  })

  const kept = new KeptRooms(opts.dataDir, { idleUnloadMs: opts.roomIdleUnloadMs })
  const pubsub = node.services.pubsub

  // Frames of a room are checked in parallel but accepted (forwarded, stored) in arrival order: a member that gets
  // them out of order parks the later ones in Yjs' pending store and re-merges it on every update.
  const chains = new WeakMap<KeptRoom, Promise<void>>()
  const inOrder = async <T>(room: KeptRoom, check: Promise<T>): Promise<T> => {
    check.catch(() => {})
    const run = (chains.get(room) ?? Promise.resolve()).then(async () => await check)
    chains.set(room, run.then(() => {}, () => {}))
    return await run
  }

  // A peer whose frames keep failing is disconnected (its gossipsub score stays low). Its frames are still judged one
  // by one: refusing a message by its forwarder would also drop the honest copies other peers send (same id).
  const strikes = new RejectStrikes()
  const rejected = (peer: PeerId): TopicValidatorResult => {
    // Never a peer relay (it forwards what many members sent; its score still falls on its own if it relays junk).
    if (!connector.isRelay(peer.toString()) && strikes.note(peer.toString())) {
      metrics.peersStruck++
      log.info({ peer: peer.toString() }, 'disconnecting a peer whose frames keep failing')
      hangUpLater(async () => { await node.hangUp(peer) })
    }
    return TopicValidatorResult.Reject
  }
  // A peer is graylisted by its third rejected frame, not a heartbeat later, and disconnected then (its score is kept
  // for when it redials): a fresh attacker identity gets a few frames verified, not a second's worth.
  installPromptGraylist(pubsub, {
    exempt: (id) => connector.isRelay(id),
    onGraylisted: (id) => {
      metrics.peersStruck++
      log.info({ peer: id }, 'disconnecting a graylisted peer')
      abortConnections(node, peerIdFromString(id))
    },
    onRefused: (_id, frames) => { metrics.drop('graylisted', frames) }
  })
  // Subscriptions only to ChatSphere topics, and not a flood of RPCs: a peer breaking either is cut off (a
  // subscription costs no score, so nothing else ever would; federated relays are exempt).
  installSubscriptionGuard(pubsub, {
    exempt: (id) => connector.isRelay(id),
    onViolation: (id, reason) => {
      metrics.peersCutForSubscriptions.set(reason, (metrics.peersCutForSubscriptions.get(reason) ?? 0) + 1)
      log.info({ peer: id, reason }, 'disconnecting a peer for its subscriptions')
      abortConnections(node, peerIdFromString(id))
    },
    onRefused: (_id, reason, topics) => { metrics.subscriptionsRefused.set(reason, (metrics.subscriptionsRefused.get(reason) ?? 0) + topics) }
  })

  const keepRoom = (room: KeptRoom): void => {
    sync.track(room)
    scoreTopic(pubsub, room.topic)
    scoreTopic(pubsub, room.ephemeralTopic)
    pubsub.topicValidators.set(room.topic, async (peer, msg) => {
      try {
        // Check (signatures, shape, no deletes), forward, and store in the background: members should not wait for
        // the relay's fsync. A member learns the relay holds the message only once it is in the log (keep status).
        const parsed = await inOrder(room, room.guard.check(msg.data))
        // Frames, not updates: a sender coalescing under load puts several in one update.
        metrics.framesRelayed += parsed.items.length
        // Stored after gossipsub has forwarded it (a macrotask later; same order as accepted): the Yjs apply and the
        // store write would otherwise race the forward through the same microtask queue and delay every member.
        setImmediate(() => {
          // The log may be closed (idle): use() reopens it, and applies frames that arrive meanwhile in this order.
          room.use(async (roomLog) => {
            const fresh = await roomLog.applyRemote(msg.data)
            // Only when the log lacks something (items wait for predecessors), not for frames a sync brought first.
            if (fresh.length === 0 && roomLog.lacksAfter(msg.data)) sync.catchUp(peer.toString(), room)
          }).catch((err: Error) => {
            metrics.drop(dropReason(err))
          })
        })
        return TopicValidatorResult.Accept
      } catch (err) {
        metrics.drop(dropReason(err))
        log.debug({ err: (err as Error).message, topic: room.topic }, 'dropped room update')
        return rejected(peer)
      }
    })
    pubsub.topicValidators.set(room.ephemeralTopic, async (peer, msg) => {
      try {
        const header = await verifyFrame(msg.data, room.writePublicKey, room.roomId)
        if (header.kind !== FrameKind.ephemeral) { metrics.drop('wrong-kind'); return rejected(peer) }
        metrics.ephemeralRelayed++
        return TopicValidatorResult.Accept
      } catch (err) {
        metrics.drop(dropReason(err))
        return rejected(peer)
      }
    })
    pubsub.subscribe(room.topic)
    pubsub.subscribe(room.ephemeralTopic)
  }


  await node.handle(KEEP_PROTOCOL, async (stream, connection) => {
    await handleKeepStream(stream, {
      relayPeerId: peerId,
      maxRooms: opts.maxRooms ?? DEFAULT_RELAY_MAX_ROOMS,
      kept,
      metrics,
      onNewRoom: async (room) => {
        keepRoom(room)
        sync.roomAdded(room)
        await kept.save()
        log.info({ room: room.roomIdText, topic: room.topic, from: connection.remotePeer.toString() }, 'keeping room')
      },
      log
    })
  }, { runOnLimitedConnection: true })


  const connector = new RelayConnector(node, { relays: opts.peers ?? [] })
  const sync = relaySync({ node, kept, metrics, log, isPeerRelay: (id) => connector.isRelay(id) })
  await sync.start()
  // Rooms kept before a restart are opened before the node starts: members reconnect within milliseconds of a restart
  // and a sync that arrived before the load was told "unknown room" and not retried (chaos test). Subscribing waits
  // for the start (gossipsub only subscribes once started).
  const loaded = await kept.load()
  await node.start()
  for (const room of loaded) keepRoom(room)
  connector.addEventListener('relay:connect', (e) => log.info({ peer: e.detail.peerId }, 'federated relay connected'))
  connector.addEventListener('relay:error', (e) => log.debug({ peer: e.detail.source, err: e.detail.error.message }, 'federated relay dial failed'))
  connector.start()

  node.addEventListener('connection:open', (e) => log.debug({ peer: e.detail.remotePeer.toString(), addr: e.detail.remoteAddr.toString() }, 'connection open'))
  // A reservation is useful only while its holder is connected (circuits reach it over that connection), but the
  // library keeps it for its whole TTL (2 h): peers that reserve and go away would keep the table full and honest
  // newcomers refused (issue 8, relay abuse test). Expire it at once through the library's own timer; a peer that
  // comes back and reserves again before the timer fires simply refreshes it.
  node.addEventListener('peer:disconnect', (e) => { node.services.relay.reservations.get(e.detail)?.signal.reset(0) })

  const scheme = tlsMaterial != null ? 'https' : 'http'
  const urlHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host
  const url = `${scheme}://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`

  const multiaddrs = (): string[] => announced().map(a => `${a}/p2p/${peerId}`)
  const info = (hostHeader?: string): RelayInfo => {
    const list = multiaddrs()
    const fromHost = hostHeader != null ? hostAddr(hostHeader, port, wsProto, peerId) : undefined
    return {
      version: RELAY_INFO_VERSION,
      peerId,
      multiaddrs: fromHost != null ? [fromHost, ...list.filter(a => a !== fromHost)] : list,
      software: SOFTWARE,
      protocols: [KEEP_PROTOCOL, SYNC_PROTOCOL]
    }
  }

  const webDir = opts.webDir === undefined ? join(import.meta.dirname, '..', 'web', 'dist') : opts.webDir
  const web = webAppState(webDir, opts.buildWeb ?? true, log)

  handler.fn = (req, res) => {
    metrics.httpRequests++
    const path = new URL(req.url ?? '/', 'http://relay').pathname
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, securityHeaders()).end(); return }
    if (path === RELAY_INFO_PATH) {
      const body = JSON.stringify(info(req.headers.host))
      res.writeHead(200, { ...securityHeaders(), 'content-type': 'application/json', 'cache-control': 'no-store', 'access-control-allow-origin': '*' })
      res.end(body)
      return
    }
    if (path === RELAY_HEALTH_PATH) {
      res.writeHead(200, { ...securityHeaders(), 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify({ ok: true, peerId, connections: node.getConnections().length, roomsKept: kept.size }))
      return
    }
    if (path === RELAY_METRICS_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' })
      res.end(metrics.render())
      return
    }
    void web.serve(req, res).catch((err: Error) => {
      log.error({ err: err.message }, 'static file error')
      if (!res.headersSent) res.writeHead(500, securityHeaders()).end()
    })
  }
  server.on('upgrade', (req, socket, head) => {
    try { proxyUpgrade(req, socket, head, internalWs()) } catch { socket.destroy() }
  })

  log.info({ peerId, url, multiaddrs: multiaddrs(), rooms: kept.size, tls: tlsMaterial != null }, 'relay started')

  let stopped = false
  return {
    peerId,
    url,
    port,
    tcpPort: tcpPortReal(),
    multiaddrs,
    info,
    metrics,
    node,
    kept,
    stop: async () => {
      if (stopped) return
      stopped = true
      connector.stop()
      sync.stop()
      server.closeAllConnections?.()
      await new Promise<void>(resolve => server.close(() => resolve()))
      await node.stop()
      await kept.close()
      await lock.release()
      log.info('relay stopped')
    }
  }
}

function hostAddr (hostHeader: string, port: number, wsProto: string, peerId: string): string | undefined {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader)
  if (m == null) return undefined
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '')
  if (host.length === 0 || host.length > 253 || !/^[\w.:-]+$/.test(host)) return undefined
  const p = m[2] != null ? Number(m[2]) : port
  if (p !== port) return undefined
  return `${hostComponent(host)}/tcp/${port}${wsProto}/p2p/${peerId}`
}
