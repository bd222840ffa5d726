/**
 * Batched Ed25519 verification on Node: every {@link verifyBatched} call made in the same tick (the history guard
 * checking a sync chunk's frames, a batch of frames being opened) joins one batch, which this thread and worker
 * threads verify together. Ed25519 verification dominates receiving history (~65 µs per signature, two per
 * message), and one thread uses one core.
 *
 * Work sharing: the batch is copied into a SharedArrayBuffer; every thread claims slices of VERIFY_BATCH_SLICE
 * signatures with an atomic counter until none are left, so a worker that is slow to start or descheduled simply
 * takes fewer. The main thread then waits (at most VERIFY_BATCH_WAIT_MS) for the slices workers still hold and
 * verifies anything left open itself: a dead or stuck worker costs time, never a wrong or missing answer.
 * Selected by the `#verify-batch` import condition; verify-batch.browser.ts is the WebCrypto twin.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import {
  PUBLIC_KEY_BYTES, SEED_BYTES, SIGNATURE_BYTES, VERIFY_BATCH_MIN, VERIFY_BATCH_SLICE, VERIFY_BATCH_WAIT_MS, VERIFY_WORKERS_MAX
} from '../constants.ts'
import { PKCS8_ED25519_PREFIX, SPKI_ED25519_PREFIX } from './ed25519-der.ts'
import { signatureHoldsSync, verifySync } from './ed25519.node.ts'

interface Pending {
  publicKey: Uint8Array
  message: Uint8Array
  signature: Uint8Array
  /** The signer's seed when the caller holds it: the check re-signs first (see signatureHoldsSync). */
  seed: Uint8Array | undefined
  resolve: (ok: boolean) => void
}

/** Control words (Int32): next unclaimed index, signatures done. */
const CTRL_NEXT = 0
const CTRL_DONE = 1
const CTRL_BYTES = 8
/** Per signature: public key, signature, seed (zeros when not held), then one flag byte: 1 = seed held. */
const SEED_AT = PUBLIC_KEY_BYTES + SIGNATURE_BYTES
const FLAG_AT = SEED_AT + SEED_BYTES
const ITEM_BYTES = FLAG_AT + 1
const RESULT_OK = 1
const RESULT_BAD = 2

// The worker is plain JavaScript evaluated from this string rather than a file next to this one: it then runs the
// same from source, under a test runner and from a bundle, with no path to resolve and no TypeScript to strip.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createPrivateKey, createPublicKey, sign, timingSafeEqual, verify } = require('node:crypto')
const PREFIX = Buffer.from(${JSON.stringify(Array.from(SPKI_ED25519_PREFIX))})
const PKCS8 = Buffer.from(${JSON.stringify(Array.from(PKCS8_ED25519_PREFIX))})
const keys = new Map()
const privateKeys = new Map()
function privateKeyOf (seed) {
  const id = seed.toString('latin1')
  let k = privateKeys.get(id)
  if (k === undefined) {
    k = createPrivateKey({ key: Buffer.concat([PKCS8, seed]), format: 'der', type: 'pkcs8' })
    if (privateKeys.size >= 64) privateKeys.clear()
    privateKeys.set(id, k)
  }
  return k
}
function keyOf (pk) {
  const id = pk.toString('latin1')
  let k = keys.get(id)
  if (k === undefined) {
    try { k = createPublicKey({ key: Buffer.concat([PREFIX, pk]), format: 'der', type: 'spki' }) } catch { k = null }
    if (keys.size >= 1024) keys.clear()
    keys.set(id, k)
  }
  return k
}
parentPort.on('message', ({ ping, sab, n, keysAt, offsetsAt, messagesAt }) => {
  if (ping === true) { parentPort.postMessage('ready'); return }
  const ctrl = new Int32Array(sab, 0, 2)
  const results = new Int8Array(sab, ${CTRL_BYTES}, n)
  const bytes = Buffer.from(sab)
  const offsets = new Uint32Array(sab, offsetsAt, n + 1)
  for (;;) {
    const start = Atomics.add(ctrl, ${CTRL_NEXT}, ${VERIFY_BATCH_SLICE})
    if (start >= n) break
    const end = Math.min(n, start + ${VERIFY_BATCH_SLICE})
    for (let i = start; i < end; i++) {
      const ks = keysAt + i * ${ITEM_BYTES}
      const message = bytes.subarray(messagesAt + offsets[i], messagesAt + offsets[i + 1])
      const signature = bytes.subarray(ks + ${PUBLIC_KEY_BYTES}, ks + ${SEED_AT})
      let ok = false
      if (bytes[ks + ${FLAG_AT}] === 1) {
        try { ok = timingSafeEqual(sign(null, message, privateKeyOf(bytes.subarray(ks + ${SEED_AT}, ks + ${FLAG_AT}))), signature) } catch { ok = false }
      }
      const key = ok ? null : keyOf(bytes.subarray(ks, ks + ${PUBLIC_KEY_BYTES}))
      if (key !== null) {
        try {
          ok = verify(null, message, key, signature)
        } catch { ok = false }
      }
      Atomics.store(results, i, ok ? ${RESULT_OK} : ${RESULT_BAD})
    }
    Atomics.add(ctrl, ${CTRL_DONE}, end - start)
    Atomics.notify(ctrl, ${CTRL_DONE})
  }
})
`

let workers: Worker[] | undefined
function getWorkers (): Worker[] {
  if (workers !== undefined) return workers
  const count = Math.max(0, Math.min(VERIFY_WORKERS_MAX, availableParallelism() - 1))
  workers = []
  for (let i = 0; i < count; i++) {
    try {
      const w = new Worker(WORKER_SOURCE, { eval: true, name: 'chatsphere-verify' })
      // Never keeps the process alive; a worker that fails is dropped (its share falls back to this thread).
      w.unref()
      w.on('error', () => { workers = workers?.filter(x => x !== w) })
      workers.push(w)
    } catch {
      break
    }
  }
  return workers
}

/**
 * Starts the worker threads now (they are otherwise started by the first large batch, which they then join late) and
 * resolves once each is running, or failed. Optional: batches are verified correctly either way.
 */
export async function warmVerifyWorkers (): Promise<void> {
  await Promise.all(getWorkers().map(async w => await new Promise<void>((resolve) => {
    const done = (): void => { w.off('message', done); w.off('error', done); resolve() }
    w.on('message', done)
    w.on('error', done)
    w.postMessage({ ping: true })
  })))
}

let pending: Pending[] = []
const stats = { batches: 0, signatures: 0, byWorkers: 0 }

/** Counters since start: batches shared with workers, their signatures, and how many of those workers verified. */
export function verifyBatchStats (): Readonly<typeof stats> { return { ...stats } }

/**
 * Verifies a detached Ed25519 signature like `verify` from `#ed25519`, batched with the other calls of this tick
 * and shared with worker threads. Same answers: true only for a valid signature, false on any malformed input.
 * With `signerSeed` (the seed of `publicKey32`, held by the caller, e.g. a member's room write key), each check
 * re-signs first and verifies only on a mismatch (`signatureHolds` in `#ed25519`): same answers, less work.
 */
export function verifyBatched (publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array, signerSeed?: Uint8Array): Promise<boolean> {
  if (!(publicKey32 instanceof Uint8Array) || publicKey32.length !== PUBLIC_KEY_BYTES) return Promise.resolve(false)
  if (!(signature64 instanceof Uint8Array) || signature64.length !== SIGNATURE_BYTES) return Promise.resolve(false)
  if (!(message instanceof Uint8Array)) return Promise.resolve(false)
  return new Promise((resolve) => {
    if (pending.length === 0) queueMicrotask(flush)
    pending.push({ publicKey: publicKey32, message, signature: signature64, seed: signerSeed?.length === SEED_BYTES ? signerSeed : undefined, resolve })
  })
}

function flush (): void {
  const batch = pending
  pending = []
  const pool = batch.length >= VERIFY_BATCH_MIN ? getWorkers() : []
  if (pool.length === 0) {
    for (const p of batch) p.resolve(check(p))
    return
  }
  const n = batch.length
  let messageBytes = 0
  for (const p of batch) messageBytes += p.message.length
  const keysAt = align(CTRL_BYTES + n)
  const offsetsAt = align(keysAt + n * ITEM_BYTES)
  const messagesAt = offsetsAt + (n + 1) * 4
  const sab = new SharedArrayBuffer(messagesAt + messageBytes)
  const bytes = new Uint8Array(sab)
  const offsets = new Uint32Array(sab, offsetsAt, n + 1)
  let at = 0
  for (const [i, p] of batch.entries()) {
    const item = keysAt + i * ITEM_BYTES
    bytes.set(p.publicKey, item)
    bytes.set(p.signature, item + PUBLIC_KEY_BYTES)
    if (p.seed !== undefined) {
      bytes.set(p.seed, item + SEED_AT)
      bytes[item + FLAG_AT] = 1
    }
    offsets[i] = at
    bytes.set(p.message, messagesAt + at)
    at += p.message.length
  }
  offsets[n] = at
  const ctrl = new Int32Array(sab, 0, 2)
  const results = new Int8Array(sab, CTRL_BYTES, n)
  for (const w of pool) w.postMessage({ sab, n, keysAt, offsetsAt, messagesAt })
  let mine = 0
  for (;;) {
    const start = Atomics.add(ctrl, CTRL_NEXT, VERIFY_BATCH_SLICE)
    if (start >= n) break
    const end = Math.min(n, start + VERIFY_BATCH_SLICE)
    for (let i = start; i < end; i++) {
      const p = batch[i] as Pending
      Atomics.store(results, i, check(p) ? RESULT_OK : RESULT_BAD)
    }
    Atomics.add(ctrl, CTRL_DONE, end - start)
    mine += end - start
  }
  // Workers may still hold a slice each: wait for them (bounded), then check whatever is still open here.
  const deadline = performance.now() + VERIFY_BATCH_WAIT_MS
  for (;;) {
    const done = Atomics.load(ctrl, CTRL_DONE)
    const left = deadline - performance.now()
    if (done >= n || left <= 0) break
    Atomics.wait(ctrl, CTRL_DONE, done, left)
  }
  stats.batches++
  stats.signatures += n
  stats.byWorkers += Math.min(n - mine, Atomics.load(ctrl, CTRL_DONE) - mine)
  for (const [i, p] of batch.entries()) {
    const r = Atomics.load(results, i)
    p.resolve(r === RESULT_OK ? true : r === RESULT_BAD ? false : check(p))
  }
}

function check (p: Pending): boolean {
  return p.seed !== undefined ? signatureHoldsSync(p.seed, p.publicKey, p.message, p.signature) : verifySync(p.publicKey, p.message, p.signature)
}

function align (x: number): number { return (x + 7) & ~7 }
