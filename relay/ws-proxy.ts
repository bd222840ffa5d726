/**
 * @libp2p/websockets 10 creates its own HTTP server and cannot be handed ours, so the relay runs libp2p's WebSocket
 * listener on a loopback port and forwards WebSocket upgrades that arrive on the public HTTP(S) port to it, byte for
 * byte. One public port then serves the web app, the info document, metrics and libp2p (`/tcp/<port>/ws` or
 * `/tcp/<port>/tls/ws` when TLS is on: TLS ends here, libp2p's noise runs inside).
 */
import { connect } from 'node:net'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

/** Forwards one upgrade request (head already parsed by node:http) to the internal WebSocket listener. */
export function proxyUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer, target: { host: string, port: number }): void {
  // No Nagle on either leg: a chat frame is one small write, and Nagle held it back until the previous one was acked
  // (with delayed ACKs, tens of ms per browser message through the relay).
  const upstream = connect({ port: target.port, host: target.host, noDelay: true })
  ;(socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
  const fail = (): void => { upstream.destroy(); socket.destroy() }
  upstream.on('error', fail)
  socket.on('error', fail)
  upstream.on('connect', () => {
    let raw = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`
    upstream.write(raw + '\r\n')
    if (head.length > 0) upstream.write(head)
    upstream.pipe(socket)
    socket.pipe(upstream)
  })
  upstream.on('close', () => socket.destroy())
  socket.on('close', () => upstream.destroy())
}
