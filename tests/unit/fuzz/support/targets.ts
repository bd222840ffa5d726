/**
 * Fuzz targets: every decoder that reads bytes or text from the network (or from a file a stranger sent), each fed
 * fast-check byte arrays / strings and mutations of valid inputs. A target passes a case when the decoder returns,
 * or throws one of the project's typed errors; anything else (TypeError, RangeError, a hang, an output larger than
 * its input allows) is a finding.
 */
import fc from 'fast-check'
import * as Y from 'yjs'
import { streamPair } from '@libp2p/utils'
import { lpStream } from '@libp2p/utils'
import { HISTORY_LOG_NAME, MAX_FRAME_BYTES, MAX_INVITE_CHARS } from '../../../../src/constants.ts'
import { ChatSphereError } from '../../../../src/errors.ts'
import { decodeCbor, encodeCbor, openFrame, parseFrame, validateBody, verifyFrame, ReplayGuard } from '../../../../src/envelope/index.ts'
import { createUpdateGuard } from '../../../../src/history/guard.ts'
import { openRoomLog } from '../../../../src/history/room-log.ts'
import { decodeStateVector } from '../../../../src/history/state-vector.ts'
import { handleSync, syncRoom, SYNC_VERSION } from '../../../../src/history/sync.ts'
import { syncAuth, syncProofInput } from '../../../../src/chat/sync-auth.ts'
import { parseLogUpdate } from '../../../../src/history/update-codec.ts'
import { createIdentity } from '../../../../src/identity/identity.ts'
import { createDeviceBinding, verifyDeviceBinding } from '../../../../src/identity/device-binding.ts'
import { signProfile, verifyProfile } from '../../../../src/identity/profile.ts'
import { publicKeyFromUserId, userIdFromPublicKey } from '../../../../src/identity/user-id.ts'
import { decodeKeepRequest, decodeKeepResponse, encodeKeepRequest, encodeKeepResponse, signKeepRequest, verifyKeepRequest } from '../../../../src/net/keep-request.ts'
import { parseRelayInfo } from '../../../../src/net/relay-info.ts'
import { createInviteLink, parseInviteLink } from '../../../../src/room/invite.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../../src/room/keys.ts'
import { decodeRoomArchive, encodeRoomArchive } from '../../../../src/chat/room-archive.ts'
import { memoryUpdateStore } from '../../../../src/storage/memory-update-store.ts'
import { sealMessage } from '../../../../src/envelope/seal.ts'
import { sign } from '#ed25519'
import { randomBytes } from '../../../../src/crypto/random.ts'
import { secretboxSeal } from '../../../../src/crypto/secretbox.ts'
import { encodeFrame } from '../../../../src/envelope/frame.ts'
import { messageIdOf } from '../../../../src/envelope/message-id.ts'
import { authorSigningInput } from '../../../../src/envelope/signing-input.ts'
import { FrameKind } from '../../../../src/envelope/types.ts'
import type { Body } from '../../../../src/envelope/types.ts'
import nacl from 'tweetnacl'
import { MEDIA_CHUNK_BYTES, TAG_KNOCK_SIG } from '../../../../src/constants.ts'
import { createContactLink, parseContactLink } from '../../../../src/dm/contact-link.ts'
import { signContactCard, verifyContactCard } from '../../../../src/dm/contact-card.ts'
import { KNOCK_VERSION, openKnock } from '../../../../src/dm/inbox.ts'
import { signRecord } from '../../../../src/identity/signed-record.ts'
import { decodeMediaMessage, encodeMediaMessage, T_ABSENT, T_ACK, T_CHUNK, T_HEADER, T_REQUEST } from '../../../../src/media/codec.ts'
import { openChunk, sealChunk } from '../../../../src/media/crypto.ts'

/** One decoder under test. */
export interface FuzzTarget<T = unknown> {
  name: string
  /** Inputs: raw garbage and mutations of valid inputs. */
  arbitrary: fc.Arbitrary<T>
  /** Runs the decoder on one input (may be async). */
  run: (input: T) => unknown
  /** Error names besides ChatSphereError subclasses that count as typed refusals. */
  allowedErrors?: string[]
  /** Relative cost: the runner gives this target runs × scale cases (slow targets get fewer). */
  scale?: number
  /** Size of the input, for the output bound (default: bytes or string length). */
  inputSize?: (input: T) => number
}

/** An error the project throws on purpose (typed, with a stable name). */
export function isTypedError (err: unknown, allowed: readonly string[] = []): boolean {
  return err instanceof ChatSphereError || (err instanceof Error && allowed.includes(err.name))
}

/** Bytes and string characters reachable from a decoder's output (what it allocated for the caller). */
export function outputSize (value: unknown, seen = new Set<unknown>()): number {
  if (value === null || value === undefined) return 0
  if (typeof value === 'string') return value.length
  if (typeof value !== 'object') return 8
  if (seen.has(value)) return 0
  seen.add(value)
  if (value instanceof Uint8Array) return value.length
  if (value instanceof Map) { let n = 0; for (const [k, v] of value) n += outputSize(k, seen) + outputSize(v, seen); return n }
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + 8 + outputSize(v, seen), 0)
  let n = 0
  for (const [k, v] of Object.entries(value)) n += k.length + outputSize(v, seen)
  return n
}

// ── Input generators ──────────────────────────────────────────────────────────────────────────────────────────
type Mutation = { op: 'flip', at: number, bit: number } | { op: 'set', at: number, value: number } | { op: 'cut', at: number }
  | { op: 'insert', at: number, bytes: Uint8Array } | { op: 'dup', at: number, len: number } | { op: 'delete', at: number, len: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x1f, 0x9f, 0xbf, 0xfb) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) })
)

function applyMutations (seed: Uint8Array, ms: Mutation[]): Uint8Array {
  // A copy: Buffer.prototype.slice is a view, and some seeds (signed records) are Buffers.
  let b: Uint8Array = Uint8Array.from(seed)
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1)
    switch (m.op) {
      case 'flip': if (b.length > 0) { const i = at % b.length; b[i] = (b[i] ?? 0) ^ (1 << m.bit) } break
      case 'set': if (b.length > 0) b[at % b.length] = m.value; break
      case 'cut': b = b.slice(0, at); break
      case 'insert': b = concat(b.subarray(0, at), m.bytes, b.subarray(at)); break
      case 'dup': b = concat(b.subarray(0, at), b.subarray(at, at + m.len), b.subarray(at)); break
      case 'delete': b = concat(b.subarray(0, at), b.subarray(at + m.len)); break
    }
  }
  return b
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

/** Garbage of every size class, and mutations of the valid seeds. */
export function bytesInput (seeds: Uint8Array[], maxGarbage = 4096): fc.Arbitrary<Uint8Array> {
  const garbage = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.uint8Array({ maxLength: maxGarbage }),
    // CBOR/varint-looking prefixes that claim huge lengths or counts.
    fc.tuple(fc.constantFrom(0x5b, 0x7b, 0x9b, 0xbb, 0x5a, 0x9a, 0xba, 0xff, 0xfe, 0x80), fc.uint8Array({ maxLength: 16 })).map(([h, r]) => concat(Uint8Array.of(h), r))
  )
  if (seeds.length === 0) return garbage
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([s, ms]) => applyMutations(s, ms))
  return fc.oneof({ arbitrary: mutated, weight: 3 }, { arbitrary: garbage, weight: 1 }, { arbitrary: fc.constantFrom(...seeds), weight: 1 })
}

/** Strings: random text, and character-level mutations of valid seeds. */
function textInput (seeds: string[], maxLength = MAX_INVITE_CHARS + 64): fc.Arbitrary<string> {
  const chunk = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('%', '%%', '%e0%80', '%ff', '#', '/', '//', '?', '=', '\u0000', '\ud800', '🎉', '../', 'javascript:', ' '))
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), chunk), { minLength: 1, maxLength: 5 })).map(([s, edits]) => {
    let out = s
    for (const [at, del, ins] of edits) { const i = at % (out.length + 1); out = out.slice(0, i) + ins + out.slice(i + del) }
    return out
  })
  return fc.oneof(fc.string({ maxLength }), fc.string({ unit: 'binary', maxLength: 200 }), mutated, mutated)
}

// ── Targets ──────────────────────────────────────────────────────────────────────────────────────────────────
/** Builds every target with real keys and valid seed inputs. */
export async function buildTargets (): Promise<FuzzTarget[]> {
  const room = deriveRoomKeys(createRoomSecret())
  const me = createIdentity()
  const bodies: Body[] = [
    { k: 'text', text: 'hello' }, { k: 'text', text: 'a reply', reply: new Uint8Array(16).fill(1) },
    { k: 'react', target: new Uint8Array(16).fill(1), emoji: '👍', on: true }, { k: 'profile', name: 'Ada' },
    { k: 'file', name: 'cat.jpg', mime: 'image/jpeg', size: 12, hash: new Uint8Array(32), key: new Uint8Array(32), preview: new Uint8Array(40) }
  ]
  const frames: Uint8Array[] = []
  for (const [i, body] of bodies.entries()) frames.push((await sealMessage({ identity: me, room, device: 7, seq: i + 1, body })).frame)
  frames.push((await sealMessage({ identity: me, room, device: 7, seq: 100, body: { k: 'typing', on: true } })).frame)

  // Yjs updates: single inserts (what travels live), a multi-item state, a delete, a foreign root type.
  const source = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
  const updates: Uint8Array[] = []
  for (const f of frames.slice(0, 5)) updates.push(await source.append(f))
  const docA = new Y.Doc()
  for (const u of updates) Y.applyUpdate(docA, u)
  updates.push(Y.encodeStateAsUpdate(docA))
  const sv = Y.encodeStateVector(docA)
  docA.getArray(HISTORY_LOG_NAME).delete(0, 1)
  updates.push(Y.encodeStateAsUpdate(docA, sv))
  const docB = new Y.Doc()
  docB.getMap('other').set('x', new Uint8Array(8))
  updates.push(Y.encodeStateAsUpdate(docB))
  const stateVectors = [Y.encodeStateVector(docA), source.stateVector(), new Uint8Array([0])]

  const guard = createUpdateGuard({ verifyFrame: async (f) => { await verifyFrame(f, room.writePublicKey, room.roomId) } })
  const applyLog = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })

  const keepReq = encodeKeepRequest(await signKeepRequest({ op: 'keep', topic: room.topic, ephemeralTopic: room.ephemeralTopic, roomId: room.roomId, writePublicKey: room.writePublicKey, relay: '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf', time: Date.now(), ids: [new Uint8Array(16)] }, room.writeSeed))
  const keepRes = encodeKeepResponse({ ok: true, stateVector: source.stateVector(), held: new Uint8Array([1]) })
  const profile = await signProfile(me, { name: 'Ada', avatar: 'data:image/png;base64,AAAA' })
  const binding = await createDeviceBinding(me, '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf')
  const archive = encodeRoomArchive({ name: 'Book club', secret: room.secret, updates: updates.slice(0, 3), exportedAt: 1 })
  const invite = createInviteLink({ secret: room.secret, name: 'Book club ✨', origin: 'http://localhost:8470' })
  const info = JSON.stringify({ version: 1, peerId: '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf', multiaddrs: ['/ip4/127.0.0.1/tcp/8470/ws/p2p/12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'], software: 'x', protocols: [] })
  // One session (peer ids as the connection would give them): the seeds carry valid proofs, so mutations reach past
  // the proof checks (member signature, keep request of the relay that initiates) into the exchange.
  const syncSession = { topic: room.topic, initiator: '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf', responder: '12D3KooWResponderPeer' }
  const syncMember = syncAuth({ writePublicKey: room.writePublicKey, writeSeed: room.writeSeed, trusted: () => false })
  const syncMessages = [
    encodeCbor({ t: 1, v: SYNC_VERSION, topic: room.topic, sv: source.stateVector(), ms: await sign(room.writeSeed, syncProofInput(syncSession, 'hello')) }),
    encodeCbor({ t: 1, v: SYNC_VERSION, topic: room.topic, sv: source.stateVector(), kr: keepReq }),
    encodeCbor({ t: 2, sv: stateVectors[0], ms: await sign(room.writeSeed, syncProofInput(syncSession, 'state')) }),
    encodeCbor({ t: 2, sv: stateVectors[0], kr: keepReq }),
    encodeCbor({ t: 7, e: 'no-proof' }),
    encodeCbor({ t: 4, u: updates[0] }),
    encodeCbor({ t: 5 }),
    encodeCbor({ t: 6, n: 1 }),
    encodeCbor({ t: 3 })
  ]
  const syncLogs = new Map([[room.topic, applyLog]])

  // Plaintexts and signed inner messages, so mutations reach the checks behind decryption and the author signature.
  const inners = bodies.map((b, i) => encodeCbor({ v: 1, a: me.publicKey, d: 7, s: i + 1, t: 1_700_000_000_000, b: b as unknown as Record<string, unknown> }))
  const plaintexts = await Promise.all(inners.map(async (inner, i) => encodeCbor([inner, await sign(me.signingSeed, authorSigningInput(room.roomId, 0, messageIdOf(room, me.publicKey, 7, i + 1), inner))])))
  /** Encrypts and frames a plaintext the way sealMessage does (valid room write signature around any bytes). */
  const frameAround = async (plaintext: Uint8Array, id: Uint8Array): Promise<Uint8Array> => {
    const nonce = randomBytes(24)
    return await encodeFrame({ kind: FrameKind.message, epoch: 0, id, nonce, ciphertext: secretboxSeal(plaintext, nonce, room.key) }, room.writeSeed, room.roomId)
  }
  /** The id the author fields of a (mutated) inner message claim, so mutations get past the id check too. */
  const claimedId = (inner: Uint8Array): Uint8Array => {
    try {
      const m = decodeCbor(inner, { maxBytes: MAX_FRAME_BYTES, maxItems: 64, maxDepth: 6 }) as { a?: unknown, d?: unknown, s?: unknown }
      if (m.a instanceof Uint8Array && m.a.length === 32 && typeof m.d === 'number' && typeof m.s === 'number') return messageIdOf(room, m.a, m.d, m.s)
    } catch { /* not decodable: any id */ }
    return new Uint8Array(16)
  }

  // Media stream messages and sealed chunks; contact links, cards and knocks (direct messages).
  const mediaMessages = [
    encodeMediaMessage({ t: T_REQUEST, room: room.roomId, msg: new Uint8Array(16), from: 0, proof: new Uint8Array(32) }),
    encodeMediaMessage({ t: T_HEADER, hashes: [new Uint8Array(32), new Uint8Array(32).fill(1)] }),
    encodeMediaMessage({ t: T_ABSENT }),
    encodeMediaMessage({ t: T_CHUNK, i: 3, c: new Uint8Array(100) }),
    encodeMediaMessage({ t: T_ACK, n: 2 })
  ]
  const mediaKey = randomBytes(32)
  const sealedChunks = [sealChunk(new Uint8Array(1000).fill(7), 0, mediaKey), sealChunk(new Uint8Array(MEDIA_CHUNK_BYTES), 1, mediaKey)]
  const contactLink = await createContactLink(me, { name: 'Ada', origin: 'http://localhost:8470' })
  const contactCard = await signContactCard(me, 'Ada')
  const recipient = createIdentity()
  const knockRecord = await signRecord(me, TAG_KNOCK_SIG, KNOCK_VERSION, { bx: me.boxPublicKey, to: recipient.publicKey, t: 1_700_000_000_000, n: 'Ada' })

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one list of targets of different input types
  const targets: Array<FuzzTarget<any>> = [
    {
      name: 'envelope: openFrame, mutated plaintext inside a valid frame',
      arbitrary: bytesInput(plaintexts),
      run: async (p: Uint8Array) => await openFrame(await frameAround(p, new Uint8Array(16)), room)
    },
    {
      name: 'envelope: openFrame, mutated inner message, author-signed and framed',
      arbitrary: bytesInput(inners),
      run: async (inner: Uint8Array) => {
        const id = claimedId(inner)
        const plaintext = encodeCbor([inner, await sign(me.signingSeed, authorSigningInput(room.roomId, 0, id, inner))])
        return await openFrame(await frameAround(plaintext, id), room)
      }
    },
    { name: 'frame: parseFrame', arbitrary: bytesInput(frames, MAX_FRAME_BYTES + 16), run: (b: Uint8Array) => parseFrame(b) },
    { name: 'frame: verifyFrame (room write signature)', arbitrary: bytesInput(frames), run: async (b: Uint8Array) => await verifyFrame(b, room.writePublicKey, room.roomId) },
    { name: 'envelope: openFrame (all checks)', arbitrary: bytesInput(frames), run: async (b: Uint8Array) => await openFrame(b, room, { replay: new ReplayGuard() }) },
    { name: 'envelope: CBOR decoder', arbitrary: bytesInput([...frames.map(f => f.subarray(46, 90)), encodeCbor({ a: [1, 2, { b: new Uint8Array(3) }], s: 'x' })]), run: (b: Uint8Array) => decodeCbor(b, { maxBytes: MAX_FRAME_BYTES, maxItems: 64, maxDepth: 6 }) },
    {
      name: 'envelope: body validation',
      arbitrary: bytesInput(bodies.map(b => encodeCbor(b as unknown as Record<string, unknown>))),
      run: (b: Uint8Array) => validateBody(decodeCbor(b, { maxBytes: MAX_FRAME_BYTES, maxItems: 64, maxDepth: 6 }))
    },
    { name: 'history: Yjs update parser', arbitrary: bytesInput(updates), run: (b: Uint8Array) => parseLogUpdate(b), allowedErrors: ['UpdateRejection'] },
    { name: 'history: update guard (parser + frame checks)', arbitrary: bytesInput(updates), run: async (b: Uint8Array) => await guard.check(b) },
    { name: 'history: guard + Y.applyUpdate (RoomLog.applyRemote)', arbitrary: bytesInput(updates), run: async (b: Uint8Array) => await applyLog.applyRemote(b, 'fuzz') },
    { name: 'history: state vector', arbitrary: bytesInput(stateVectors), run: (b: Uint8Array) => decodeStateVector(b) },
    {
      name: 'sync: responder (handleSync) fed fuzzed messages',
      scale: 0.1,
      arbitrary: fc.array(bytesInput(syncMessages, 512), { minLength: 1, maxLength: 4 }),
      inputSize: (ms: Uint8Array[]) => ms.reduce((n, m) => n + m.length, 0),
      run: async (ms: Uint8Array[]) => {
        const [a, b] = await streamPair()
        const serving = handleSync(b, syncSession, t => { const l = syncLogs.get(t); return l === undefined ? undefined : { auth: syncMember, open: () => l } }, { idleTimeoutMs: 300 })
        const w = lpStream(a)
        try { for (const m of ms) await w.write(m) } catch { /* the responder may abort early */ }
        await a.close().catch(() => {})
        const out = await serving
        a.abort(new Error('done'))
        return out
      }
    },
    {
      name: 'sync: initiator (syncRoom) fed fuzzed replies',
      scale: 0.1,
      arbitrary: fc.array(bytesInput(syncMessages, 512), { minLength: 1, maxLength: 4 }),
      inputSize: (ms: Uint8Array[]) => ms.reduce((n, m) => n + m.length, 0),
      run: async (ms: Uint8Array[]) => {
        const [a, b] = await streamPair()
        const w = lpStream(b)
        const replying = (async () => { try { await w.read(); for (const m of ms) await w.write(m) } catch { /* aborted */ } await b.close().catch(() => {}) })()
        try {
          return await syncRoom(a, syncSession, applyLog, syncMember, { idleTimeoutMs: 300 })
        } finally {
          b.abort(new Error('done'))
          await replying
        }
      }
    },
    { name: 'invite link parser', arbitrary: textInput([invite, invite.slice(invite.indexOf('#')), '#/join/1/']), run: (s: string) => parseInviteLink(s) },
    { name: 'relay: keep request decode + verify', arbitrary: bytesInput([keepReq]), run: async (b: Uint8Array) => { const r = decodeKeepRequest(b); await verifyKeepRequest(r, '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'); return r } },
    { name: 'relay: keep response decode', arbitrary: bytesInput([keepRes]), run: (b: Uint8Array) => decodeKeepResponse(b) },
    { name: 'relay info document parser', arbitrary: textInput([info], 20_000), run: (s: string) => parseRelayInfo(s) },
    { name: 'identity: signed profile', arbitrary: bytesInput([profile]), run: async (b: Uint8Array) => await verifyProfile(b) },
    { name: 'identity: device binding', arbitrary: bytesInput([binding]), run: async (b: Uint8Array) => await verifyDeviceBinding(b) },
    { name: 'identity: user id text', arbitrary: textInput([userIdFromPublicKey(me.publicKey)], 200), run: (s: string) => publicKeyFromUserId(s) },
    { name: 'media: stream message decoder', arbitrary: bytesInput(mediaMessages, 8192), run: (b: Uint8Array) => decodeMediaMessage(b, [T_REQUEST, T_HEADER, T_ABSENT, T_CHUNK, T_ACK]) },
    { name: 'media: sealed chunk', arbitrary: bytesInput(sealedChunks, 2048), run: (b: Uint8Array) => openChunk(b, b.length % 2, mediaKey) },
    { name: 'contact link parser', arbitrary: textInput([contactLink, contactLink.slice(contactLink.indexOf('#'))], 1200), run: async (s: string) => await parseContactLink(s) },
    { name: 'contact card', arbitrary: bytesInput([contactCard]), run: async (b: Uint8Array) => await verifyContactCard(b) },
    {
      name: 'knock (boxed signed record)',
      scale: 0.1,
      arbitrary: bytesInput([knockRecord]),
      run: async (record: Uint8Array) => {
        // The mutated record boxed to the recipient, so mutations reach the record decoder behind the box.
        const eph = nacl.box.keyPair()
        const nonce = randomBytes(24)
        return await openKnock(recipient, { k: 'knock', eph: eph.publicKey, nonce, box: nacl.box(record, nonce, recipient.boxPublicKey, eph.secretKey) })
      }
    },
    { name: 'room archive decoder', arbitrary: bytesInput([archive]), run: (b: Uint8Array) => decodeRoomArchive(b) }
  ]
  return targets as FuzzTarget[]
}
