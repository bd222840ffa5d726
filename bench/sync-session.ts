/**
 * Cost of one sync session (SYNCAUTH): the membership proof adds one room write key signature and one verification
 * per side and session (src/chat/sync-auth.ts), none per chunk. Measures whole sessions between two members over real
 * libp2p (TCP, noise, yamux on 127.0.0.1): a session with nothing to exchange (both in step: the proofs are most of
 * the work there) and one that brings 50 new frames. Wall time per session (median, p90) and CPU per session (both
 * peers are in this process).
 * Run: node scripts/node22.mjs bench/sync-session.ts   (BENCH_SYNC_SESSIONS=200). Noisy under load: compare
 * before/after by alternating runs in the same minutes, with `uptime`.
 */
import { loadavg } from 'node:os'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { SYNC_PROTOCOL } from '../src/constants.ts'
import { syncAuth } from '../src/chat/sync-auth.ts'
import { handleSync, syncRoom } from '../src/history/sync.ts'
import { openRoomLog } from '../src/history/room-log.ts'
import { sealMessage } from '../src/envelope/index.ts'
import { createIdentity } from '../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../src/room/keys.ts'
import { memoryUpdateStore } from '../src/storage/memory-update-store.ts'
import { printTable } from './lib/report.ts'
import type { Libp2p } from '@libp2p/interface'
import type { RoomLog } from '../src/history/room-log.ts'
import type { Row } from './lib/report.ts'

const SESSIONS = Number(process.env.BENCH_SYNC_SESSIONS ?? 200)
const NEW_FRAMES = 50

async function node (): Promise<Libp2p> {
  return await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
}

const room = deriveRoomKeys(createRoomSecret())
const me = createIdentity()
const openLog = async (): Promise<RoomLog> => await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
let seq = 0
const frame = async (): Promise<Uint8Array> => (await sealMessage({ identity: me, room, device: 1, seq: ++seq, body: { k: 'text', text: `m${seq} ${'x'.repeat(100)}` } })).frame

const auth = syncAuth({ writePublicKey: room.writePublicKey, writeSeed: room.writeSeed, trusted: () => false })
const server = await node()
const client = await node()
let serverLog = await openLog()
await server.handle(SYNC_PROTOCOL, async (stream, connection) => {
  await handleSync(stream, { initiator: connection.remotePeer.toString(), responder: server.peerId.toString() }, () => ({ auth, open: () => serverLog }))
})
const addr = server.getMultiaddrs()[0]
if (addr === undefined) throw new Error('server has no address')
await client.dial(addr)
const session = { topic: room.topic, initiator: client.peerId.toString(), responder: server.peerId.toString() }
const once = async (log: RoomLog): Promise<void> => { await syncRoom(await client.dialProtocol(addr, SYNC_PROTOCOL), session, log, auth) }

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number
const rows: Row[] = []
async function run (name: string, prepare: () => Promise<RoomLog>): Promise<void> {
  for (let i = 0; i < 10; i++) await once(await prepare()) // warm-up
  const wall: number[] = []
  let cpu = 0
  for (let i = 0; i < SESSIONS; i++) {
    const log = await prepare()
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await once(log)
    wall.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cpu += c.user + c.system
  }
  rows.push({ session: name, sessions: SESSIONS, 'median ms': pct(wall, 0.5).toFixed(3), 'p90 ms': pct(wall, 0.9).toFixed(3), 'CPU µs/session': Math.round(cpu / SESSIONS) })
}

// In step: both hold the same 100 frames.
for (let i = 0; i < 100; i++) await serverLog.append(await frame())
const inStep = await openLog()
await once(inStep)
await run('in step (nothing to send)', async () => inStep)
// 50 new frames on the server each time, for a fresh client copy of the first 100.
const base = inStep
const extra: Uint8Array[] = []
for (let i = 0; i < NEW_FRAMES; i++) extra.push(await frame())
const withNew = await openLog()
for (const f of extra) await withNew.append(f)
const baseUpdate = base.missingFor(new Uint8Array([0]))
serverLog = withNew
for (const u of baseUpdate) await serverLog.applyRemote(u)
await run(`${NEW_FRAMES} new frames`, async () => {
  const l = await openLog()
  for (const u of baseUpdate) await l.applyRemote(u)
  return l
})

// The proof alone, as a session between two members pays it: each side signs once and verifies the other's once.
{
  const n = SESSIONS * 5
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const hello = await auth.prove(session, 'hello')
    const state = await auth.prove(session, 'state')
    if (await auth.check(session, 'hello', hello ?? {}) !== undefined || await auth.check(session, 'state', state ?? {}) !== undefined) throw new Error('proof refused')
  }
  const c = process.cpuUsage(c0)
  rows.push({ session: 'proofs only (2 signs + 2 verifies)', sessions: n, 'median ms': ((performance.now() - t0) / n).toFixed(3) + ' (mean)', 'p90 ms': '', 'CPU µs/session': Math.round((c.user + c.system) / n) })
}

printTable(`sync session cost (load ${loadavg().map(x => x.toFixed(2)).join(' ')})`, rows)
await client.stop()
await server.stop()
