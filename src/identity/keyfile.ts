/**
 * The passphrase-encrypted key file: small JSON a person can recognise, holding the seed sealed with secretbox
 * under scrypt(passphrase). The scrypt parameters are stored in the file and bounds-checked on import, so a
 * hostile file cannot make us allocate gigabytes or skip the work. scryptAsync yields to the event loop so a
 * browser tab stays responsive while it runs (0.3–1 s at the default cost).
 *
 * ```json
 * { "type": "chatsphere-key", "version": 1, "userId": "cs…",
 *   "kdf": { "name": "scrypt", "logN": 17, "r": 8, "p": 1, "salt": "<base64url 16 B>" },
 *   "nonce": "<base64url 24 B>", "box": "<base64url secretbox(seed), 48 B>" }
 * ```
 */
import { scryptAsync } from '@noble/hashes/scrypt.js'
import {
  KEYFILE_SALT_BYTES, KEYFILE_SCRYPT_LOG_N, KEYFILE_SCRYPT_MAX_LOG_N, KEYFILE_SCRYPT_MAX_P, KEYFILE_SCRYPT_MAX_R,
  KEYFILE_SCRYPT_MIN_LOG_N, KEYFILE_SCRYPT_P, KEYFILE_SCRYPT_R, KEYFILE_VERSION, MAX_KEYFILE_BYTES, NONCE_BYTES,
  ROOM_KEY_BYTES, SECRETBOX_OVERHEAD_BYTES, SEED_BYTES
} from '../constants.ts'
import { DecryptionError, InvalidArgumentError, MalformedError, OversizedError, WrongPassphraseError } from '../errors.ts'
import { fromBase64Url, toBase64Url, utf8Encode } from '../crypto/encoding.ts'
import { randomBytes } from '../crypto/random.ts'
import { secretboxOpen, secretboxSeal } from '../crypto/secretbox.ts'
import { identityFromSeed } from './identity.ts'
import type { Identity } from './identity.ts'

/** Value of the file's "type" field. */
export const KEYFILE_TYPE = 'chatsphere-key'

/** Cost of the key file's scrypt. Lower values are for tests only; the defaults come from constants.ts. */
export interface KeyFileOptions {
  /** log2 of scrypt N (default KEYFILE_SCRYPT_LOG_N); must be within the import bounds. */
  logN?: number
  r?: number
  p?: number
}

interface KeyFileJson {
  type: string
  version: number
  userId: string
  kdf: { name: string, logN: number, r: number, p: number, salt: string }
  nonce: string
  box: string
}

function checkParams (logN: number, r: number, p: number): void {
  if (!Number.isInteger(logN) || logN < KEYFILE_SCRYPT_MIN_LOG_N || logN > KEYFILE_SCRYPT_MAX_LOG_N) {
    throw new MalformedError(`key file scrypt logN must be between ${KEYFILE_SCRYPT_MIN_LOG_N} and ${KEYFILE_SCRYPT_MAX_LOG_N}`)
  }
  if (!Number.isInteger(r) || r < 1 || r > KEYFILE_SCRYPT_MAX_R) throw new MalformedError(`key file scrypt r must be between 1 and ${KEYFILE_SCRYPT_MAX_R}`)
  if (!Number.isInteger(p) || p < 1 || p > KEYFILE_SCRYPT_MAX_P) throw new MalformedError(`key file scrypt p must be between 1 and ${KEYFILE_SCRYPT_MAX_P}`)
}

async function passphraseKey (passphrase: string, salt: Uint8Array, logN: number, r: number, p: number): Promise<Uint8Array> {
  // NFKC so the same passphrase typed on another keyboard / OS gives the same bytes.
  return await scryptAsync(utf8Encode(passphrase.normalize('NFKC')), salt, {
    N: 2 ** logN, r, p, dkLen: ROOM_KEY_BYTES, maxmem: 128 * (2 ** logN) * r * p + 1024 * 1024
  })
}

/**
 * Encrypts the identity's seed under `passphrase` and returns the key file text (JSON).
 * Throws InvalidArgumentError for an empty passphrase or out-of-bounds options.
 */
export async function exportKeyFile (identity: Identity, passphrase: string, opts: KeyFileOptions = {}): Promise<string> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new InvalidArgumentError('a key file needs a passphrase')
  const logN = opts.logN ?? KEYFILE_SCRYPT_LOG_N
  const r = opts.r ?? KEYFILE_SCRYPT_R
  const p = opts.p ?? KEYFILE_SCRYPT_P
  try {
    checkParams(logN, r, p)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
  const salt = randomBytes(KEYFILE_SALT_BYTES)
  const nonce = randomBytes(NONCE_BYTES)
  const key = await passphraseKey(passphrase, salt, logN, r, p)
  const file: KeyFileJson = {
    type: KEYFILE_TYPE,
    version: KEYFILE_VERSION,
    userId: identity.userId,
    kdf: { name: 'scrypt', logN, r, p, salt: toBase64Url(salt) },
    nonce: toBase64Url(nonce),
    box: toBase64Url(secretboxSeal(identity.seed, nonce, key))
  }
  return JSON.stringify(file, null, 2) + '\n'
}

function field (obj: Record<string, unknown>, name: string, type: 'string' | 'number' | 'object'): unknown {
  const v = obj[name]
  if (typeof v !== type || v === null) throw new MalformedError(`key file field "${name}" is missing or not a ${type}`)
  return v
}

function b64 (text: string, name: string, length: number): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = fromBase64Url(text)
  } catch {
    throw new MalformedError(`key file field "${name}" is not base64url`)
  }
  if (bytes.length !== length) throw new MalformedError(`key file field "${name}" must be ${length} bytes`)
  return bytes
}

/**
 * Restores the identity of a key file. Throws OversizedError (file over MAX_KEYFILE_BYTES), MalformedError
 * (not a ChatSphere key file, unknown version, parameters out of bounds, fields of the wrong size, or a user id
 * that does not match the key inside) or WrongPassphraseError (wrong passphrase, or the sealed part altered).
 */
export async function importKeyFile (text: string, passphrase: string): Promise<Identity> {
  if (typeof text !== 'string') throw new MalformedError('a key file is text')
  // UTF-8 is never shorter than the UTF-16 length, so this refuses before encoding or parsing anything big.
  if (text.length > MAX_KEYFILE_BYTES) throw new OversizedError(`key file is larger than ${MAX_KEYFILE_BYTES} bytes`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new MalformedError('this is not a ChatSphere key file (not JSON)')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new MalformedError('this is not a ChatSphere key file')
  const obj = json as Record<string, unknown>
  if (obj.type !== KEYFILE_TYPE) throw new MalformedError('this is not a ChatSphere key file (wrong "type")')
  if (obj.version !== KEYFILE_VERSION) throw new MalformedError(`key file version ${String(obj.version)} is not supported (this app reads version ${KEYFILE_VERSION})`)
  const kdf = field(obj, 'kdf', 'object') as Record<string, unknown>
  if (kdf.name !== 'scrypt') throw new MalformedError('key file uses an unknown key derivation')
  const logN = field(kdf, 'logN', 'number') as number
  const r = field(kdf, 'r', 'number') as number
  const p = field(kdf, 'p', 'number') as number
  checkParams(logN, r, p)
  const salt = b64(field(kdf, 'salt', 'string') as string, 'kdf.salt', KEYFILE_SALT_BYTES)
  const nonce = b64(field(obj, 'nonce', 'string') as string, 'nonce', NONCE_BYTES)
  const box = b64(field(obj, 'box', 'string') as string, 'box', SEED_BYTES + SECRETBOX_OVERHEAD_BYTES)
  const userId = field(obj, 'userId', 'string') as string
  if (typeof passphrase !== 'string') throw new WrongPassphraseError('wrong passphrase')
  const key = await passphraseKey(passphrase, salt, logN, r, p)
  let seed: Uint8Array
  try {
    seed = secretboxOpen(box, nonce, key)
  } catch (err) {
    if (err instanceof DecryptionError) throw new WrongPassphraseError('wrong passphrase (or the key file was altered)')
    throw err
  }
  const identity = identityFromSeed(seed)
  if (identity.userId !== userId) throw new MalformedError('key file user id does not match the key inside (the file was altered)')
  return identity
}
