import { UnsupportedKeyTypeError } from '@libp2p/interface'

/**
 * Browser build stand-in for `@noble/curves/secp256k1.js` (aliased in web/vite.config.ts). libp2p's key code
 * imports secp256k1 for peers with secp256k1 keys, but every ChatSphere peer and relay uses Ed25519 peer keys
 * (relay/peer-key.ts, libp2p's default), so the browser peer accepts only those: any use of a secp256k1 key
 * throws, which libp2p reports as an invalid key and the connection is refused. This keeps the Weierstrass curve
 * code (about 7 kB gzip) out of the web client. tests/unit/web/secp256k1-unsupported.test.ts checks the refusal.
 */
function unsupported (): never {
  throw new UnsupportedKeyTypeError('secp256k1 keys are not supported by the ChatSphere web client')
}

export const secp256k1 = {
  sign: unsupported,
  verify: unsupported,
  getPublicKey: unsupported,
  keygen: unsupported,
  Point: { fromBytes: unsupported, fromHex: unsupported },
  utils: { randomSecretKey: unsupported, isValidSecretKey: unsupported, isValidPublicKey: unsupported }
}
