/**
 * The part of tweetnacl's API that ChatSphere uses (sign from a seed, box, secretbox, scalarMult), computed by the
 * @noble libraries that the browser bundle already ships for libp2p (Ed25519, X25519, Poly1305, SHA-512) plus
 * @noble/ciphers' XSalsa20-Poly1305. The web build aliases `tweetnacl` to this module (web/vite.config.ts), which
 * takes tweetnacl's 10 kB (gzip) out of the client. Output bytes are the same as tweetnacl's for every input
 * (tests/unit/crypto/nacl-noble.test.ts checks them against tweetnacl): secretbox is tag ‖ ciphertext, box is
 * secretbox under HSalsa20(X25519(sk, pk), 0), a low-order X25519 point gives 32 zero bytes as in tweetnacl.
 * Verification is RFC 8032 strict (canonical S), the same as WebCrypto Ed25519, which the browser uses first.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hsalsa, xsalsa20, xsalsa20poly1305 } from '@noble/ciphers/salsa.js'
import { poly1305 } from '@noble/ciphers/_poly1305.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { randomBytes as random } from './random.ts'

const SECRETBOX_KEY = 32
const SECRETBOX_NONCE = 24
const SECRETBOX_TAG = 16
const BOX_KEY = 32
const SIGN_SEED = 32
const SIGN_PUBLIC = 32
const SIGN_SECRET = 64
const SIGNATURE = 64

/** "expand 32-byte k" as little-endian words: the Salsa20 constant tweetnacl's box key derivation uses. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574])

export interface BoxKeyPair { publicKey: Uint8Array, secretKey: Uint8Array }
export interface SignKeyPair { publicKey: Uint8Array, secretKey: Uint8Array }

function check (name: string, bytes: unknown, length: number): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`unexpected type for ${name}, use Uint8Array`)
  if (bytes.length !== length) throw new Error(`bad ${name} size`)
}

function checkBytes (name: string, bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`unexpected type for ${name}, use Uint8Array`)
}

function wordsLE (bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Uint32Array(bytes.length / 4)
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true)
  return out
}

function bytesLE (words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i] as number, true)
  return out
}

/** X25519 as tweetnacl computes it: a low-order point (shared secret zero) yields zeros rather than an error. */
function scalarMult (n: Uint8Array, p: Uint8Array): Uint8Array {
  check('n', n, BOX_KEY)
  check('p', p, BOX_KEY)
  try {
    return x25519.scalarMult(n, p)
  } catch {
    // noble refuses the all-zero result; tweetnacl returns it (callers that care check for it themselves).
    return new Uint8Array(BOX_KEY)
  }
}
scalarMult.scalarLength = BOX_KEY
scalarMult.groupElementLength = BOX_KEY
scalarMult.base = (n: Uint8Array): Uint8Array => {
  check('n', n, BOX_KEY)
  return x25519.getPublicKey(n)
}

function secretbox (msg: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  checkBytes('msg', msg)
  check('nonce', nonce, SECRETBOX_NONCE)
  check('key', key, SECRETBOX_KEY)
  return xsalsa20poly1305(key, nonce).encrypt(msg)
}
secretbox.open = (box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null => {
  checkBytes('box', box)
  check('nonce', nonce, SECRETBOX_NONCE)
  check('key', key, SECRETBOX_KEY)
  if (box.length < SECRETBOX_TAG) return null
  // One XSalsa20 pass, as src/crypto/secretbox.ts does with tweetnacl: noble's decrypt runs the stream twice (once for
  // the Poly1305 key, once for the message), and a cold open of a 100k-message room decrypts every message (P6:
  // ~10 µs instead of ~12-19 per 300-byte message). The box goes behind 32 zero bytes and is XORed with the stream in
  // place: the first 32 bytes become the Poly1305 key, the rest the plaintext; the tag is checked over the
  // ciphertext, and on failure the buffer is wiped and nothing is returned.
  const n = box.length - SECRETBOX_TAG
  const m = new Uint8Array(32 + n)
  m.set(box.subarray(SECRETBOX_TAG), 32)
  xsalsa20(key, nonce, m, m)
  const ok = equalBytes(poly1305(box.subarray(SECRETBOX_TAG), m.subarray(0, 32)), box.subarray(0, SECRETBOX_TAG))
  m.fill(0, 0, 32)
  if (!ok) { m.fill(0); return null }
  return m.subarray(32)
}
secretbox.keyLength = SECRETBOX_KEY
secretbox.nonceLength = SECRETBOX_NONCE
secretbox.overheadLength = SECRETBOX_TAG

/** crypto_box_beforenm: HSalsa20 of the X25519 shared point with a zero input, the key box uses. */
function before (publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  check('publicKey', publicKey, BOX_KEY)
  check('secretKey', secretKey, BOX_KEY)
  const shared = scalarMult(secretKey, publicKey)
  const out = new Uint32Array(8)
  hsalsa(SIGMA, wordsLE(shared), new Uint32Array(4), out)
  return bytesLE(out)
}

function box (msg: Uint8Array, nonce: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return secretbox(msg, nonce, before(publicKey, secretKey))
}
box.before = before
box.after = secretbox
box.open = Object.assign(
  (msg: Uint8Array, nonce: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array | null =>
    secretbox.open(msg, nonce, before(publicKey, secretKey)),
  { after: secretbox.open }
)
function boxKeyPairFromSecretKey (secretKey: Uint8Array): BoxKeyPair {
  check('secretKey', secretKey, BOX_KEY)
  return { publicKey: x25519.getPublicKey(secretKey), secretKey: Uint8Array.from(secretKey) }
}
box.keyPair = Object.assign((): BoxKeyPair => boxKeyPairFromSecretKey(random(BOX_KEY)), { fromSecretKey: boxKeyPairFromSecretKey })
box.publicKeyLength = BOX_KEY
box.secretKeyLength = BOX_KEY
box.sharedKeyLength = BOX_KEY
box.nonceLength = SECRETBOX_NONCE
box.overheadLength = SECRETBOX_TAG

function signKeyPairFromSeed (seed: Uint8Array): SignKeyPair {
  check('seed', seed, SIGN_SEED)
  const publicKey = ed25519.getPublicKey(seed)
  const secretKey = new Uint8Array(SIGN_SECRET)
  secretKey.set(seed)
  secretKey.set(publicKey, SIGN_SEED)
  return { publicKey, secretKey }
}

function detached (msg: Uint8Array, secretKey: Uint8Array): Uint8Array {
  checkBytes('msg', msg)
  check('secretKey', secretKey, SIGN_SECRET)
  return ed25519.sign(msg, secretKey.subarray(0, SIGN_SEED))
}
detached.verify = (msg: Uint8Array, sig: Uint8Array, publicKey: Uint8Array): boolean => {
  checkBytes('msg', msg)
  check('sig', sig, SIGNATURE)
  check('publicKey', publicKey, SIGN_PUBLIC)
  try {
    return ed25519.verify(sig, msg, publicKey, { zip215: false })
  } catch {
    return false
  }
}

const sign = {
  detached,
  keyPair: Object.assign((): SignKeyPair => signKeyPairFromSeed(random(SIGN_SEED)), { fromSeed: signKeyPairFromSeed }),
  publicKeyLength: SIGN_PUBLIC,
  secretKeyLength: SIGN_SECRET,
  seedLength: SIGN_SEED,
  signatureLength: SIGNATURE
}

/** tweetnacl's default export, for the functions ChatSphere calls. */
const nacl = { box, secretbox, scalarMult, sign, randomBytes: random }
export default nacl
