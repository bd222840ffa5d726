import { describe, it, expect, vi, afterEach } from 'vitest'
import nacl from 'tweetnacl'

describe('Ed25519 browser implementation without WebCrypto Ed25519', () => {
  afterEach(() => { vi.restoreAllMocks() })

  it('falls back to tweetnacl and stays byte-compatible', async () => {
    vi.spyOn(globalThis.crypto.subtle, 'importKey').mockRejectedValue(new DOMException('Unrecognized name.', 'NotSupportedError'))
    vi.resetModules()
    const impl = await import('../../../src/crypto/ed25519.browser.ts')
    const seed = new Uint8Array(32).fill(3)
    const msg = Uint8Array.of(1, 2, 3)
    const kp = nacl.sign.keyPair.fromSeed(seed)
    const sig = await impl.sign(seed, msg)
    expect(sig).toEqual(nacl.sign.detached(msg, kp.secretKey))
    expect(await impl.verify(kp.publicKey, msg, sig)).toBe(true)
    expect(await impl.verify(kp.publicKey, Uint8Array.of(1, 2, 4), sig)).toBe(false)
    expect(await impl.verifyInBackground(kp.publicKey, msg, sig)).toBe(true)
  })
})
