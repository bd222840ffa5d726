/**
 * Relay abuse tools (issue 8, test 7): bare libp2p nodes (TCP, noise, yamux, nothing else) that speak the circuit
 * relay v2 hop protocol by hand, so a test controls every request: RESERVE (a reservation flood, one peer id per
 * node) and CONNECT (a circuit flood towards a peer that holds a reservation). Also the relay process' resident
 * memory from /proc.
 */
import { readFile } from 'node:fs/promises'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { lpStream } from '@libp2p/utils'
import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'

/** Circuit relay v2 status codes (circuit v2 spec). */
export const HopStatus = { OK: 100, RESERVATION_REFUSED: 200, RESOURCE_LIMIT_EXCEEDED: 201, PERMISSION_DENIED: 202, CONNECTION_FAILED: 203, NO_RESERVATION: 204 } as const

/** A node with nothing but a transport: the cheapest distinct peer id an attacker can have. */
export async function bareNode (): Promise<Libp2p> {
  const node = await createLibp2p({
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: 10_000 }
  })
  return node
}

function varint (n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7 }
  out.push(n)
  return out
}

/** Reads field 5 (status, varint) of a HopMessage. */
function hopStatus (buf: Uint8Array): number | undefined {
  let i = 0
  const readVarint = (): number => {
    let v = 0; let shift = 0
    for (;;) {
      const b = buf[i++] as number
      v += (b & 0x7f) * 2 ** shift
      if ((b & 0x80) === 0) return v
      shift += 7
    }
  }
  while (i < buf.length) {
    const key = readVarint()
    const field = key >>> 3
    const wire = key & 7
    if (wire === 0) { const v = readVarint(); if (field === 5) return v } else if (wire === 2) { const len = readVarint(); i += len } else return undefined
  }
  return undefined
}

/** One hop request on a fresh stream of an existing or new connection; resolves with the relay's status code. */
async function hop (node: Libp2p, relay: string, message: Uint8Array, timeoutMs = 10_000): Promise<number | undefined> {
  const signal = AbortSignal.timeout(timeoutMs)
  const stream = await node.dialProtocol(multiaddr(relay), RELAY_V2_HOP_CODEC, { signal })
  const lp = lpStream(stream)
  await lp.write(message, { signal })
  const reply = await lp.read({ signal })
  const status = hopStatus(reply.subarray())
  stream.abort(new Error('done'))
  return status
}

/** Asks `relay` (a multiaddr with /p2p/) for a reservation; resolves with the status code. */
export async function reserve (node: Libp2p, relay: string): Promise<number | undefined> {
  // HopMessage { type: RESERVE (0) }
  return await hop(node, relay, Uint8Array.from([0x08, 0x00]))
}

/** Asks `relay` to open a circuit to `target` (a peer id); resolves with the status code. */
export async function connectRequest (node: Libp2p, relay: string, target: string, timeoutMs = 10_000): Promise<number | undefined> {
  const id = peerIdFromString(target).toMultihash().bytes
  // Peer { id (1): bytes }
  const peer = [0x0a, ...varint(id.length), ...id]
  // HopMessage { type: CONNECT (1), peer (2): Peer }
  return await hop(node, relay, Uint8Array.from([0x08, 0x01, 0x12, ...varint(peer.length), ...peer]), timeoutMs)
}

/** Resident set size of a process in bytes (Linux /proc). */
export async function rssOf (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]
  return Number(kb ?? 0) * 1024
}

/** Runs `fn` over `items` with at most `concurrency` at once. */
export async function pool<T, R> (items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T, i)
    }
  }))
  return out
}
