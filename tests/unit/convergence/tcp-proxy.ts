/**
 * A userland TCP proxy on loopback: one listening port forwarding every connection to one target. The convergence,
 * chaos and soak harnesses put one between each peer and each relay (and between federated relays), so a partition is
 * real: `cut()` resets every connection through it and refuses new ones until `heal()`. Byte counts let a harness
 * check that traffic really went through it.
 */
import net, { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'

/** The real `net.connect`, taken before `firewall()` can wrap it: the proxies' own upstream connections use it. */
const connect = net.connect.bind(net) as typeof net.connect
const blocked = new Set<number>()
let installed = false

/**
 * Blocks outgoing TCP connections of this process to the given loopback ports (the relays' real ports), except the
 * proxies' own: a peer that learned a relay's real address (identify) cannot go around a cut. Wraps `net.connect`,
 * which libp2p's TCP transport dials with; a blocked dial fails like a refused connection.
 */
export function firewall (ports: Iterable<number>): void {
  for (const p of ports) blocked.add(p)
  if (installed) return
  installed = true
  const original = net.connect
  ;(net as { connect: unknown }).connect = (...args: Parameters<typeof net.connect>): Socket => {
    const opts = args[0] as { port?: number | string } | number | string
    const port = typeof opts === 'object' ? Number(opts.port) : Number(opts)
    if (!blocked.has(port)) return original.apply(net, args)
    const s = new net.Socket()
    process.nextTick(() => s.destroy(Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port} (test firewall: use the proxy)`), { code: 'ECONNREFUSED' })))
    return s
  }
}

export interface TcpProxy {
  /** Port the proxy listens on (127.0.0.1). */
  readonly port: number
  /** True while cut. */
  readonly isCut: boolean
  /** Bytes forwarded so far (both directions). */
  readonly bytes: number
  /** Connections accepted and forwarded so far. */
  readonly accepted: number
  /** Local ports of the proxy's upstream sockets (what the target sees as the remote port). */
  readonly upstreamPorts: Set<number>
  /** Resets every open connection and refuses new ones. */
  cut: () => void
  /** Accepts connections again. */
  heal: () => void
  /** Closes the listener and every connection. */
  close: () => Promise<void>
}

/** Starts a proxy from 127.0.0.1:<random or given port> to `target`. */
export async function startTcpProxy (target: { host: string, port: number }, listenPort = 0): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>()
  const upstreamPorts = new Set<number>()
  let cut = false
  let bytes = 0
  let accepted = 0
  const server: Server = createServer({ noDelay: true }, (client) => {
    if (cut) { client.resetAndDestroy(); return }
    accepted++
    const upstream = connect({ host: target.host, port: target.port, noDelay: true })
    upstream.once('connect', () => { if (upstream.localPort != null) upstreamPorts.add(upstream.localPort) })
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const end = (): void => {
      pairs.delete(pair)
      if (upstream.localPort != null) upstreamPorts.delete(upstream.localPort)
      if (!client.destroyed) client.destroy()
      if (!upstream.destroyed) upstream.destroy()
    }
    client.on('data', (d: Buffer) => { bytes += d.length; if (!upstream.write(d)) { client.pause(); upstream.once('drain', () => client.resume()) } })
    upstream.on('data', (d: Buffer) => { bytes += d.length; if (!client.write(d)) { upstream.pause(); client.once('drain', () => upstream.resume()) } })
    client.on('end', () => upstream.end())
    upstream.on('end', () => client.end())
    client.on('close', end)
    upstream.on('close', end)
    client.on('error', end)
    upstream.on('error', end)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listenPort, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const port = (server.address() as { port: number }).port
  const resetAll = (): void => {
    for (const [a, b] of [...pairs]) {
      // A reset, not a FIN: the peer sees the path die, as with a network failure, and libp2p closes the connection.
      if (!a.destroyed) a.resetAndDestroy()
      if (!b.destroyed) b.resetAndDestroy()
    }
    pairs.clear()
  }
  return {
    port,
    get isCut () { return cut },
    get bytes () { return bytes },
    get accepted () { return accepted },
    upstreamPorts,
    cut () { cut = true; resetAll() },
    heal () { cut = false },
    async close () {
      cut = true
      resetAll()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
