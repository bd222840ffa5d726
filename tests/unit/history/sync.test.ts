/** Sync over real libp2p nodes (TCP + noise + yamux on 127.0.0.1), honest and hostile peers. No mocks. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import * as Y from 'yjs'
import { SYNC_PROTOCOL, MAX_SYNC_MESSAGE_BYTES } from '../../../src/constants.ts'
import { handleSync, syncRoom } from '../../../src/history/sync.ts'
import { encodeCbor } from '../../../src/envelope/codec.ts'
import { makeRoom, makeAuthor, frameOf, openLog, idsOf } from './fixtures.ts'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { RoomLog } from '../../../src/history/room-log.ts'
import type { SyncOptions } from '../../../src/history/sync.ts'

async function node (): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return Uint8Array.from(out)
}
function lp (msg: Uint8Array): Uint8Array { const v = varint(msg.length); const o = new Uint8Array(v.length + msg.length); o.set(v); o.set(msg, v.length); return o }

describe('sync protocol over libp2p (TCP, noise, yamux)', () => {
  let server: Libp2p
  let client: Libp2p
  const room = makeRoom()
  const logs = new Map<string, RoomLog>()
  let serverOpts: SyncOptions = {}
  const results: Array<unknown> = []

  beforeAll(async () => {
    server = await node()
    client = await node()
    await server.handle(SYNC_PROTOCOL, async (stream: Stream) => {
      results.push(await handleSync(stream, t => logs.get(t), serverOpts))
    })
  })
  afterAll(async () => { await client.stop(); await server.stop() })

  async function waitFor (cond: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000
    while (!cond()) {
      if (Date.now() > deadline) throw new Error('timed out waiting')
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }

  const open = async (): Promise<Stream> => await client.dialProtocol(server.getMultiaddrs()[0]!, SYNC_PROTOCOL)

  it('an old peer syncs everything to a new one both ways; a second run sends nothing', async () => {
    const old = await openLog(room)
    const author = makeAuthor()
    for (let i = 0; i < 300; i++) await old.append(await frameOf(room, author, `old ${i} ${'x'.repeat(200)}`))
    logs.set(room.topic, old)
    const fresh = await openLog(room)
    const mine = await frameOf(room, makeAuthor(), 'only the new peer has this')
    await fresh.append(mine)
    serverOpts = { chunkBytes: 16 * 1024 }
    results.length = 0
    const r = await syncRoom(await open(), room.topic, fresh)
    await waitFor(() => results.length === 1)
    serverOpts = {}
    expect(r.received).toBe(300)
    expect(r.receivedChunks).toBeGreaterThan(3)
    expect(r.sent).toBe(1)
    expect(idsOf(fresh)).toEqual(idsOf(old))
    expect(old.length).toBe(301)
    const again = await syncRoom(await open(), room.topic, fresh)
    expect(again).toEqual({ sent: 0, received: 0, receivedChunks: 0 })
    logs.clear(); await old.close(); await fresh.close()
  })

  it('is resumable: a session cut after some chunks keeps them; the next sends only the rest', async () => {
    const old = await openLog(room)
    const author = makeAuthor()
    for (let i = 0; i < 200; i++) await old.append(await frameOf(room, author, `r${i} ${'y'.repeat(300)}`))
    logs.set(room.topic, old)
    const fresh = await openLog(room)
    // Cut the session as soon as a few frames arrived (small chunks so there is a middle to cut).
    serverOpts = { chunkBytes: 4 * 1024 }
    const stream = await open()
    let got = 0
    const ctl = new AbortController()
    fresh.onFrames(f => { got += f.length; if (got >= 40) ctl.abort() })
    await expect(syncRoom(stream, room.topic, fresh, { signal: ctl.signal })).rejects.toThrow()
    serverOpts = {}
    const kept = fresh.length
    expect(kept).toBeGreaterThanOrEqual(40)
    expect(kept).toBeLessThan(200)
    const rest = await syncRoom(await open(), room.topic, fresh)
    expect(rest.received).toBe(200 - kept)
    expect(idsOf(fresh)).toEqual(idsOf(old))
    logs.clear(); await old.close(); await fresh.close()
  })

  it('moves more than the transport read buffer (6+ MiB) with flow control', async () => {
    const old = await openLog(room)
    const author = makeAuthor()
    for (let i = 0; i < 800; i++) await old.append(await frameOf(room, author, `${i} ${'b'.repeat(8000)}`))
    logs.set(room.topic, old)
    const fresh = await openLog(room)
    const r = await syncRoom(await open(), room.topic, fresh)
    expect(r.received).toBe(800)
    expect(idsOf(fresh)).toEqual(idsOf(old))
    logs.clear(); await old.close(); await fresh.close()
  })

  it('an unknown topic gives NotFoundError', async () => {
    const l = await openLog(room)
    await expect(syncRoom(await open(), '/chatsphere/1/room/nope', l)).rejects.toMatchObject({ name: 'NotFoundError' })
    await l.close()
  })

  async function hostile (bytes: Uint8Array[], opts: SyncOptions = {}): Promise<{ log: RoomLog, before: string[], result: unknown }> {
    const honest = await openLog(room)
    await honest.append(await frameOf(room, makeAuthor(), 'honest'))
    logs.set(room.topic, honest)
    serverOpts = opts
    results.length = 0
    const before = idsOf(honest)
    const stream = await open()
    for (const b of bytes) { if (!stream.send(b)) await stream.onDrain() }
    // Wait for the server to finish the session (it must, by timeout or by rejecting).
    const deadline = Date.now() + 10_000
    while (results.length === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    stream.abort(new Error('done'))
    serverOpts = {}
    logs.clear()
    return { log: honest, before, result: results[0] }
  }

  it('hostile: garbage bytes end the session; history unchanged', async () => {
    const { log, before, result } = await hostile([Uint8Array.from([5, 1, 2, 3, 4, 5, 9, 9, 9])])
    expect(results.length).toBe(1)
    expect(result).toBeUndefined()
    expect(idsOf(log)).toEqual(before)
    await log.close()
  })

  it('hostile: an oversized length prefix is refused before anything is buffered', async () => {
    const { log, before, result } = await hostile([varint(MAX_SYNC_MESSAGE_BYTES * 64), new Uint8Array(1000)])
    expect(result).toBeUndefined()
    expect(idsOf(log)).toEqual(before)
    await log.close()
  })

  it('hostile: endless chunks are cut off at the chunk limit', async () => {
    const author = makeAuthor()
    const hello = lp(encodeCbor({ t: 1, v: 1, topic: room.topic, sv: Y.encodeStateVector(new Y.Doc()) }))
    const msgs = [hello]
    for (let i = 0; i < 12; i++) {
      const d = new Y.Doc(); d.getArray('log').push([await frameOf(room, author, `spam${i}`)])
      msgs.push(lp(encodeCbor({ t: 4, u: Y.encodeStateAsUpdate(d) })))
    }
    const { log, result } = await hostile(msgs, { maxChunks: 5 })
    expect(result).toBeUndefined()
    expect(log.length).toBe(1 + 5) // the five accepted chunks were valid frames and are kept
    await log.close()
  })

  it('hostile: a peer that stalls is dropped after the idle timeout', async () => {
    const hello = lp(encodeCbor({ t: 1, v: 1, topic: room.topic, sv: Y.encodeStateVector(new Y.Doc()) }))
    const { log, result } = await hostile([hello], { idleTimeoutMs: 300 })
    expect(result).toBeUndefined()
    await log.close()
  })

  it('hostile: a chunk that deletes ends the session and changes nothing', async () => {
    // A delete as a peer that has the item would send it.
    const target = new Y.Doc()
    target.getArray('log').push([await frameOf(room, makeAuthor(), 'victim')])
    const svAfter = Y.encodeStateVector(target)
    target.getArray('log').delete(0, 1)
    const del = Y.encodeStateAsUpdate(target, svAfter)
    const hello = lp(encodeCbor({ t: 1, v: 1, topic: room.topic, sv: Y.encodeStateVector(new Y.Doc()) }))
    const { log, before, result } = await hostile([hello, lp(encodeCbor({ t: 4, u: del }))])
    expect(result).toBeUndefined()
    expect(idsOf(log)).toEqual(before)
    expect(log.rejections['delete-set']).toBe(1)
    await log.close()
  })
})
