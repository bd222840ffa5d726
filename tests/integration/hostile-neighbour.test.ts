/**
 * An attacker behind the same address as honest peers (one NAT, a carrier-grade NAT, one host) must not cut them off
 * the relay's live forwarding. Every identity the attacker burns is graylisted and disconnected by the relay, and
 * gossipsub keeps a disconnected peer's (negative) score AND its address for GOSSIP_SCORE_RETAIN_MS; with the IP
 * colocation penalty (P6) on, a dozen burnt identities put every peer on that address below 0 (pruned from the
 * relay's mesh, GRAFT refused, no gossip) and past a few more below the graylist threshold, for an hour.
 *
 * Everything here runs on 127.0.0.1 with no address exempt from scoring (the deployment configuration: a loopback
 * exemption would hide exactly this), in one process: 12 attacking identities, then an innocent bare gossipsub node
 * that only listens (it does not speak the sync protocol, so whatever it receives came by live forwarding), and the
 * honest sender Ana. The relay is a real process.
 */
import { randomBytes } from 'node:crypto'
import { createChatNode } from '#libp2p-node'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/chat/index.ts'
import { canSendTo } from '../../src/net/outbound-ready.ts'
import { cleanupDirs, startRelayProc, tempDir } from './support/processes.ts'
import type { Chat } from '../../src/chat/index.ts'
import type { ChatNode } from '../../src/net/create-node.ts'
import type { RelayProc } from './support/processes.ts'

/** Identities the attacker burns: with P6 at its former weight (-5 beyond 10 peers per address) this is enough. */
const ATTACKERS = 12
const WAIT_MS = 20_000

/** Resolves when `check()` holds, re-checked on each of `events` of `target`; rejects after `ms` naming `what`. */
async function until (target: EventTarget, events: string[], check: () => boolean, ms: number, what: string): Promise<void> {
  if (check()) return
  await new Promise<void>((resolve, reject) => {
    const on = (): void => { if (check()) { done(); resolve() } }
    const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${ms} ms waiting for ${what}`)) }, ms)
    const done = (): void => { clearTimeout(timer); for (const e of events) target.removeEventListener(e, on) }
    for (const e of events) target.addEventListener(e, on)
  })
}

describe('hostile neighbour', () => {
  let relay: RelayProc | undefined
  let ana: Chat | undefined
  const nodes: ChatNode[] = []

  afterAll(async () => {
    for (const n of nodes) await Promise.resolve(n.stop()).catch(() => {})
    await ana?.close()
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('identities graylisted on our address do not cut an innocent peer there off live forwarding', async () => {
    relay = await startRelayProc()
    const relayAddr = relay.multiaddrs.find(a => !a.includes('/ws')) as string
    ana = await createChat({ relays: [relayAddr], mdns: false, webrtc: false, dataDir: await tempDir('cs-ana-'), listen: ['/ip4/127.0.0.1/tcp/0'], displayName: 'Ana' })
    const room = await ana.createRoom('neighbours')
    expect(await ana.waitForRelaySync(room.id, WAIT_MS)).toBe(true)
    const topic = room.topic
    const relayId = relay.peerId

    /** A bare node subscribed to the room topic, connected to the relay, once it knows the relay's subscription. */
    const join = async (): Promise<ChatNode> => {
      const node = await createChatNode({ listen: [], mdns: false, webrtc: false })
      nodes.push(node)
      await node.start()
      node.services.pubsub.subscribe(topic)
      await node.dial(multiaddr(relayAddr))
      // Its subscription arrives over the relay's stream; a publish before our own stream to it is open reaches nobody.
      const ready = (): boolean => node.services.pubsub.getSubscribers(topic).some(p => p.toString() === relayId) && canSendTo(node.services.pubsub, relayId)
      await until(node.services.pubsub, ['subscription-change', 'gossipsub:heartbeat'], ready, WAIT_MS, 'the relay subscription and our stream to it')
      return node
    }

    // Each identity publishes garbage until the relay graylists it and drops its connection (its third frame).
    const struck0 = (await relay.metrics()).chatsphere_relay_peers_struck_total ?? 0
    for (let i = 0; i < ATTACKERS; i++) {
      const attacker = await join()
      const gone = until(attacker, ['peer:disconnect'], () => attacker.getConnections().length === 0, WAIT_MS, `attacker ${i} cut off`)
      for (let f = 0; f < 3; f++) await attacker.services.pubsub.publish(topic, randomBytes(200)).catch(() => {})
      await gone
      await attacker.stop()
    }
    const relayNow = relay
    await expect.poll(async () => ((await relayNow.metrics()).chatsphere_relay_peers_struck_total ?? 0) - struck0, { timeout: WAIT_MS }).toBeGreaterThanOrEqual(ATTACKERS)

    const innocent = await join()
    const received: Uint8Array[] = []
    const anaPeer = ana.peerId
    innocent.services.pubsub.addEventListener('message', (e) => {
      if (e.detail.topic === topic && e.detail.type === 'signed' && e.detail.from.toString() === anaPeer) received.push(e.detail.data)
    })
    // The relay forwards to its mesh, and gossips to others whose score is above the gossip threshold: wait until
    // a mesh link exists (either side may graft first), so the first frame has a path.
    const mesh = innocent.services.pubsub as unknown as { getMeshPeers: (topic: string) => string[] }
    await until(innocent.services.pubsub, ['gossipsub:graft'], () => mesh.getMeshPeers(topic).includes(relayId), WAIT_MS, 'a mesh link to the relay')

    expect(await ana.waitForRoomPeer(room.id, WAIT_MS)).toBe(true)
    for (let i = 1; i <= 3; i++) {
      const sent = await ana.send(room.id, `honest ${i}`)
      expect(sent.handedToNetwork).toBe(true)
      await until(innocent.services.pubsub, ['message'], () => received.length >= i, WAIT_MS, `honest ${i} forwarded to the innocent peer`)
    }
    expect(received.length).toBeGreaterThanOrEqual(3)
  }, 180_000)
})
