import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { mnemonicToSeed, seedToMnemonic } from '../../../src/identity/mnemonic.ts'
import { createIdentity, identityFromSeed } from '../../../src/identity/identity.ts'
import { InvalidArgumentError, InvalidMnemonicError } from '../../../src/errors.ts'

describe('mnemonic', () => {
  it('is 24 English BIP39 words that round-trip the seed', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      const words = seedToMnemonic(seed)
      expect(words.split(' ')).toHaveLength(24)
      expect(words.split(' ').every((w) => wordlist.includes(w))).toBe(true)
      expect(mnemonicToSeed(words)).toEqual(seed)
    }), { numRuns: 50 })
  })

  it('matches the BIP39 reference vector for 32 bytes of zeros', () => {
    expect(seedToMnemonic(new Uint8Array(32))).toBe(`${'abandon '.repeat(23)}art`)
  })

  it('restores the same user id', () => {
    const id = createIdentity()
    expect(identityFromSeed(mnemonicToSeed(seedToMnemonic(id.seed))).userId).toBe(id.userId)
  })

  it('ignores case, extra whitespace, line breaks, commas and numbering', () => {
    const seed = createIdentity().seed
    const words = seedToMnemonic(seed).split(' ')
    const messy = '  ' + words.map((w, i) => `${i + 1}. ${i % 2 === 0 ? w.toUpperCase() : w}`).join(' ,\n\t ') + '\n'
    expect(mnemonicToSeed(messy)).toEqual(seed)
  })

  it('accepts words shortened to their first four or more letters', () => {
    const seed = createIdentity().seed
    const words = seedToMnemonic(seed).split(' ')
    expect(mnemonicToSeed(words.map((w) => w.slice(0, 4)).join(' '))).toEqual(seed)
    expect(mnemonicToSeed(words.map((w, i) => i % 2 === 0 ? w.slice(0, 5) : w).join(' '))).toEqual(seed)
    // Three letters are not enough, and a prefix must really begin the word.
    const seedWords = seedToMnemonic(new Uint8Array(32).fill(0x5a)).split(' ')
    const at = seedWords.findIndex((w) => w.length > 3 && !wordlist.includes(w.slice(0, 3)))
    const short = seedWords.map((w, i) => i === at ? w.slice(0, 3) : w).join(' ')
    expect(() => mnemonicToSeed(short)).toThrow(`word ${at + 1} "`)
    expect(() => mnemonicToSeed(['abanxyz', ...words.slice(1)].join(' '))).toThrow(/word 1 "abanxyz"/)
  })

  it('names the unknown word and its position', () => {
    const words = seedToMnemonic(createIdentity().seed).split(' ')
    words[6] = 'zebraa'
    expect(() => mnemonicToSeed(words.join(' '))).toThrow(InvalidMnemonicError)
    expect(() => mnemonicToSeed(words.join(' '))).toThrow(/word 7 "zebraa" is not in the BIP39 English word list/)
  })

  it('says when the checksum is wrong (a swapped or substituted valid word)', () => {
    const words = seedToMnemonic(new Uint8Array(32).fill(3)).split(' ')
    // Replace the last word with every other valid word until the checksum breaks (almost any does).
    const bad = [...words]
    bad[23] = wordlist.find((w) => w !== words[23] && (() => {
      bad[23] = w
      try { mnemonicToSeed(bad.join(' ')); return false } catch { return true }
    })()) as string
    expect(() => mnemonicToSeed(bad.join(' '))).toThrow(/checksum of the recovery phrase is wrong/)
  })

  it('says how many words there are when the count is wrong', () => {
    const words = seedToMnemonic(createIdentity().seed).split(' ')
    expect(() => mnemonicToSeed(words.slice(0, 23).join(' '))).toThrow(/has 23 words; it must have 24/)
    expect(() => mnemonicToSeed(words.slice(0, 12).join(' '))).toThrow(/has 12 words/)
    expect(() => mnemonicToSeed('')).toThrow(/has 0 words/)
    expect(() => mnemonicToSeed('abandon '.repeat(500))).toThrow(/too long/)
  })

  it('refuses a seed of the wrong size', () => {
    expect(() => seedToMnemonic(new Uint8Array(16))).toThrow(InvalidArgumentError)
  })
})
