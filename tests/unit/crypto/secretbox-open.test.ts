import { describe, it, expect } from 'vitest'
import nacl from 'tweetnacl'
import { secretboxOpen, secretboxSeal, secretboxSealInto } from '../../../src/crypto/secretbox.ts'
import { DecryptionError } from '../../../src/errors.ts'

// secretboxOpen computes tweetnacl's secretbox.open in one pass; it must agree with it on every input.
describe('secretboxOpen', () => {
  it('agrees with nacl.secretbox.open on valid, tampered and wrong-key boxes', () => {
    for (let t = 0; t < 600; t++) {
      const key = nacl.randomBytes(32)
      const nonce = nacl.randomBytes(24)
      const box = secretboxSeal(nacl.randomBytes(t), nonce, key)
      if (t % 3 === 1) box[t % box.length] = (box[t % box.length] as number) ^ (1 << (t % 8))
      const k = t % 3 === 2 && t % 2 === 0 ? nacl.randomBytes(32) : key
      const ref = nacl.secretbox.open(box, nonce, k)
      if (ref === null) expect(() => secretboxOpen(box, nonce, k)).toThrow(DecryptionError)
      else expect(secretboxOpen(box, nonce, k)).toEqual(ref)
    }
  })
})

// secretboxSealInto seals in one pass into a caller's buffer; it must write exactly nacl.secretbox's bytes there.
describe('secretboxSealInto', () => {
  it('writes nacl.secretbox of any length at the offset, and nothing outside it', () => {
    for (let t = 0; t < 600; t += 7) {
      const key = nacl.randomBytes(32)
      const nonce = nacl.randomBytes(24)
      const plain = nacl.randomBytes(t)
      const at = t % 5
      const out = new Uint8Array(at + t + 16 + 3).fill(0xee)
      secretboxSealInto(plain, nonce, key, out, at)
      expect(out.subarray(at, at + t + 16)).toEqual(nacl.secretbox(plain, nonce, key))
      expect([...out.subarray(0, at), ...out.subarray(at + t + 16)].every(b => b === 0xee)).toBe(true)
    }
  })
})
