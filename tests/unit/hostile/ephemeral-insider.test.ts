/**
 * Found while writing the issue 8 threat model: a relay can only check an ephemeral frame's room write signature,
 * so it forwards a member's typing frame whose author signature is forged (or whose epoch is stale, or whose clock
 * is far ahead). If peers answered that with Reject, gossipsub would charge the *relay* (the propagation source):
 * two such frames from one malicious member and every peer graylists its relay, and the room goes silent. Peers
 * must Reject only what the forwarder could have checked, and Ignore the rest.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChatNode } from '#libp2p-node'
import { multiaddr } from '@multiformats/multiaddr'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { createChat } from '../../../src/chat/index.ts'
import { GOSSIP_GRAYLIST_THRESHOLD } from '../../../src/constants.ts'
import { sealMessage } from '../../../src/envelope/index.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { parseInviteLink } from '../../../src/room/invite.ts'
import { deriveRoomKeys } from '../../../src/room/keys.ts'
import type { Relay } from '../../../relay/relay.ts'
import type { Chat } from '../../../src/chat/index.ts'
import type { ChatNode } from '../../../src/net/node-types.ts'

async function waitFor (cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

describe('a member forging ephemeral frames', () => {
  const dirs: string[] = []
  let relay: Relay | undefined
  let ana: Chat | undefined
  let mallory: ChatNode | undefined
  afterAll(async () => {
    await mallory?.stop()
    await ana?.close()
    await relay?.stop()
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('does not get the relay graylisted by honest peers', async () => {
    const relayDir = await mkdtemp(join(tmpdir(), 'cs-eph-relay-'))
    const anaDir = await mkdtemp(join(tmpdir(), 'cs-eph-ana-'))
    dirs.push(relayDir, anaDir)
    relay = await startRelay({ dataDir: relayDir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
    const relayAddr = relay.multiaddrs().find(a => !a.includes('/ws')) as string
    ana = await createChat({ dataDir: anaDir, relays: [relayAddr], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const room = await ana.createRoom('typing')
    await ana.waitForRelaySync(room.id, 20_000)
    const keys = deriveRoomKeys(parseInviteLink(room.invite).secret)

    // Mallory holds the room secret (a member) and publishes typing frames that claim Ana's user key.
    mallory = await createChatNode({ listen: [], mdns: false, webrtc: false })
    await mallory.start()
    mallory.services.pubsub.subscribe(keys.ephemeralTopic)
    await mallory.dial(multiaddr(relayAddr))
    await waitFor(() => mallory?.services.pubsub.getSubscribers(keys.ephemeralTopic).length === 1, 10_000)
    const liar = { ...createIdentity(), publicKey: ana.user.publicKey }
    const before = ana.dropped()['bad-signature'] ?? 0
    for (let seq = 1; seq <= 10; seq++) {
      const frame = (await sealMessage({ identity: liar, room: keys, device: 9, seq, body: { k: 'typing', on: true } })).frame
      await mallory.services.pubsub.publish(keys.ephemeralTopic, frame)
    }
    // Ana saw them (and dropped them: counted), yet her relay keeps a usable score.
    await waitFor(() => (ana?.dropped()['bad-signature'] ?? 0) >= before + 10, 10_000)
    // Scores are cached for a heartbeat (1 s): watch for 2.5 s and keep the lowest.
    let lowest = Infinity
    const end = Date.now() + 2500
    while (Date.now() < end) {
      lowest = Math.min(lowest, ana.gossipScore(relay.peerId) ?? 0)
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    expect(lowest).toBeGreaterThan(GOSSIP_GRAYLIST_THRESHOLD)
    expect(lowest).toBeGreaterThanOrEqual(0)
  })
})
