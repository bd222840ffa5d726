/** Keep requests against an in-process relay: keeping, status with held bits, quota, conflicting write keys. */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChatNode } from '#libp2p-node'
import { multiaddr } from '@multiformats/multiaddr'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEPT_ROOMS_FILE } from '../../../relay/kept-rooms.ts'
import { startRelay } from '../../../relay/relay.ts'
import { requestKeep } from '../../../src/chat/keep-client.ts'
import { toHex } from '../../../src/crypto/encoding.ts'
import { decodeKeepRequest } from '../../../src/net/keep-request.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import type { Relay } from '../../../relay/relay.ts'
import type { ChatNode } from '../../../src/net/node-types.ts'

describe('relay keep requests', () => {
  let dir: string
  let relay: Relay
  let node: ChatNode

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-keep-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, maxRooms: 1, logger: pino({ level: 'silent' }) })
    node = await createChatNode({ listen: [], mdns: false, webrtc: false })
    await node.start()
    await node.dial(multiaddr(relay.multiaddrs()[1] as string))
  })
  afterAll(async () => {
    await node.stop()
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps a room, subscribes to its topics, reports a state vector; status asks about ids', async () => {
    const room = deriveRoomKeys(createRoomSecret())
    expect(await requestKeep(node, relay.peerId, room, 'status')).toEqual({ ok: false, error: 'not-kept' })
    const res = await requestKeep(node, relay.peerId, room, 'keep')
    expect(res.ok).toBe(true)
    expect(res.stateVector).toBeInstanceOf(Uint8Array)
    expect(relay.node.services.pubsub.getTopics()).toEqual(expect.arrayContaining([room.topic, room.ephemeralTopic]))
    const status = await requestKeep(node, relay.peerId, room, 'status', [new Uint8Array(16)])
    expect(status.ok).toBe(true)
    expect(Array.from(status.held ?? [])).toEqual([0])
    // The keep request is the relay's sync membership proof (src/chat/sync-auth.ts): held, addressed to it, persisted.
    const proof = relay.kept.byTopic(room.topic)?.keepRequest
    expect(decodeKeepRequest(proof as Uint8Array)).toMatchObject({ op: 'keep', topic: room.topic, relay: relay.peerId })
    const saved = JSON.parse(await readFile(join(dir, KEPT_ROOMS_FILE), 'utf8')) as Array<{ topic: string, kr?: string }>
    expect(saved.find(r => r.topic === room.topic)?.kr).toBe(toHex(proof as Uint8Array))
  })

  it('refuses rooms beyond its quota and a second write key for a kept topic', async () => {
    const other = deriveRoomKeys(createRoomSecret())
    expect(await requestKeep(node, relay.peerId, other, 'keep')).toEqual({ ok: false, error: 'quota' })
    const kept = relay.kept.all()[0]
    expect(kept).toBeDefined()
    const squatter = { ...deriveRoomKeys(createRoomSecret()), topic: kept!.topic, ephemeralTopic: kept!.ephemeralTopic }
    expect(await requestKeep(node, relay.peerId, squatter, 'keep')).toEqual({ ok: false, error: 'conflict' })
    const text = relay.metrics.render()
    expect(text).toContain('chatsphere_relay_frames_dropped_total{reason="keep-quota"} 1')
    expect(text).toContain('chatsphere_relay_frames_dropped_total{reason="keep-conflict"} 1')
    expect(text).toContain('chatsphere_relay_rooms_kept 1')
  })
})
