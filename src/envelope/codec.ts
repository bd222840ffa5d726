/**
 * The one binary codec of ChatSphere: CBOR by cborg. Encoding is cborg's canonical form (sorted map keys,
 * shortest integers). Decoding is strict and bounded: byte length checked before anything is read, no tags, no
 * indefinite lengths, no undefined/NaN/Infinity/bigint, no duplicate map keys, non-minimal integers refused, and
 * every array/map length and the nesting depth checked against limits as the token is read, before cborg
 * allocates the container.
 */
import { decode as cborDecode, encode as cborEncode, Tokenizer } from 'cborg'
import type { DecodeOptions } from 'cborg'
import type { DecodeTokenizer } from 'cborg/interface'
import { MAX_CBOR_DEPTH, MAX_CBOR_ITEMS } from '../constants.ts'
import { ChatSphereError, MalformedError, OversizedError } from '../errors.ts'

/** Limits of one decode; every field defaults to the protocol-wide constant. */
export interface DecodeLimits {
  /** Largest input accepted, in bytes (required: each structure has its own). */
  maxBytes: number
  /** Most items in one array / entries in one map (default MAX_CBOR_ITEMS). */
  maxItems?: number
  /** Deepest nesting (default MAX_CBOR_DEPTH). */
  maxDepth?: number
}

const BASE_OPTIONS: DecodeOptions = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: false,
  rejectDuplicateMapKeys: true,
  useMaps: false,
  tags: {}
}

interface CborToken { type: { name: string }, value: unknown, encodedLength?: number }

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Bytes of a CBOR head whose first byte is `initial` (1 + 0/1/2/4/8 bytes of length). */
function headLength (initial: number): number {
  const ai = initial & 0x1f
  return ai < 24 ? 1 : 1 + (1 << (ai - 24))
}

/** Wraps cborg's tokenizer to enforce item counts and depth token by token. */
class LimitedTokenizer implements DecodeTokenizer {
  readonly #inner: DecodeTokenizer
  readonly #maxItems: number
  readonly #maxDepth: number
  /** Children still expected by each open container, innermost last. */
  readonly #open: number[] = []

  readonly #data: Uint8Array

  constructor (data: Uint8Array, options: DecodeOptions, maxItems: number, maxDepth: number) {
    this.#data = data
    this.#inner = new Tokenizer(data, options)
    this.#maxItems = maxItems
    this.#maxDepth = maxDepth
  }

  done (): boolean { return this.#inner.done() }
  pos (): number { return this.#inner.pos() }

  next (): ReturnType<DecodeTokenizer['next']> {
    const start = this.#inner.pos()
    const token = this.#inner.next()
    const t = token as unknown as CborToken
    // cborg turns invalid UTF-8 into U+FFFD silently; only then re-check the raw bytes strictly, so a string has
    // exactly one encoding (a genuine U+FFFD passes).
    if (t.type.name === 'string' && (t.value as string).includes('\uFFFD')) {
      const initial = this.#data[start] as number
      try {
        strictUtf8.decode(this.#data.subarray(start + headLength(initial), start + (t.encodedLength as number)))
      } catch {
        throw new MalformedError('CBOR text string is not valid UTF-8')
      }
    }
    const open = this.#open
    if (open.length > 0) open[open.length - 1] = (open[open.length - 1] as number) - 1
    const name = t.type.name
    if (name === 'array' || name === 'map') {
      const n = t.value as number
      if (n > this.#maxItems) throw new OversizedError(`CBOR ${name} of ${n} items exceeds the limit of ${this.#maxItems}`)
      if (open.length + 1 > this.#maxDepth) throw new MalformedError(`CBOR nested deeper than ${this.#maxDepth}`)
      if (n > 0) open.push(name === 'map' ? 2 * n : n)
    }
    while (open.length > 0 && open[open.length - 1] === 0) open.pop()
    return token
  }
}

/** Canonical CBOR bytes of `value` (undefined object properties are left out). */
export function encodeCbor (value: unknown): Uint8Array {
  return cborEncode(value, { ignoreUndefinedProperties: true })
}

/**
 * Decodes one CBOR item that must fill `bytes` exactly. Throws OversizedError (over a limit) or MalformedError
 * (anything else wrong); never returns a partial value.
 */
export function decodeCbor (bytes: Uint8Array, limits: DecodeLimits): unknown {
  if (!(bytes instanceof Uint8Array)) throw new MalformedError('CBOR input is not bytes')
  if (bytes.length > limits.maxBytes) throw new OversizedError(`CBOR input of ${bytes.length} bytes exceeds the limit of ${limits.maxBytes}`)
  if (bytes.length === 0) throw new MalformedError('CBOR input is empty')
  const options: DecodeOptions = { ...BASE_OPTIONS }
  options.tokenizer = new LimitedTokenizer(bytes, options, limits.maxItems ?? MAX_CBOR_ITEMS, limits.maxDepth ?? MAX_CBOR_DEPTH)
  try {
    return cborDecode(bytes, options)
  } catch (err) {
    if (err instanceof ChatSphereError) throw err
    throw new MalformedError(`invalid CBOR: ${(err as Error).message}`, { cause: err })
  }
}

/** True for a plain CBOR map decoded as an object (not an array, not bytes, not null). */
export function isMap (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}
