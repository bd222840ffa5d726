/**
 * The hostile peer of the issue 8 attack test: an outsider who knows a room's topics (as any gossip neighbour or
 * relay can) but not the room secret. For each attack class it starts a fresh libp2p identity (so every class is
 * judged by the validators on its own, before an earlier class got the attacker graylisted), dials the relay and
 * one honest peer directly, subscribes to the room topic and publishes `perClass` frames of that class.
 *
 * argv[2]: JSON { relay, peer, topic, ephemeralTopic, victimUserKey (hex), perClass, rounds?, pauseMs?, malformedTopics?,
 * markersFile }
 * stdout: JSON lines: {"phase":"ready"}, {"phase":"armed"}, then per class {"start","round"} when its identity starts
 * and {"class","round","peerId","sent"} once its frames are sent, and {"phase":"done"}.
 * `rounds` (default 1) repeats the 12 classes, each round from 12 fresh identities with fresh frames (a Sybil
 * attacker who comes back under a new peer id each time it is cut off): the benchmark's sustained flood.
 * Every forged frame's nonce (24 bytes, unique) and every garbage payload's first 24 bytes go to markersFile, so
 * the test can search the honest peers' and the relay's data on disk for anything the attacker sent.
 * The first round's identities stay connected (so their scores can be read) until stdin closes; in later rounds a
 * frame-sending identity is stopped once its frames are sent (it is cut off by then; its score is kept by the
 * honest side), and every subscription-flood identity stays connected (it costs no score, so nothing cuts it off).
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createChatNode } from '#libp2p-node'
import { multiaddr } from '@multiformats/multiaddr'
import * as Y from 'yjs'
import { HISTORY_LOG_NAME, MAX_FRAME_BYTES, TOPIC_HASH_BYTES, TOPIC_PREFIX } from '../../../src/constants.ts'
import { toBase32 } from '../../../src/crypto/encoding.ts'
import { sealMessage } from '../../../src/envelope/index.ts'
import { FrameKind } from '../../../src/envelope/types.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import type { ChatNode } from '../../../src/net/node-types.ts'
import type { Identity } from '../../../src/identity/identity.ts'

interface Args { relay: string, peer: string, topic: string, ephemeralTopic: string, victimUserKey: string, perClass: number, rounds?: number, pauseMs?: number, malformedTopics?: boolean, markersFile: string }
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

/** Stops an identity once both ends have cut it off (or after 10 s: what it sent is long delivered or dropped). */
function stopWhenCutOff (node: ChatNode): void {
  const end = Date.now() + 10_000
  const timer = setInterval(() => {
    if (node.getConnections().length > 0 && Date.now() < end) return
    clearInterval(timer)
    const i = nodes.indexOf(node)
    if (i >= 0) nodes.splice(i, 1)
    void Promise.resolve(node.stop()).catch(() => {})
  }, 250)
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

/** Everything seen so far as one state update (applying it is one Yjs apply, not one per update seen). */
const seenDoc = new Y.Doc()
let seenStateCache: { n: number, state: Uint8Array } = { n: 0, state: Y.encodeStateAsUpdate(seenDoc) }
function seenState (): Uint8Array {
  if (seenStateCache.n === seen.length) return seenStateCache.state
  for (const u of seen.slice(seenStateCache.n)) { try { Y.applyUpdate(seenDoc, u) } catch { /* ignore */ } }
  seenStateCache = { n: seen.length, state: Y.encodeStateAsUpdate(seenDoc) }
  return seenStateCache.state
}

/** Honest frames the attacker has seen (inside the honest live updates it received as a subscriber). */
let honestCache: { n: number, frames: Uint8Array[] } = { n: -1, frames: [] }
function honestFrames (): Uint8Array[] {
  if (honestCache.n === seen.length) return honestCache.frames
  seenState()
  honestCache = { n: seen.length, frames: seenDoc.getArray<Uint8Array>(HISTORY_LOG_NAME).toArray() }
  return honestCache.frames
}

const oversizedBody = randomBytes(MAX_FRAME_BYTES + 1024 - 46)
/** Classes whose frames are built while they are sent: cheap (no signature) and big (MAX_FRAME_BYTES each). */
const BUILT_AT_SEND = new Set(['oversized'])

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
    // Laid out by hand: the encoder refuses to build it. Header, ciphertext, 64-byte "signature". The random
    // "ciphertext" is shared (the id and nonce make every update unique): built at send time, these cost no memory.
    const frame = new Uint8Array(MAX_FRAME_BYTES + 1024)
    frame.set([1, FrameKind.message, 0, 0, 0, 0], 0)
    frame.set(randomBytes(16), 6)
    frame.set(nonce, 22)
    frame.set(oversizedBody, 46)
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
    // Deletes an honest item: applies what it saw, deletes a log entry, sends only the delete.
    const d = new Y.Doc()
    Y.applyUpdate(d, seenState())
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
// honest peers on this shared machine while they are measured: the flood itself is publish only (the oversized
// frames excepted: no signature, a copy and a Yjs encode each).
const rounds = Math.max(1, Math.floor(args.rounds ?? 1))
const t0 = performance.now()
const built: Array<Array<[string, Uint8Array[] | Make]>> = []
for (let r = 0; r < rounds; r++) {
  const round: Array<[string, Uint8Array[] | Make]> = []
  for (const [name, make] of classes) {
    if (BUILT_AT_SEND.has(name)) { round.push([name, make]); continue }
    const frames: Uint8Array[] = []
    for (let i = 0; i < perClass; i++) frames.push(await make(i))
    round.push([name, frames])
  }
  built.push(round)
}
say({ phase: 'armed', genMs: Math.round(performance.now() - t0), honestSeen: seen.length, rounds })
for (const [r, round] of built.entries()) {
  for (const [name, frames] of round) {
    say({ start: name, round: r })
    const t1 = performance.now()
    const a = await attacker()
    const t2 = performance.now()
    let sent = 0
    if (Array.isArray(frames)) {
      for (const f of frames) { await a.publish(f); sent++ }
    } else {
      for (let i = 0; i < perClass; i++) { await a.publish(await frames(i)); sent++ }
    }
    say({ class: name, round: r, peerId: a.node.peerId.toString(), sent, setupMs: Math.round(t2 - t1), sendMs: Math.round(performance.now() - t2) })
    // Later rounds: once this identity is cut off, stopping it spares this process its timers (its score stays).
    if (r > 0) stopWhenCutOff(a.node)
  }
  // Subscription flood: one RPC per topic (the costliest way to name them), each a well-formed ChatSphere topic
  // of no room (malformedTopics: any string, which the subscription guard refuses from the first RPC).
  say({ start: 'subscription flood', round: r })
  const a = await attacker()
  let sent = 0
  for (let i = 0; i < perClass; i++) {
    a.node.services.pubsub.subscribe(args.malformedTopics === true ? `${TOPIC_PREFIX}flood-${i}-${randomBytes(8).toString('hex')}` : TOPIC_PREFIX + toBase32(randomBytes(TOPIC_HASH_BYTES)))
    sent++
  }
  // Let the subscription RPCs drain before reporting.
  await new Promise(resolve => setTimeout(resolve, 500))
  say({ class: 'subscription flood', round: r, peerId: a.node.peerId.toString(), sent, topics: sent })
  // A quiet stretch between rounds: the benchmark compares probes in it with probes during the rounds, minutes apart
  // at most, so a machine whose other load changes over the run does not read as the attack's cost.
  if ((args.pauseMs ?? 0) > 0 && r < built.length - 1) {
    say({ pause: 'start', round: r })
    await new Promise(resolve => setTimeout(resolve, args.pauseMs))
    say({ pause: 'end', round: r })
  }
}
writeFileSync(args.markersFile, Buffer.concat(markers))
say({ phase: 'done', honestSeen: seen.length, markers: markers.length })

process.stdin.resume()
process.stdin.on('end', () => { void Promise.all(nodes.map(async n => { await n.stop() })).finally(() => process.exit(0)) })
