import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/index.ts'
import type { Chat } from '../../src/index.ts'
import { startRelay } from './support/app-server.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { openHarness, relayWsAddr } from './support/harness.ts'
import type { HarnessCall } from './support/harness.ts'

const TEN_MIB = 10 * 1024 * 1024
const DIRECT_TIMEOUT_MS = 45_000
const TRANSFER_TIMEOUT_MS = 120_000

// The core in two browser pages (no UI) and in this Node process, through a real relay process whose circuits carry
// at most 1 MiB: transfers are checked against the connection they actually used.
describe('media transfers over direct WebRTC (core in the browser)', () => {
  let relay: AppServer
  let relayAddr: string
  let a: User
  let b: User
  let ha: HarnessCall
  let hb: HarnessCall
  let ids: { a: { peerId: string }, b: { peerId: string } }
  let room: { id: string, invite: string }
  let node: Chat | undefined
  let nodeDir: string | undefined

  beforeAll(async () => {
    relay = await startRelay({ args: ['--circuit-data', '1'] })
    relayAddr = await relayWsAddr(relay.url)
    ;[a, b] = await Promise.all([openUser(), openUser()])
    ;[ha, hb] = await Promise.all([openHarness(a.page), openHarness(b.page)])
    const [ia, ib] = await Promise.all([ha('start', relayAddr, 'A'), hb('start', relayAddr, 'B')])
    ids = { a: ia, b: ib }
    room = await ha('createRoom', 'files')
    await hb('joinRoom', room.invite)
  }, 120_000)

  afterAll(async () => {
    await node?.close()
    if (nodeDir !== undefined) rmSync(nodeDir, { recursive: true, force: true })
    await a?.dispose()
    await b?.dispose()
    await relay?.stop()
  })

  it('browser ↔ browser: 10 MiB arrives byte-identical over a WebRTC connection that is not relayed', async () => {
    await Promise.all([hb('waitDirect', ids.a.peerId, DIRECT_TIMEOUT_MS), ha('waitDirect', ids.b.peerId, DIRECT_TIMEOUT_MS)])
    const sent = await ha('sendRandom', room.id, TEN_MIB, 'ten.bin')
    await hb('waitMessage', room.id, sent.id, 30_000)
    const got = await hb('fetch', room.id, sent.id, false)
    expect(got.size).toBe(TEN_MIB)
    expect(got.sha256).toBe(sent.sha256)
    expect(got.path).toBe('direct')
    expect(got.peerId).toBe(ids.a.peerId)
    // The connection used: WebRTC and without relay limits, seen from both ends. It is one connection: on the
    // answering end its address is the WebRTC one alone (`/webrtc/p2p/<id>`, no /p2p-circuit); the dialling end's
    // address names the relay that carried only the signalling. The relay allows 1 MiB per circuit, so 10 MiB could
    // not have gone through it anyway.
    const atB = got.connections.filter((c) => c.transport === 'webrtc')
    const atA = (await ha('connectionsTo', ids.b.peerId)).filter((c) => c.transport === 'webrtc')
    expect(atB.length).toBeGreaterThan(0)
    expect(atA.length).toBeGreaterThan(0)
    expect([...atA, ...atB].every((c) => c.path === 'direct')).toBe(true)
    expect([...atA, ...atB].some((c) => !c.remoteAddr.includes('/p2p-circuit') && c.remoteAddr.includes('/webrtc'))).toBe(true)
  }, TRANSFER_TIMEOUT_MS + 60_000)

  it('Node ↔ browser: a Node peer in the room upgrades to WebRTC with a browser and files go both ways', async () => {
    nodeDir = mkdtempSync(join(tmpdir(), 'cs-node-media-'))
    node = await createChat({ dataDir: nodeDir, relays: [relayAddr], mdns: false, listen: ['/p2p-circuit', '/webrtc'], webrtcBindAddress: '127.0.0.1', displayName: 'Node' })
    expect(await node.waitForRelay(20_000)).toBe(true)
    await node.joinRoom(room.invite)
    const nodePeer = node.peerId as string
    await ha('waitDirect', nodePeer, DIRECT_TIMEOUT_MS)
    // Node → browser
    const bytes = randomBytes(2 * 1024 * 1024)
    const sent = await node.sendFile(room.id, { name: 'from-node.bin', mime: 'application/octet-stream', bytes })
    await ha('waitMessage', room.id, sent.id, 30_000)
    const got = await ha('fetch', room.id, sent.id, false)
    expect(got.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(got.path).toBe('direct')
    expect(got.connections.some((c) => c.transport === 'webrtc')).toBe(true)
    // browser → Node
    const up = await ha('sendRandom', room.id, 3 * 1024 * 1024, 'from-browser.bin')
    const deadline = Date.now() + 30_000
    while (!node.messages(room.id).some((m) => m.id === up.id)) {
      if (Date.now() > deadline) throw new Error('file message did not reach the Node peer')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    let path: string | undefined
    const back = await node.fetchFile(room.id, up.id, { allowRelayed: false, onProgress: (p) => { path = p.path } })
    expect(createHash('sha256').update(back).digest('hex')).toBe(up.sha256)
    expect(path).toBe('direct')
    expect(node.connections().some((c) => c.peerId !== relay.url && c.transport === 'webrtc' && c.path === 'direct')).toBe(true)
  }, TRANSFER_TIMEOUT_MS + 60_000)
})
