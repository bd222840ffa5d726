/**
 * A valid Ed25519 signature that is NOT the deterministic one of RFC 8032: the nonce r is random instead of
 * H(prefix ‖ message). Any verifier accepts it; it differs from what node:crypto, WebCrypto and tweetnacl make. Tests
 * use it to show that the re-signing check (`signatureHolds`) still gives verify's answer for such signatures.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { randomBytes } from '../../../../src/crypto/random.ts'

const L = ed25519.Point.Fn.ORDER

function leToBig (bytes: Uint8Array): bigint {
  let x = 0n
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i] as number)
  return x
}

function bigToLe32 (x: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) { out[i] = Number(x & 0xffn); x >>= 8n }
  return out
}

export function hedgedSign (seed: Uint8Array, message: Uint8Array): Uint8Array {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed)
  const r = leToBig(randomBytes(64)) % L
  const R = ed25519.Point.BASE.multiply(r).toBytes()
  const k = leToBig(sha512(Uint8Array.from([...R, ...pointBytes, ...message]))) % L
  const S = (r + k * scalar) % L
  return Uint8Array.from([...R, ...bigToLe32(S)])
}
