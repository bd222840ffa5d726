/**
 * A failed keep request / catch-up sync with a connected relay is retried soon (issue 8 test 5), not at the next
 * KEEP_REFRESH_MS (60 s) refresh. A real relay resets the first keep and sync streams of the joining peer (what a
 * relay that just restarted or a healing partition does to them) while the connection stays up; the peer must still
 * get the history the relay holds well before the refresh. Plus the backoff bookkeeping of RelayRetry itself.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { RelayRetry } from '../../../src/chat/relay-retry.ts'
import { KEEP_PROTOCOL, KEEP_REFRESH_MS, SYNC_PROTOCOL } from '../../../src/constants.ts'
import { createChat } from '../../../src/index.ts'
import { memoryStorage } from './support/memory-storage.ts'
import type { Chat } from '../../../src/index.ts'
import type { Relay } from '../../../relay/relay.ts'
import { until } from '../../support/until.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }
/** Well below the 60 s keep refresh: only a prompt retry can make it. */
const CATCH_UP_TIMEOUT_MS = 20_000
/** How long the relay resets the joiner's keep and sync streams after the join (a relay coming back, say). */
const FAULT_MS = 2_000

describe('retry of a failed keep / sync with a connected relay', () => {
  let dir: string
  let relay: Relay
  let ana: Chat | undefined
  let ben: Chat | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-relay-retry-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
  })

  afterAll(async () => {
    await ana?.close()
    await ben?.close()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('a peer whose first keep and sync are reset catches up long before the keep refresh', async () => {
    expect(CATCH_UP_TIMEOUT_MS).toBeLessThan(KEEP_REFRESH_MS)
    ana = await createChat({ storage: memoryStorage(), relays: [relay.url], displayName: 'Ana', ...NET })
    expect(await ana.waitForRelay(10_000)).toBe(true)
    const room = await ana.createRoom('retry')
    const sent = await ana.send(room.id, 'kept while ben was away')
    expect(await ana.waitForRelayHold(room.id, sent.id, 15_000)).toBe(true)
    // Only the relay can give Ben this message now.
    await ana.close()
    ana = undefined

    const bensStorage = memoryStorage()
    // No display name: no profile message of Ben's own whose delivery checks would ask the relay again anyway.
    ben = await createChat({ storage: bensStorage, relays: [relay.url], ...NET })
    expect(await ben.waitForRelay(10_000)).toBe(true)
    const benId = ben.peerId
    // For FAULT_MS after the join the relay resets every keep and sync stream Ben opens (the connection stays up):
    // the first attempt and the first retries fail, so the backoff is exercised too.
    const resets = { [KEEP_PROTOCOL]: 0, [SYNC_PROTOCOL]: 0 }
    let healAt = Infinity
    for (const protocol of [KEEP_PROTOCOL, SYNC_PROTOCOL] as const) {
      relay.node.use(protocol, (stream, connection, next) => {
        if (connection.remotePeer.toString() === benId && Date.now() < healAt) {
          resets[protocol]++
          stream.abort(new Error('injected reset (relay restarting)'))
          return
        }
        next(stream, connection)
      })
    }
    try {
      healAt = Date.now() + FAULT_MS
      const info = await ben.joinRoom(room.invite)
      expect(await ben.waitForRelaySync(info.id, CATCH_UP_TIMEOUT_MS)).toBe(true)
      await until(() => ben?.messages(info.id).some(m => m.text === 'kept while ben was away') === true, CATCH_UP_TIMEOUT_MS, 'history from the relay')
      expect(resets[KEEP_PROTOCOL]).toBeGreaterThanOrEqual(1)
      expect(resets[SYNC_PROTOCOL]).toBeGreaterThanOrEqual(1)
      expect(ben.connectedRelays()).toEqual([relay.peerId])
    } finally {
      relay.node.unuse(KEEP_PROTOCOL)
      relay.node.unuse(SYNC_PROTOCOL)
    }
  }, 60_000)
})

describe('RelayRetry', () => {
  it('retries with backoff until success, one attempt at a time, and forgets the pair on success', async () => {
    const retry = new RelayRetry({ wanted: () => true, minMs: 5, maxMs: 20 })
    let calls = 0
    let running = 0
    let maxRunning = 0
    let done!: () => void
    const succeeded = new Promise<void>(resolve => { done = resolve })
    const attempt = async (): Promise<boolean> => {
      calls++
      running++
      maxRunning = Math.max(maxRunning, running)
      await new Promise(resolve => setTimeout(resolve, 2))
      running--
      if (calls < 4) return false
      done()
      return true
    }
    await retry.run('relay', 'room', attempt)
    expect(retry.pending).toBe(1)
    await succeeded
    await until(() => retry.pending === 0, 5_000, 'state dropped')
    expect(calls).toBe(4)
    expect(maxRunning).toBe(1)
  })

  it('stops retrying when the relay disconnects, the pair is no longer wanted, or it stops', async () => {
    let wanted = true
    const retry = new RelayRetry({ wanted: () => wanted, minMs: 5, maxMs: 20 })
    let calls = 0
    const failing = async (): Promise<boolean> => { calls++; return false }
    await retry.run('r1', 'room', failing)
    await retry.run('r2', 'room', failing)
    expect(retry.pending).toBe(2)
    retry.cancelRelay('r1')
    expect(retry.pending).toBe(1)
    wanted = false
    await until(() => retry.pending === 0, 5_000, 'unwanted retry dropped')
    const before = calls
    wanted = true
    await retry.run('r3', 'room', failing)
    retry.stop()
    expect(retry.pending).toBe(0)
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(calls).toBe(before + 1)
  })
})
