/** Sync over real libp2p nodes (TCP + noise + yamux on 127.0.0.1), honest and hostile peers. No mocks. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import * as Y from 'yjs'
import { SYNC_PROTOCOL, MAX_SYNC_MESSAGE_BYTES } from '../../../src/constants.ts'
import { handleSync, syncRoom, SYNC_VERSION } from '../../../src/history/sync.ts'
import { syncAuth, syncProofInput } from '../../../src/chat/sync-auth.ts'
import { sign } from '#ed25519'
import { decodeCbor, encodeCbor } from '../../../src/envelope/codec.ts'
import { encodeKeepRequest, signKeepRequest } from '../../../src/net/keep-request.ts'
import { makeRoom, makeAuthor, frameOf, openLog, idsOf } from './fixtures.ts'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import type { RoomLog } from '../../../src/history/room-log.ts'
import type { SyncAuth, SyncOptions, SyncRefusal } from '../../../src/history/sync.ts'
import type { RoomKeys } from '../../../src/room/keys.ts'

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
  const member = (keys: RoomKeys): SyncAuth => syncAuth({ writePublicKey: keys.writePublicKey, writeSeed: keys.writeSeed, trusted: () => false })
  /** How the server proves and checks (a member of `room` unless a test says otherwise). */
  let serverAuth: SyncAuth = member(room)
  const refusals: SyncRefusal[] = []

  beforeAll(async () => {
    server = await node()
    client = await node()
    await server.handle(SYNC_PROTOCOL, async (stream: Stream, connection: Connection) => {
      const peers = { initiator: connection.remotePeer.toString(), responder: server.peerId.toString() }
      const target = (t: string): { auth: SyncAuth, open: () => RoomLog } | undefined => { const l = logs.get(t); return l === undefined ? undefined : { auth: serverAuth, open: () => l } }
      results.push(await handleSync(stream, peers, target, { ...serverOpts, onRefused: (r) => { refusals.push(r) } }))
    })
  })
  const session = (topic = room.topic): { topic: string, initiator: string, responder: string } => ({ topic, initiator: client.peerId.toString(), responder: server.peerId.toString() })
  /** A hello as an honest member of `keys` sends it (or with `proof` replaced, `v` changed). */
  const helloOf = async (over: Record<string, unknown> = {}, keys: RoomKeys = room): Promise<Uint8Array> =>
    lp(encodeCbor({ t: 1, v: SYNC_VERSION, topic: room.topic, sv: Y.encodeStateVector(new Y.Doc()), ms: await sign(keys.writeSeed, syncProofInput(session(), 'hello')), ...over }))
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
    const r = await syncRoom(await open(), session(), fresh, member(room))
    await waitFor(() => results.length === 1)
    serverOpts = {}
    expect(r.received).toBe(300)
    expect(r.receivedChunks).toBeGreaterThan(3)
    expect(r.sent).toBe(1)
    expect(idsOf(fresh)).toEqual(idsOf(old))
    expect(old.length).toBe(301)
    const again = await syncRoom(await open(), session(), fresh, member(room))
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
    await expect(syncRoom(stream, session(), fresh, member(room), { signal: ctl.signal })).rejects.toThrow()
    serverOpts = {}
    const kept = fresh.length
    expect(kept).toBeGreaterThanOrEqual(40)
    expect(kept).toBeLessThan(200)
    const rest = await syncRoom(await open(), session(), fresh, member(room))
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
    const r = await syncRoom(await open(), session(), fresh, member(room))
    expect(r.received).toBe(800)
    expect(idsOf(fresh)).toEqual(idsOf(old))
    logs.clear(); await old.close(); await fresh.close()
  })

  it('an unknown topic gives NotFoundError', async () => {
    const l = await openLog(room)
    await expect(syncRoom(await open(), session('/chatsphere/1/room/nope'), l, member(room))).rejects.toMatchObject({ name: 'NotFoundError' })
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
    const hello = await helloOf()
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
    const hello = await helloOf()
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
    const hello = await helloOf()
    const { log, before, result } = await hostile([hello, lp(encodeCbor({ t: 4, u: del }))])
    expect(result).toBeUndefined()
    expect(idsOf(log)).toEqual(before)
    expect(log.rejections['delete-set']).toBe(1)
    await log.close()
  })
  // ── Membership proof ──
  async function served (bytes: Uint8Array[]): Promise<{ got: Uint8Array[], result: unknown }> {
    const honest = await openLog(room)
    await honest.append(await frameOf(room, makeAuthor(), 'secret history'))
    logs.set(room.topic, honest)
    results.length = 0
    refusals.length = 0
    const stream = await open()
    for (const b of bytes) { if (!stream.send(b)) await stream.onDrain() }
    const got: Uint8Array[] = []
    const reading = (async () => { for await (const c of stream) got.push(c.subarray()) })().catch(() => {})
    await waitFor(() => results.length === 1)
    await Promise.race([reading, new Promise(resolve => setTimeout(resolve, 200))])
    stream.abort(new Error('done'))
    logs.clear()
    await honest.close()
    return { got, result: results[0] }
  }
  /** The messages in what the server sent, decoded (type and fields). */
  const messagesIn = (got: Uint8Array[]): Array<Record<string, unknown>> => {
    const all = new Uint8Array(got.reduce((n, c) => n + c.length, 0)); let o = 0
    for (const c of got) { all.set(c, o); o += c.length }
    const out: Array<Record<string, unknown>> = []
    for (let i = 0; i < all.length;) {
      let len = 0; let shift = 0; let b: number
      do { b = all[i++] as number; len += (b & 0x7f) * 2 ** shift; shift += 7 } while (b >= 0x80)
      out.push(decodeCbor(all.subarray(i, i + len), { maxBytes: MAX_SYNC_MESSAGE_BYTES, maxItems: 8, maxDepth: 2 }) as Record<string, unknown>)
      i += len
    }
    return out
  }

  it('proof: a hello without a proof is refused (no-proof); no state, no chunk', async () => {
    const { got, result } = await served([await helloOf({ ms: undefined })])
    expect(result).toBeUndefined()
    expect(refusals).toEqual(['no-proof'])
    expect(messagesIn(got)).toEqual([{ t: 7, e: 'no-proof' }])
  })

  it('proof: signed by another room\'s write key, or for another session, is refused (bad-proof)', async () => {
    const other = makeRoom()
    const forged = await served([await helloOf({}, other)])
    expect(messagesIn(forged.got)).toEqual([{ t: 7, e: 'bad-proof' }])
    // A real member's proof made for a session with another responder (what a peer it once synced with holds).
    const elsewhere = await sign(room.writeSeed, syncProofInput({ ...session(), responder: client.peerId.toString() }, 'hello'))
    const replayed = await served([await helloOf({ ms: elsewhere })])
    expect(messagesIn(replayed.got)).toEqual([{ t: 7, e: 'bad-proof' }])
    // The responder's role signed as the initiator's: a state proof cannot be reflected as a hello.
    const reflected = await served([await helloOf({ ms: await sign(room.writeSeed, syncProofInput(session(), 'state')) })])
    expect(messagesIn(reflected.got)).toEqual([{ t: 7, e: 'bad-proof' }])
    expect(refusals).toEqual(['bad-proof'])
  })

  it('proof: a version 1 hello is refused (version)', async () => {
    const { got } = await served([lp(encodeCbor({ t: 1, v: 1, topic: room.topic, sv: Y.encodeStateVector(new Y.Doc()) }))])
    expect(messagesIn(got)).toEqual([{ t: 7, e: 'version' }])
  })

  it('proof: an initiator without the write key gets SyncRefusedError and nothing', async () => {
    const honest = await openLog(room)
    await honest.append(await frameOf(room, makeAuthor(), 'secret history'))
    logs.set(room.topic, honest)
    const outsider = await openLog(room)
    const noKey = syncAuth({ writePublicKey: room.writePublicKey, trusted: () => false })
    await expect(syncRoom(await open(), session(), outsider, noKey)).rejects.toMatchObject({ name: 'SyncRefusedError' })
    expect(outsider.length).toBe(0)
    logs.clear(); await honest.close(); await outsider.close()
  })

  it('proof: an initiator sends nothing to a responder that does not prove membership', async () => {
    const responderLog = await openLog(room)
    logs.set(room.topic, responderLog)
    serverAuth = syncAuth({ writePublicKey: room.writePublicKey, trusted: () => true }) // accepts anyone, proves nothing
    const mine = await openLog(room)
    await mine.append(await frameOf(room, makeAuthor(), 'not for strangers'))
    const refused: SyncRefusal[] = []
    await expect(syncRoom(await open(), session(), mine, member(room), { onRefused: (r) => { refused.push(r) } })).rejects.toMatchObject({ name: 'SyncRefusedError' })
    expect(refused).toEqual(['no-proof'])
    expect(responderLog.length).toBe(0)
    serverAuth = member(room)
    logs.clear(); await responderLog.close(); await mine.close()
  })

  it('proof: a relay proves with a keep request addressed to it; one addressed to another peer is refused', async () => {
    const keep = async (relay: string): Promise<Uint8Array> => encodeKeepRequest(await signKeepRequest({ op: 'keep', topic: room.topic, ephemeralTopic: room.ephemeralTopic, roomId: room.roomId, writePublicKey: room.writePublicKey, relay, time: 1 }, room.writeSeed))
    const relayLog = await openLog(room)
    await relayLog.append(await frameOf(room, makeAuthor(), 'kept'))
    logs.set(room.topic, relayLog)
    // The server is a relay: it trusts nobody without proof and shows the keep request a member signed for it.
    const forServer = await keep(server.peerId.toString())
    serverAuth = syncAuth({ writePublicKey: room.writePublicKey, keepRequest: () => forServer, trusted: () => false })
    const mine = await openLog(room)
    expect((await syncRoom(await open(), session(), mine, member(room))).received).toBe(1)
    // A keep request for another relay, shown by this one: the member refuses and sends nothing.
    const forOther = await keep(client.peerId.toString())
    serverAuth = syncAuth({ writePublicKey: room.writePublicKey, keepRequest: () => forOther, trusted: () => false })
    await mine.append(await frameOf(room, makeAuthor(), 'mine'))
    await expect(syncRoom(await open(), session(), mine, member(room))).rejects.toMatchObject({ name: 'SyncRefusedError' })
    expect(relayLog.length).toBe(1)
    // And as an initiator: the server (member) accepts the keep request of the client, the relay it names.
    serverAuth = member(room)
    const relayAuth = syncAuth({ writePublicKey: room.writePublicKey, keepRequest: () => forOther, trusted: () => true })
    const asRelay = await openLog(room)
    expect((await syncRoom(await open(), session(), asRelay, relayAuth)).received).toBe(1)
    logs.clear(); await relayLog.close(); await mine.close(); await asRelay.close()
  })
})
