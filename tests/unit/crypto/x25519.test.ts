/**
 * `#x25519`: the box public key of a secret key, from node:crypto (Node) and from tweetnacl's API (browser twin, which
 * the web build aliases to @noble/curves), gives the bytes tweetnacl gives, for random keys and edge keys (clamping).
 */
import { describe, expect, it } from 'vitest'
import nacl from 'tweetnacl'
import { x25519PublicKey as nodeKey } from '../../../src/crypto/x25519.node.ts'
import { x25519PublicKey as browserKey } from '../../../src/crypto/x25519.browser.ts'
import { x25519PublicKey } from '#x25519'
import { InvalidArgumentError } from '../../../src/errors.ts'

describe('x25519PublicKey', () => {
  const keys: Uint8Array[] = [new Uint8Array(32), new Uint8Array(32).fill(0xff), Uint8Array.from({ length: 32 }, (_, i) => i)]
  for (let i = 0; i < 50; i++) keys.push(nacl.randomBytes(32))

  it('is the public key tweetnacl derives, on both platforms', () => {
    for (const sk of keys) {
      const want = nacl.box.keyPair.fromSecretKey(sk).publicKey
      expect(nodeKey(sk)).toEqual(want)
      expect(browserKey(sk)).toEqual(want)
      expect(x25519PublicKey(sk)).toEqual(want)
    }
  })

  it('refuses a key of the wrong length', () => {
    expect(() => nodeKey(new Uint8Array(31))).toThrow(InvalidArgumentError)
    expect(() => browserKey(new Uint8Array(33))).toThrow(InvalidArgumentError)
  })
})
