/** The small record a media store keeps per file (size, chunk size, durable chunks, complete), CBOR-encoded. */
import { MAX_MEDIA_CHUNKS, MAX_MEDIA_FILE_BYTES, MEDIA_CHUNK_BYTES } from '../constants.ts'
import { CorruptStoreError, InvalidArgumentError } from '../errors.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import type { MediaEntryState } from './types.ts'

const HASH_HEX = /^[0-9a-f]{64}$/

/** Content hashes name stored files: only 64 lowercase hex characters are accepted (never a path). */
export function checkHashText (hash: string): void {
  if (typeof hash !== 'string' || !HASH_HEX.test(hash)) throw new InvalidArgumentError('a media content hash is 64 lowercase hex characters')
}

export function checkShape (size: number, chunkBytes: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_MEDIA_FILE_BYTES) throw new InvalidArgumentError('bad media file size')
  if (chunkBytes !== MEDIA_CHUNK_BYTES) throw new InvalidArgumentError(`media chunks are ${MEDIA_CHUNK_BYTES} bytes`)
}

export function encodeEntryState (s: MediaEntryState): Uint8Array {
  return encodeCbor({ size: s.size, chunk: s.chunkBytes, have: s.have, complete: s.complete })
}

export function decodeEntryState (bytes: Uint8Array): MediaEntryState {
  let m: unknown
  try {
    m = decodeCbor(bytes, { maxBytes: 256, maxItems: 8, maxDepth: 1 })
  } catch (err) {
    throw new CorruptStoreError('media state record does not decode', { cause: err })
  }
  if (!isMap(m)) throw new CorruptStoreError('media state record is not a map')
  const { size, chunk, have, complete } = m
  if (typeof size !== 'number' || typeof chunk !== 'number' || typeof have !== 'number' || typeof complete !== 'boolean' ||
    !Number.isSafeInteger(size) || size < 0 || chunk <= 0 || !Number.isSafeInteger(have) || have < 0 || have > MAX_MEDIA_CHUNKS ||
    have > Math.ceil(size / chunk)) {
    throw new CorruptStoreError('media state record has bad fields')
  }
  return { size, chunkBytes: chunk, have, complete }
}
