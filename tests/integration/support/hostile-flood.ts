/**
 * The hostile peer of the issue 8 attack test: an outsider who knows a room's topics (as any gossip neighbour or
 * relay can) but not the room secret. For each attack class it starts a fresh libp2p identity (so every class is
 * judged by the validators on its own, before an earlier class got the attacker graylisted), dials the relay and
 * one honest peer directly, subscribes to the room topic and publishes `perClass` frames of that class.
 *
 * argv[2]: JSON { relay, peer, topic, ephemeralTopic, victimUserKey (hex), perClass, markersFile }
 * stdout: JSON lines: {"phase":"ready"}, one {"class","peerId","sent"} per class, {"phase":"done"}.
 * Every forged frame's nonce (24 bytes, unique) and every garbage payload's first 24 bytes go to markersFile, so
 * the test can search the honest peers' and the relay's data on disk for anything the attacker sent.
 * The identities stay connected (so their scores can be read) until stdin closes.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createChatNode } from '#libp2p-node'
import { multiaddr } from '@multiformats/multiaddr'
import * as Y from 'yjs'
import { HISTORY_LOG_NAME, MAX_FRAME_BYTES } from '../../../src/constants.ts'
import { sealMessage } from '../../../src/envelope/index.ts'
import { FrameKind } from '../../../src/envelope/types.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import type { ChatNode } from '../../../src/net/node-types.ts'
import type { Identity } from '../../../src/identity/identity.ts'

interface Args { relay: string, peer: string, topic: string, ephemeralTopic: string, victimUserKey: string, perClass: number, markersFile: string }
const args = JSON.parse(process.argv[2] ?? '{}') as Args
const markers: Buffer[] = []
const nodes: ChatNode[] = []
const seen: Uint8Array[] = []
const say = (o: unknown): void => { process.stdout.write(JSON.stringify(o) + '\n') }

/** A Yjs update inserting these frames into a fresh doc's log (a well-formed live update, new client id). */
function wrap (...frames: Uint8Array[]): Uint8Array {
  const d = new Y.Doc()
  d.getArray<Uint8Array>(HISTORY_LOG_NAME).push(frames)
  return Y.encodeStateAsUpdate(d)
}

/**
 * Dials, retrying a refused dial: honest peers rate-limit inbound connections per host (libp2p's
 * inboundConnectionThreshold), and now that each identity is cut off within a few frames the next one dials soon.
 */
async function dialPersistently (node: ChatNode, addr: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await node.dial(multiaddr(addr))
      return
    } catch (err) {
      if (attempt >= 20) throw err
      await new Promise(resolve => setTimeout(resolve, 250))
    }
  }
}

async function attacker (): Promise<{ node: ChatNode, publish: (data: Uint8Array) => Promise<void> }> {
  const node = await createChatNode({ listen: [], mdns: false, webrtc: false })
  await node.start()
  nodes.push(node)
  const pubsub = node.services.pubsub
  pubsub.subscribe(args.topic)
  await dialPersistently(node, args.relay)
  await dialPersistently(node, args.peer)
  // Both the relay and the honest peer must be known subscribers, or publish reaches nobody.
  for (let i = 0; i < 200 && pubsub.getSubscribers(args.topic).length < 2; i++) await new Promise(resolve => setTimeout(resolve, 50))
  return {
    node,
    publish: async (data) => { try { await pubsub.publish(args.topic, data) } catch { /* no peers left to take it */ } }
  }
}

const fake = deriveRoomKeys(createRoomSecret())
const forgedRoom = { ...fake, topic: args.topic, ephemeralTopic: args.ephemeralTopic }
const other = deriveRoomKeys(createRoomSecret())
let seq = 0

async function forged (identity: Identity, opts: { epoch?: number, body?: string } = {}): Promise<Uint8Array> {
  seq++
  const epoch = opts.epoch ?? 0
  const sealed = await sealMessage({ identity, room: forgedRoom, device: 7, seq, epoch, ...(epoch !== 0 ? { epochKey: randomBytes(32) } : {}), body: { k: 'text', text: opts.body ?? `FORGED ${seq}` } })
  markers.push(Buffer.from(sealed.frame.subarray(22, 46)))
  return sealed.frame
}

/** Honest frames the attacker has seen (inside the honest live updates it received as a subscriber). */
let honestCache: { n: number, frames: Uint8Array[] } = { n: -1, frames: [] }
function honestFrames (): Uint8Array[] {
  if (honestCache.n === seen.length) return honestCache.frames
  const d = new Y.Doc()
  for (const u of seen) { try { Y.applyUpdate(d, u) } catch { /* ignore */ } }
  honestCache = { n: seen.length, frames: d.getArray<Uint8Array>(HISTORY_LOG_NAME).toArray() }
  return honestCache.frames
}

const me = createIdentity()
const victim = Buffer.from(args.victimUserKey, 'hex')

type Make = (i: number) => Promise<Uint8Array>
const classes: Array<[string, Make]> = [
  ['garbage bytes', async () => { const g = randomBytes(24 + Math.floor(Math.random() * 2000)); markers.push(Buffer.from(g.subarray(0, 24))); return g }],
  ['bad signature', async () => wrap(await forged(me))],
  ['unknown or removed author', async () => wrap(await forged(createIdentity()))],
  ['wrong epoch', async (i) => wrap(await forged(me, { epoch: 1 + (i % 1000) }))],
  ['cross-room replay', async () => {
    // A frame valid in every respect for another room the attacker belongs to.
    seq++
    const f = (await sealMessage({ identity: me, room: other, device: 7, seq, body: { k: 'text', text: `OTHER ROOM ${seq}` } })).frame
    markers.push(Buffer.from(f.subarray(22, 46)))
    return wrap(f)
  }],
  ['forged user identity (valid libp2p signature)', async () => {
    // The libp2p message is validly signed (StrictSign) by the attacker's peer key; the frame claims the victim's
    // user key as its author.
    const liar: Identity = { ...me, publicKey: new Uint8Array(victim) }
    return wrap(await forged(liar, { body: 'I am the victim' }))
  }],
  ['truncated', async () => {
    const u = wrap(await forged(me))
    return u.subarray(0, 1 + Math.floor(Math.random() * (u.length - 1)))
  }],
  ['oversized', async () => {
    // A frame over MAX_FRAME_BYTES inside a well-formed update (the gossipsub RPC itself stays under its limit).
    const nonce = randomBytes(24)
    markers.push(Buffer.from(nonce))
    // Laid out by hand: the encoder refuses to build it. Header, ciphertext, 64-byte "signature".
    const frame = new Uint8Array(MAX_FRAME_BYTES + 1024)
    frame.set([1, FrameKind.message, 0, 0, 0, 0], 0)
    frame.set(randomBytes(16), 6)
    frame.set(nonce, 22)
    frame.set(randomBytes(frame.length - 46), 46)
    return wrap(frame)
  }],
  ['invalid Yjs update', async (i) => {
    const d = new Y.Doc()
    const f = await forged(me)
    switch (i % 4) {
      case 0: d.getMap('other').set('x', f); break
      case 1: d.getArray(HISTORY_LOG_NAME).push([new Y.Map()]); break
      case 2: d.getArray(HISTORY_LOG_NAME).push(['a string, not bytes']); break
      default: d.getText(HISTORY_LOG_NAME + 'x').insert(0, 'text')
    }
    return Y.encodeStateAsUpdate(d)
  }],
  ['duplicate sequence', async () => {
    // An honest frame's message id (author, device, seq) with other content: only the write key could sign it.
    const h = honestFrames()
    const base = h[Math.floor(Math.random() * h.length)]
    const f = await forged(me)
    if (base != null) f.set(base.subarray(6, 22), 6)
    return wrap(f)
  }],
  ['Yjs delete', async () => {
    // Deletes an honest item: applies what it saw, deletes the first log entry, sends only the delete.
    const d = new Y.Doc()
    for (const u of seen) { try { Y.applyUpdate(d, u) } catch { /* ignore */ } }
    const arr = d.getArray<Uint8Array>(HISTORY_LOG_NAME)
    if (arr.length === 0) arr.push([await forged(me)])
    const sv = Y.encodeStateVector(d)
    arr.delete(Math.floor(Math.random() * arr.length), 1)
    return Y.encodeStateAsUpdate(d, sv)
  }]
]

say({ phase: 'ready' })
const perClass = args.perClass
// A passive watcher first: it collects the honest live updates the relay forwards to any subscriber of the topic
// (the material of the duplicate-sequence and delete classes).
{
  const watcher = await createChatNode({ listen: [], mdns: false, webrtc: false })
  await watcher.start()
  nodes.push(watcher)
  watcher.services.pubsub.addEventListener('message', (e) => { if (e.detail.topic === args.topic && seen.length < 256) seen.push(e.detail.data) })
  watcher.services.pubsub.subscribe(args.topic)
  await watcher.dial(multiaddr(args.relay))
  for (let i = 0; i < 100 && seen.length < 5; i++) await new Promise(resolve => setTimeout(resolve, 50))
}
// Every frame is built before the flood, so the attacker's own CPU work (sealing, Yjs) does not compete with the
// honest peers on this shared machine while they are measured: the flood itself is publish only.
const t0 = performance.now()
const built: Array<[string, Uint8Array[]]> = []
for (const [name, make] of classes) {
  const frames: Uint8Array[] = []
  for (let i = 0; i < perClass; i++) frames.push(await make(i))
  built.push([name, frames])
}
say({ phase: 'armed', genMs: Math.round(performance.now() - t0), honestSeen: seen.length })
for (const [name, frames] of built) {
  const t1 = performance.now()
  const a = await attacker()
  const t2 = performance.now()
  let sent = 0
  for (const f of frames) { await a.publish(f); sent++ }
  say({ class: name, peerId: a.node.peerId.toString(), sent, setupMs: Math.round(t2 - t1), sendMs: Math.round(performance.now() - t2) })
}
// Subscription flood: thousands of topics, in RPCs that each stay under the decode limit.
{
  const a = await attacker()
  let sent = 0
  for (let i = 0; i < perClass; i++) { a.node.services.pubsub.subscribe(`/chatsphere/1/room/flood-${i}-${randomBytes(8).toString('hex')}`); sent++ }
  // Let the subscription RPCs drain before reporting.
  await new Promise(resolve => setTimeout(resolve, 500))
  say({ class: 'subscription flood', peerId: a.node.peerId.toString(), sent, topics: sent })
}
writeFileSync(args.markersFile, Buffer.concat(markers))
say({ phase: 'done', honestSeen: seen.length, markers: markers.length })

process.stdin.resume()
process.stdin.on('end', () => { void Promise.all(nodes.map(async n => { await n.stop() })).finally(() => process.exit(0)) })
