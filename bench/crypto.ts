/**
 * Crypto benchmark: µs per seal+sign and open+verify of a message with a 200-byte text, with the chosen
 * Ed25519 (`#ed25519`: node:crypto here) and with tweetnacl only (nacl.sign.detached), in the same run; plus
 * the pieces (Ed25519 alone, secretbox alone, the relay's verifyFrame), and the same envelope in headless
 * Chromium with WebCrypto when Chromium is installed (skip with --no-browser). Prints a table and writes
 * bench/results/crypto.json. Run: node scripts/node22.mjs bench/crypto.ts
 */
import nacl from 'tweetnacl'
import { sign, verify } from '#ed25519'
import { MESSAGE_VERSION, NONCE_BYTES } from '../src/constants.ts'
import { bytesEqual } from '../src/crypto/encoding.ts'
import { randomBytes } from '../src/crypto/random.ts'
import { secretboxOpen, secretboxSeal } from '../src/crypto/secretbox.ts'
import { createIdentity } from '../src/identity/identity.ts'
import type { Identity } from '../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../src/room/keys.ts'
import type { RoomKeys } from '../src/room/keys.ts'
import { decodeCbor, encodeCbor, FrameKind, messageIdOf, openFrame, parseFrame, sealMessage, validateBody, verifyFrame } from '../src/envelope/index.ts'
import type { Body } from '../src/envelope/index.ts'
import { frameSigningInput, layoutFrame } from '../src/envelope/frame.ts'
import { authorSigningInput } from '../src/envelope/signing-input.ts'
import { fileURLToPath } from 'node:url'
import { measure } from './lib/measure.ts'
import { runInChromium } from './lib/chromium-run.ts'
import { environment, printTable, writeResults } from './lib/report.ts'
import type { Row } from './lib/report.ts'

const TEXT_BYTES = 200
const TARGET_US = 150
const body: Body = { k: 'text', text: 'x'.repeat(TEXT_BYTES) }
const identity = createIdentity()
const room = deriveRoomKeys(createRoomSecret())
const device = 0x1234_5678

// ── tweetnacl-only envelope: the same steps and checks as sealMessage/openFrame, signatures by nacl ─────────
const authorKeys = nacl.sign.keyPair.fromSeed(identity.signingSeed)
const writeKeys = nacl.sign.keyPair.fromSeed(room.writeSeed)

function naclSeal (id: Identity, r: RoomKeys, seq: number): Uint8Array {
  const clean = validateBody(body, FrameKind.message)
  const msgId = messageIdOf(r, id.publicKey, device, seq)
  const inner = encodeCbor({ v: MESSAGE_VERSION, a: id.publicKey, d: device, s: seq, t: Date.now(), b: clean })
  const authorSig = nacl.sign.detached(authorSigningInput(r.roomId, 0, msgId, inner), authorKeys.secretKey)
  const nonce = randomBytes(NONCE_BYTES)
  const ciphertext = secretboxSeal(encodeCbor([inner, authorSig]), nonce, r.key)
  const { frame, signingInput } = layoutFrame({ kind: FrameKind.message, epoch: 0, id: msgId, nonce, ciphertext }, r.roomId)
  frame.set(nacl.sign.detached(signingInput, writeKeys.secretKey), frame.length - 64)
  return frame
}

function naclOpen (frame: Uint8Array, r: RoomKeys): Body {
  const h = parseFrame(frame)
  // As openFrame: a member re-signs the frame (deterministic Ed25519) and verifies only when the bytes differ.
  const signingInput = frameSigningInput(r.roomId, frame.subarray(0, frame.length - 64))
  if (!bytesEqual(nacl.sign.detached(signingInput, writeKeys.secretKey), h.writeSignature) &&
    !nacl.sign.detached.verify(signingInput, h.writeSignature, r.writePublicKey)) throw new Error('frame sig')
  const plain = secretboxOpen(h.ciphertext, h.nonce, r.key)
  const [innerBytes, sig] = decodeCbor(plain, { maxBytes: plain.length, maxItems: 2, maxDepth: 1 }) as [Uint8Array, Uint8Array]
  const inner = decodeCbor(innerBytes, { maxBytes: 65536 }) as { a: Uint8Array, d: number, s: number, b: unknown }
  if (!nacl.sign.detached.verify(authorSigningInput(r.roomId, h.epoch, h.id, innerBytes), sig, inner.a)) throw new Error('author sig')
  if (!bytesEqual(messageIdOf(r, inner.a, inner.d, inner.s), h.id)) throw new Error('id')
  return validateBody(inner.b, h.kind)
}

// ── measurements ─────────────────────────────────────────────────────────────────────────────────────────────
const sample = await sealMessage({ identity, room, device, seq: 1, body })
const frame = sample.frame
const naclFrame = naclSeal(identity, room, 1)
const message = randomBytes(frame.length)
const signature = await sign(identity.signingSeed, message)
const plaintext = randomBytes(frame.length - 46 - 16 - 64)
const boxKey = randomBytes(32)
const boxNonce = randomBytes(NONCE_BYTES)
const box = secretboxSeal(plaintext, boxNonce, boxKey)

const started = performance.now()
const rows: Row[] = []
const results: Array<Record<string, unknown>> = []
async function run (operation: string, impl: string, op: (i: number) => unknown, iterations: number, rounds = 5): Promise<void> {
  const m = await measure(op, { iterations, rounds, warmup: Math.min(iterations * 2, 2000) })
  rows.push({ operation, implementation: impl, 'µs/op (median)': m.usPerOp, 'µs/op (best)': m.minUsPerOp, ops: m.ops })
  results.push({ operation, implementation: impl, usPerOp: round(m.usPerOp), minUsPerOp: round(m.minUsPerOp), ops: m.ops })
}
const round = (x: number): number => Math.round(x * 10) / 10

await run('seal+sign (2 signatures)', 'chosen: #ed25519 (node:crypto)', (i) => sealMessage({ identity, room, device, seq: i + 1, body }), 2000)
await run('open+verify (2 signatures checked)', 'chosen: #ed25519 (node:crypto), member re-signs the write signature', () => openFrame(frame, room), 2000)
await run('seal+sign (2 signatures)', 'tweetnacl only', (i) => naclSeal(identity, room, i + 1), 40, 3)
await run('open+verify (2 signatures checked)', 'tweetnacl only', () => naclOpen(naclFrame, room), 20, 3)
await run('verifyFrame (relay check)', 'chosen: #ed25519 (node:crypto)', () => verifyFrame(frame, room.writePublicKey, room.roomId), 2000)
await run('verifyFrame (member check: re-sign, compare)', 'chosen: #ed25519 (node:crypto)', () => verifyFrame(frame, room.writePublicKey, room.roomId, room.writeSeed), 2000)
await run('ed25519 sign', 'chosen: #ed25519 (node:crypto)', () => sign(identity.signingSeed, message), 2000)
await run('ed25519 verify', 'chosen: #ed25519 (node:crypto)', () => verify(identity.publicKey, message, signature), 2000)
await run('ed25519 sign', 'tweetnacl', () => nacl.sign.detached(message, authorKeys.secretKey), 40, 3)
await run('ed25519 verify', 'tweetnacl', () => nacl.sign.detached.verify(message, signature, identity.publicKey), 20, 3)
await run(`secretbox seal (${plaintext.length} B)`, 'tweetnacl', () => secretboxSeal(plaintext, boxNonce, boxKey), 5000)
await run(`secretbox open (${plaintext.length} B)`, 'tweetnacl', () => secretboxOpen(box, boxNonce, boxKey), 5000)

let browser: Record<string, unknown> | undefined
if (!process.argv.includes('--no-browser')) {
  const entry = fileURLToPath(new URL('./lib/browser-crypto.ts', import.meta.url))
  const { result, skipped } = await runInChromium(entry, [TEXT_BYTES])
  if (result !== undefined) {
    browser = result as Record<string, unknown>
    const impl = `chosen: #ed25519 (${browser.webCryptoEd25519 === true ? 'WebCrypto' : 'tweetnacl fallback'}, Chromium)`
    for (const [operation, key] of [['seal+sign (2 signatures)', 'sealUs'], ['open+verify (2 signatures checked)', 'openUs'], ['ed25519 sign', 'signUs'], ['ed25519 verify', 'verifyUs']] as const) {
      const us = browser[key] as number
      rows.push({ operation, implementation: impl, 'µs/op (median)': round(us), 'µs/op (best)': '', ops: 1500 })
      results.push({ operation, implementation: impl, usPerOp: round(us), ops: 1500 })
    }
  } else {
    console.log(`browser part skipped: ${skipped ?? 'unknown reason'}`)
  }
}

printTable(`ChatSphere crypto: ${TEXT_BYTES}-byte text, frame ${frame.length} B, target ≤ ${TARGET_US} µs per direction ` +
  `(load average ${environment().loadAverage1m} on ${environment().cores} cores)`, rows)
const chosenSeal = results[0]?.usPerOp as number
const chosenOpen = results[1]?.usPerOp as number
const naclRound = (results[2]?.usPerOp as number) + (results[3]?.usPerOp as number)
console.log(`\nchosen: seal ${chosenSeal} µs, open ${chosenOpen} µs (target ${TARGET_US} µs each: ${chosenSeal <= TARGET_US && chosenOpen <= TARGET_US ? 'met' : 'NOT met'}); ` +
  `round trip ${round(chosenSeal + chosenOpen)} µs vs tweetnacl only ${round(naclRound)} µs (${round(naclRound / (chosenSeal + chosenOpen))}× faster)`)
const path = writeResults('crypto', {
  textBytes: TEXT_BYTES,
  frameBytes: frame.length,
  targetUsPerDirection: TARGET_US,
  results,
  summary: { sealUs: chosenSeal, openUs: chosenOpen, roundTripUs: round(chosenSeal + chosenOpen), tweetnaclRoundTripUs: round(naclRound) },
  browser: browser ?? null,
  seconds: round((performance.now() - started) / 1000)
})
console.log(`wrote ${path}`)
