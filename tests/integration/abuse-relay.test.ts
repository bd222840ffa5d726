/**
 * Relay abuse (issue 8, test 7) against a real relay process with small limits (--max-reservations, --circuit-data,
 * --max-connections):
 * - reservation flood: many peer ids ask for reservations; at most the configured number exist, honest peers that
 *   reserved first keep theirs (a circuit to them still opens), and reservations of flooders that went away are
 *   freed (a new honest peer gets one);
 * - circuit flood: flooders ask for many circuits to an honest peer; the relay stays within its connection limit,
 *   the honest peer stays reachable, a relayed connection stops at the data limit;
 * - the relay's resident memory stays bounded (printed).
 *
 * ABUSE_FLOODERS (default 40) and ABUSE_CIRCUITS (circuit requests per flooder, default 5) size the flood; the big run:
 *   ABUSE_FLOODERS=1000 ABUSE_CIRCUITS=20 node scripts/node22.mjs node_modules/vitest/vitest.mjs run tests/integration/abuse-relay.test.ts
 */
import { createChatNode } from '#libp2p-node'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HopStatus, bareNode, connectRequest, pool, reserve, rssOf } from './abuse-flood.ts'
import { cleanupDirs, startRelayProc } from './support/processes.ts'
import type { RelayProc } from './support/processes.ts'
import type { ChatNode } from '#libp2p-node'
import type { Libp2p } from '@libp2p/interface'

const FLOODERS = Number(process.env.ABUSE_FLOODERS ?? 40)
const CIRCUITS = Number(process.env.ABUSE_CIRCUITS ?? 5)
const MAX_RESERVATIONS = 8
const MAX_CONNECTIONS = Math.max(64, Math.floor(FLOODERS / 2))
const CIRCUIT_DATA_MIB = 1
const SINK = '/chatsphere-test/sink/1.0.0'

async function honestPeer (relay: string): Promise<{ node: ChatNode, received: () => number }> {
  const node = await createChatNode({ listen: ['/p2p-circuit'], mdns: false, webrtc: false })
  let received = 0
  await node.handle(SINK, async (stream) => {
    try { for await (const chunk of stream) received += chunk.byteLength } catch { /* cut by the relay's limit */ }
  }, { runOnLimitedConnection: true })
  await node.start()
  await node.dial(multiaddr(relay))
  const end = Date.now() + 20_000
  while (!node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit'))) {
    if (Date.now() > end) throw new Error('honest peer got no reservation')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return { node, received: () => received }
}

describe('relay abuse: reservation and circuit floods', () => {
  let relay: RelayProc
  let relayAddr: string
  const honest: Array<{ node: ChatNode, received: () => number }> = []
  const nodes: Libp2p[] = []
  const rss: Record<string, number> = {}

  beforeAll(async () => {
    relay = await startRelayProc({ extra: ['--max-reservations', String(MAX_RESERVATIONS), '--circuit-data', String(CIRCUIT_DATA_MIB), '--max-connections', String(MAX_CONNECTIONS)] })
    relayAddr = relay.multiaddrs.find(a => !a.includes('/ws')) as string
    rss.start = await rssOf(relay.proc.child.pid as number)
    for (let i = 0; i < 2; i++) honest.push(await honestPeer(relayAddr))
  })

  afterAll(async () => {
    for (const n of nodes) await Promise.resolve(n.stop()).catch(() => {})
    for (const h of honest) await Promise.resolve(h.node.stop()).catch(() => {})
    await relay?.proc.stop()
    await cleanupDirs()
    process.stdout.write(`relay abuse: flooders ${FLOODERS}, circuits/flooder ${CIRCUITS}, relay RSS MB ${JSON.stringify(Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, Math.round(v / 1e5) / 10])))}\n`)
  })

  it('a reservation flood stays within the limit; honest peers keep their reservations; departed flooders free theirs', async () => {
    const statuses = await pool(Array.from({ length: FLOODERS }), 16, async () => {
      const node = await bareNode()
      nodes.push(node)
      try { return await reserve(node, relayAddr) } catch { return -1 }
    })
    rss.afterReservationFlood = await rssOf(relay.proc.child.pid as number)
    const ok = statuses.filter(s => s === HopStatus.OK).length
    const refused = statuses.filter(s => s === HopStatus.RESERVATION_REFUSED).length
    const metrics = await relay.metrics()
    process.stdout.write(`reservation flood: ${FLOODERS} peer ids asked, ${ok} granted, ${refused} refused, ${FLOODERS - ok - refused} could not connect; relay reservations ${metrics.chatsphere_relay_reservations} (limit ${MAX_RESERVATIONS}, ${honest.length} honest)\n`)
    expect(metrics.chatsphere_relay_reservations).toBeLessThanOrEqual(MAX_RESERVATIONS)
    expect(ok).toBeLessThanOrEqual(MAX_RESERVATIONS - honest.length)
    expect(ok + refused + statuses.filter(s => s === -1).length).toBe(FLOODERS)
    // Honest peers that reserved first keep their reservations: the relay still opens circuits to them (asked over
    // the other honest peer's existing connection: a big flood may fill the relay's connection table).
    const [h0, h1] = honest as unknown as [{ node: ChatNode }, { node: ChatNode }]
    expect(await connectRequest(h1.node as unknown as Libp2p, relayAddr, h0.node.peerId.toString())).toBe(HopStatus.OK)
    expect(await connectRequest(h0.node as unknown as Libp2p, relayAddr, h1.node.peerId.toString())).toBe(HopStatus.OK)
    // Flooders that disconnect must not keep the table full for the reservation TTL (hours).
    for (const n of nodes.splice(0)) await n.stop()
    const end = Date.now() + 15_000
    while (((await relay.metrics()).chatsphere_relay_reservations ?? 0) > honest.length && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 100))
    expect((await relay.metrics()).chatsphere_relay_reservations).toBe(honest.length)
    const late = await honestPeer(relayAddr)
    honest.push(late)
    expect(late.node.getMultiaddrs().some(a => a.toString().includes('/p2p-circuit'))).toBe(true)
  })

  it('a circuit flood stays within the connection limit; the honest peer keeps its reservation and is reachable again after it; circuits stop at the data limit', async () => {
    const target = honest[0] as { node: ChatNode, received: () => number }
    const flooders = await pool(Array.from({ length: Math.min(FLOODERS, MAX_CONNECTIONS * 2) }), 16, async () => {
      const n = await bareNode(); nodes.push(n); return n
    })
    let peakConnections = 0
    const watch = setInterval(() => { void relay.metrics().then(m => { peakConnections = Math.max(peakConnections, m.chatsphere_relay_connections ?? 0) }, () => {}) }, 100)
    const results = await pool(flooders.flatMap(n => Array.from({ length: CIRCUITS }, () => n)), 32, async (n) => {
      try { return await connectRequest(n, relayAddr, target.node.peerId.toString(), 5_000) } catch { return -1 }
    })
    clearInterval(watch)
    rss.afterCircuitFlood = await rssOf(relay.proc.child.pid as number)
    const metrics = await relay.metrics()
    expect(metrics.chatsphere_relay_connections).toBeLessThanOrEqual(MAX_CONNECTIONS)
    expect(peakConnections).toBeLessThanOrEqual(MAX_CONNECTIONS + 8)
    process.stdout.write(`circuit flood: ${results.length} requests, ${results.filter(s => s === HopStatus.OK).length} ok, ${results.filter(s => s === -1).length} failed/refused at connect, peak relay connections ${peakConnections}\n`)
    for (const n of nodes.splice(0)) await n.stop()
    // The honest peer keeps its reservation and is reachable through a real relayed connection...
    const dialer = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(dialer as unknown as Libp2p)
    await dialer.start()
    await dialer.dial(multiaddr(relayAddr))
    // Half-open circuits (a CONNECT the flooder never continues with a handshake) hold the target's pending inbound
    // upgrade slots until libp2p's inbound upgrade timeout, so a relayed dial right after the flood may fail: retry,
    // and measure how long the target stays unreachable.
    const floodEnded = Date.now()
    let stream: Awaited<ReturnType<typeof dialer.dialProtocol>> | undefined
    let attempts = 0
    while (stream == null) {
      attempts++
      try {
        stream = await dialer.dialProtocol(multiaddr(`${relayAddr}/p2p-circuit/p2p/${target.node.peerId.toString()}`), SINK, { runOnLimitedConnection: true, signal: AbortSignal.timeout(15_000) })
      } catch (err) {
        if (Date.now() - floodEnded > 40_000) throw err
        await new Promise(resolve => setTimeout(resolve, 250))
      }
    }
    process.stdout.write(`circuit flood: target reachable again ${Date.now() - floodEnded} ms after the flood (${attempts} dial attempts)\n`)
    // ...which carries at most the configured data limit: send three times as much.
    const chunk = new Uint8Array(64 * 1024)
    const limit = CIRCUIT_DATA_MIB * 1024 * 1024
    let sent = 0
    try {
      while (sent < 3 * limit) {
        if (!stream.send(chunk)) await stream.onDrain({ signal: AbortSignal.timeout(10_000) })
        sent += chunk.length
      }
      await stream.close({ signal: AbortSignal.timeout(10_000) })
    } catch { /* the relay cut the circuit */ }
    const end = Date.now() + 5_000
    while (target.received() < limit / 2 && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 50))
    expect(target.received()).toBeGreaterThan(0)
    expect(target.received()).toBeLessThanOrEqual(limit)
    rss.end = await rssOf(relay.proc.child.pid as number)
    // Bounded: the flood did not make the relay grow without limit (generous bound: a few hundred MB).
    expect(Math.max(rss.afterReservationFlood ?? 0, rss.afterCircuitFlood ?? 0, rss.end) - (rss.start ?? 0)).toBeLessThan(300 * 1024 * 1024)
  })
})
