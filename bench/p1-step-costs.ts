/**
 * P1 cost table: CPU µs of each step one text message goes through on its way peer → relay → peer, each step measured
 * alone in a loop with process CPU time (process.cpuUsage), so waiting for a core on a shared machine is not counted
 * (contention still slows the CPU itself a little: the load is printed). The libp2p stream plumbing between the steps
 * (yamux, length prefixes, stream events) is not in the table: bench/p1-steps.ts gives the whole path's CPU, and the
 * difference is that plumbing plus GC. Prints a table and writes bench/results/p1-step-costs.json.
 *
 *   node scripts/node22.mjs bench/p1-step-costs.ts [iterations=2000]
 */
import { createCipheriv, createDecipheriv, randomBytes as nodeRandom } from 'node:crypto'
import { loadavg } from 'node:os'
import * as Y from 'yjs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromMultihash } from '@libp2p/peer-id'
import { RPC } from '@libp2p/gossipsub/message'
import { sealMessage, openFrame } from '../src/envelope/index.ts'
import { createIdentity } from '../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../src/room/keys.ts'
import { openRoomLog } from '../src/history/room-log.ts'
import { createUpdateGuard } from '../src/history/guard.ts'
import { memoryUpdateStore } from '../src/storage/memory-update-store.ts'
import { chatMsgId } from '../src/net/msg-id.ts'
import { liveFrameVerifier } from '../src/net/verified-frames.ts'
import { printTable, writeResults } from './lib/report.ts'
import type { Message } from '@libp2p/gossipsub'

const N = Number(process.argv[2] ?? '2000')
const identity = createIdentity()
const room = deriveRoomKeys(createRoomSecret())
const body = { k: 'text' as const, text: 'a message of about forty characters...' }

/** CPU µs per call of fn (async allowed), after a warm-up. */
async function cpu (fn: (i: number) => unknown, n = N): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await fn(i)
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) await fn(i)
  const c = process.cpuUsage(c0)
  return Math.round((c.user + c.system) / n * 10) / 10
}

// Material: sealed frames, their single-insert updates, a gossipsub envelope signed by a peer key.
const frames: Uint8Array[] = []
for (let i = 0; i < N + 200; i++) frames.push((await sealMessage({ identity, room, device: 1, seq: i + 1, body })).frame)
const senderLog = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
const updates: Uint8Array[] = []
for (const f of frames) updates.push(await senderLog.append(f))
const peerKey = await generateKeyPair('Ed25519')
const peerId = peerIdFromPrivateKey(peerKey)
const update = updates[0] as Uint8Array
const signedBytes = new Uint8Array(update.length + 120)
const envelopeSig = await peerKey.sign(signedBytes)
const rpc = RPC.encode({ subscriptions: [], messages: [{ from: peerId.toMultihash().bytes, data: update, seqno: new Uint8Array(8), topic: 'chatsphere/room/' + 'ab'.repeat(32), signature: envelopeSig, key: undefined }] })
const chachaKey = nodeRandom(32)
const nonce = Buffer.alloc(12)
const sealedRpc = (() => { const c = createCipheriv('chacha20-poly1305', chachaKey, nonce, { authTagLength: 16 }); return Buffer.concat([c.update(rpc), c.final(), c.getAuthTag()]) })()

const rows: Array<{ process: string, step: string, cpuUs: number }> = []
const add = (proc: string, step: string, us: number): void => { rows.push({ process: proc, step, cpuUs: us }) }

// ── sender ──
let seq = 1_000_000
add('sender', 'seal: CBOR, author signature, secretbox, frame + room write signature (sealMessage)', await cpu(async () => await sealMessage({ identity, room, device: 2, seq: seq++, body })))
{
  const log = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
  let i = 0
  add('sender', 'log append: Yjs insert + encode the update (memory store)', await cpu(async () => await log.append(frames[i++ % frames.length] as Uint8Array)))
}
add('sender', 'gossipsub envelope signature (libp2p Ed25519 sign, key object built from JWK per call)', await cpu(async () => await peerKey.sign(signedBytes)))
add('sender', 'gossipsub message id (SHA-256 of the update)', await cpu(() => chatMsgId({ type: 'signed', topic: 'chatsphere/room/x', data: update } as unknown as Message)))
add('sender', 'protobuf encode of the RPC', await cpu(() => RPC.encode({ subscriptions: [], messages: [{ from: peerId.toMultihash().bytes, data: update, seqno: new Uint8Array(8), topic: 'chatsphere/room/x', signature: envelopeSig }] })))
add('sender', 'noise: ChaCha20-Poly1305 seal of the RPC (node:crypto; @libp2p/noise may use another implementation)', await cpu(() => { const c = createCipheriv('chacha20-poly1305', chachaKey, nonce, { authTagLength: 16 }); return Buffer.concat([c.update(rpc), c.final(), c.getAuthTag()]) }))
// ── relay ──
add('relay', 'noise open of the RPC', await cpu(() => { const d = createDecipheriv('chacha20-poly1305', chachaKey, nonce, { authTagLength: 16 }); d.setAuthTag(sealedRpc.subarray(sealedRpc.length - 16)); return Buffer.concat([d.update(sealedRpc.subarray(0, sealedRpc.length - 16)), d.final()]) }))
add('relay', 'protobuf decode of the RPC', await cpu(() => RPC.decode(rpc)))
add('relay', 'gossipsub StrictSign check: public key from the peer id + Ed25519 verify (libp2p)', await cpu(async () => { const k = peerIdFromMultihash(peerId.toMultihash()).publicKey; return await k?.verify(signedBytes, envelopeSig) }))
add('relay', 'gossipsub message id (SHA-256)', await cpu(() => chatMsgId({ type: 'signed', topic: 'chatsphere/room/x', data: update } as unknown as Message)))
{
  const guard = createUpdateGuard({ verifyFrame: liveFrameVerifier(room.writePublicKey, room.roomId) })
  let i = 0
  add('relay', 'history guard: parse the update + room write signature (Ed25519 verify)', await cpu(async () => await guard.check(updates[i++ % updates.length] as Uint8Array)))
}
{
  const log = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey, verifyFrame: async () => true })
  let i = 0
  add('relay', 'log applyRemote: guard parse (signature already checked) + Yjs apply (memory store)', await cpu(async () => await log.applyRemote(updates[i++] as Uint8Array, 'net'), Math.min(N, updates.length)))
}
add('relay', 'forward: protobuf encode + noise seal, per receiving peer', rows.filter(r => r.process === 'sender' && /protobuf|noise/.test(r.step)).reduce((s, r) => s + r.cpuUs, 0))
// ── receiver ──
add('receiver', 'noise open + protobuf decode', rows.filter(r => r.process === 'relay' && /noise open|protobuf decode/.test(r.step)).reduce((s, r) => s + r.cpuUs, 0))
add('receiver', 'gossipsub StrictSign check', rows.find(r => r.process === 'relay' && r.step.startsWith('gossipsub StrictSign'))?.cpuUs ?? NaN)
add('receiver', 'history guard (precheck): parse + room write signature', rows.find(r => r.step.startsWith('history guard'))?.cpuUs ?? NaN)
add('receiver', 'log applyRemote: Yjs apply (signature already checked)', rows.find(r => r.step.startsWith('log applyRemote'))?.cpuUs ?? NaN)
{
  let i = 0
  add('receiver', 'openFrame: secretbox open, author signature (Ed25519 verify), id binding, body checks', await cpu(async () => await openFrame(frames[i++ % frames.length] as Uint8Array, room, { writeSignatureVerified: true, now: Number.MAX_SAFE_INTEGER / 2 })))
}
{
  const doc = new Y.Doc()
  let i = 0
  add('receiver', '(reference) Yjs applyUpdate alone into a plain Y.Doc', await cpu(() => { Y.applyUpdate(doc, updates[i++] as Uint8Array) }, Math.min(N, updates.length)))
}
const load = loadavg()[0] ?? NaN
const per = (p: string): number => Math.round(rows.filter(r => r.process === p && !r.step.startsWith('(reference)')).reduce((s, r) => s + r.cpuUs, 0))
printTable(`P1 cost table: CPU µs per step of one text message (each step alone, ${N} iterations, load ${load.toFixed(1)})`, rows)
console.log(`sums: sender ${per('sender')} µs, relay ${per('relay')} µs (+ forward per extra receiver), receiver ${per('receiver')} µs`)
console.log('results:', writeResults('p1-step-costs', { iterations: N, load, rows, sums: { sender: per('sender'), relay: per('relay'), receiver: per('receiver') } }))
process.exit(0)
