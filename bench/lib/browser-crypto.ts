/**
 * The browser half of bench/crypto.ts: bundled by Vite with the `browser` condition (so `#ed25519` is the
 * WebCrypto implementation) and run in Chromium on an https origin (WebCrypto needs a secure context).
 */
import nacl from 'tweetnacl'
import { openFrame, sealMessage } from '../../src/envelope/index.ts'
import { createIdentity } from '../../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../../src/room/keys.ts'
import { sign, verify } from '../../src/crypto/ed25519.browser.ts'

async function perOp (n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(n, 200); i++) await op(i)
  const rounds: number[] = []
  for (let r = 0; r < 5; r++) {
    const start = performance.now()
    for (let i = 0; i < n; i++) await op(i)
    rounds.push((performance.now() - start) * 1000 / n)
  }
  rounds.sort((a, b) => a - b)
  return rounds[2] as number
}

/** µs per operation in this browser, and whether WebCrypto Ed25519 (not the tweetnacl fallback) was used. */
export async function run (textBytes: number): Promise<Record<string, number | boolean | string>> {
  const identity = createIdentity()
  const room = deriveRoomKeys(createRoomSecret())
  const body = { k: 'text' as const, text: 'x'.repeat(textBytes) }
  const { frame } = await sealMessage({ identity, room, device: 1, seq: 1, body })
  const msg = new Uint8Array(frame.length)
  const sig = await sign(identity.signingSeed, msg)
  const kp = nacl.sign.keyPair.fromSeed(identity.signingSeed)
  return {
    userAgent: navigator.userAgent,
    webCryptoEd25519: typeof globalThis.crypto.subtle !== 'undefined' &&
      await globalThis.crypto.subtle.importKey('raw', Uint8Array.from(kp.publicKey), { name: 'Ed25519' }, true, ['verify']).then(() => true, () => false),
    tweetnaclCompatible: (await verify(kp.publicKey, msg, nacl.sign.detached(msg, kp.secretKey))) && nacl.sign.detached.verify(msg, sig, kp.publicKey),
    sealUs: await perOp(300, (i) => sealMessage({ identity, room, device: 1, seq: i + 2, body })),
    openUs: await perOp(300, () => openFrame(frame, room)),
    signUs: await perOp(300, () => sign(identity.signingSeed, msg)),
    verifyUs: await perOp(300, () => verify(identity.publicKey, msg, sig))
  }
}
