/**
 * The identity seed as a 24-word BIP39 mnemonic (English list, @scure/bip39): the 32 seed bytes are the BIP39
 * entropy, so the words encode the seed itself (plus an 8-bit checksum), not a PBKDF2-stretched BIP39 "seed".
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { SEED_BYTES } from '../constants.ts'
import { InvalidArgumentError, InvalidMnemonicError } from '../errors.ts'

/** 32 bytes of entropy + 8 checksum bits = 264 bits = 24 words of 11 bits. */
export const MNEMONIC_WORDS = 24
/** Refuse absurd input before splitting it (24 words of at most 8 letters and generous whitespace). */
const MAX_MNEMONIC_CHARS = 1024
const WORDS = new Set(wordlist)
/** Every BIP39 English word is identified by its first 4 letters, so people (and metal backups) often keep only those. */
const PREFIX_LETTERS = 4
const BY_PREFIX = new Map(wordlist.map((w) => [w.slice(0, PREFIX_LETTERS), w]))

/** The list word a typed word stands for: itself, or the one word its first 4+ letters begin. */
function resolveWord (typed: string): string | undefined {
  if (WORDS.has(typed)) return typed
  if (typed.length < PREFIX_LETTERS) return undefined
  const word = BY_PREFIX.get(typed.slice(0, PREFIX_LETTERS))
  return word !== undefined && word.startsWith(typed) ? word : undefined
}

/** The 24 words of a 32-byte seed, lowercase, separated by single spaces. */
export function seedToMnemonic (seed: Uint8Array): string {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) throw new InvalidArgumentError(`an identity seed is ${SEED_BYTES} bytes`)
  return entropyToMnemonic(seed, wordlist)
}

/** Lowercases, trims and collapses whitespace (also commas and numbering like "1." people paste from notes). */
export function normalizeMnemonic (words: string): string[] {
  return words.toLowerCase().normalize('NFKD').split(/[\s,]+/u).map((w) => w.replace(/^\d+[.):]?$/u, '')).filter((w) => w.length > 0)
}

/**
 * The seed of a 24-word mnemonic. Case and whitespace do not matter, and a word may be shortened to its first
 * four or more letters (the BIP39 list is unique in four). Throws InvalidMnemonicError saying what is
 * wrong: how many words there are, which word is not in the list (with its position), or that the checksum
 * fails (a word is wrong or two are swapped).
 */
export function mnemonicToSeed (words: string): Uint8Array {
  if (typeof words !== 'string') throw new InvalidMnemonicError('the recovery phrase must be text')
  if (words.length > MAX_MNEMONIC_CHARS) throw new InvalidMnemonicError(`the recovery phrase is too long: it should be ${MNEMONIC_WORDS} words`)
  const typed = normalizeMnemonic(words)
  const list = typed.map(resolveWord)
  const unknown = list.findIndex((w) => w === undefined)
  if (unknown !== -1) {
    const w = typed[unknown] as string
    throw new InvalidMnemonicError(`word ${unknown + 1} "${w.slice(0, 32)}" is not in the BIP39 English word list (check its spelling)`)
  }
  if (list.length !== MNEMONIC_WORDS) {
    throw new InvalidMnemonicError(`the recovery phrase has ${list.length} words; it must have ${MNEMONIC_WORDS}`)
  }
  let seed: Uint8Array
  try {
    seed = mnemonicToEntropy(list.join(' '), wordlist)
  } catch (err) {
    throw new InvalidMnemonicError('the checksum of the recovery phrase is wrong: a word is mistyped or two words are swapped', { cause: err })
  }
  if (seed.length !== SEED_BYTES) throw new InvalidMnemonicError(`the recovery phrase must have ${MNEMONIC_WORDS} words`)
  return seed
}
