/**
 * A message whose gossipsub publish never reaches a connected relay (the relay's subscription had not reached us yet,
 * or the relay dropped it under load) is pushed to the relay by a sync within seconds, not at the next
 * KEEP_REFRESH_MS (60 s) keep refresh. A real relay ignores the first publish of the room (its topic validator says
 * Ignore, as gossipsub does for a message it cannot take); the sender must still see the relay hold the message.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { KEEP_REFRESH_MS } from '../../../src/constants.ts'
import { createChat } from '../../../src/index.ts'
import { memoryStorage } from './support/memory-storage.ts'
import type { Chat } from '../../../src/index.ts'
import type { Relay } from '../../../relay/relay.ts'
import { until } from '../../support/until.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }
/** Well below the 60 s keep refresh: only a prompt push can make it. */
const HOLD_TIMEOUT_MS = 20_000
/** No sync finished for this long: the room creation's syncs are over, none can carry the next message along. */
const QUIET_MS = 500

describe('a publish lost on the way to the relay', () => {
  let dir: string
  let relay: Relay
  let ana: Chat | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-lost-publish-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
  })

  afterAll(async () => {
    await ana?.close()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('is pushed to the relay by a sync long before the keep refresh', async () => {
    expect(HOLD_TIMEOUT_MS).toBeLessThan(KEEP_REFRESH_MS)
    // No display name: no profile message whose own sync would carry the lost one along.
    ana = await createChat({ storage: memoryStorage(), relays: [relay.url], ...NET })
    expect(await ana.waitForRelay(10_000)).toBe(true)
    const room = await ana.createRoom('lost')
    expect(await ana.waitForRelaySync(room.id, 10_000)).toBe(true)
    // One message through the normal path first, so that no sync of the room's creation is still in flight.
    const first = await ana.send(room.id, 'through gossip')
    expect(await ana.waitForRelayHold(room.id, first.id, HOLD_TIMEOUT_MS)).toBe(true)
    // ... and the syncs the room's creation started (keep, the relay's subscription) are over.
    let lastSync = Date.now()
    ana.addEventListener('sync', () => { lastSync = Date.now() })
    await until(() => Date.now() - lastSync > QUIET_MS, 10_000, 'syncs of the room creation over')

    const pubsub = relay.node.services.pubsub
    const validate = pubsub.topicValidators.get(room.topic)
    if (validate == null) throw new Error('the relay does not keep the room')
    let ignored = 0
    pubsub.topicValidators.set(room.topic, async (peer, msg) => {
      if (ignored === 0) {
        ignored++
        return TopicValidatorResult.Ignore
      }
      return await validate(peer, msg)
    })
    try {
      const sent = await ana.send(room.id, 'dropped by gossip')
      expect(await ana.waitForRelayHold(room.id, sent.id, HOLD_TIMEOUT_MS)).toBe(true)
      expect(ignored).toBe(1)
    } finally {
      pubsub.topicValidators.set(room.topic, validate)
    }
  }, 60_000)
})
