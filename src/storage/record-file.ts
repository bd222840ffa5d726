/**
 * Byte format of a Node update file (PROTOCOL.md "Storage"):
 *   header  = "CSYLOG" (6 bytes ASCII) ‖ version u16 BE (= 1)
 *   record* = length u32 BE (≥ 1) ‖ crc32(length bytes ‖ payload) u32 BE ‖ payload
 * Pure functions, no fs: the store does the I/O, these say what the bytes mean.
 */
import zlib from 'node:zlib'
import { MAX_STORED_RECORD_BYTES } from '../constants.ts'
import { crc32 as jsCrc32 } from './crc32.ts'

/** zlib's native CRC-32 (Node ≥ 22.2, 15× faster on a 40 MB room file), else the same function in JS. */
const crc32: (bytes: Uint8Array, crc?: number) => number =
  (zlib as { crc32?: (b: Uint8Array, c?: number) => number }).crc32 ?? jsCrc32

export const FILE_MAGIC = new Uint8Array([0x43, 0x53, 0x59, 0x4c, 0x4f, 0x47, 0x00, 0x01])
/** Header of a room's tail cache file (`<room>.log.tail`): "CSYTAL" ‖ version 1; same records follow. */
export const TAIL_MAGIC = new Uint8Array([0x43, 0x53, 0x59, 0x54, 0x41, 0x4c, 0x00, 0x01])
export const HEADER_BYTES = FILE_MAGIC.length
export const RECORD_OVERHEAD = 8

export function encodeRecord (payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_OVERHEAD + payload.length)
  const dv = new DataView(out.buffer)
  dv.setUint32(0, payload.length)
  out.set(payload, RECORD_OVERHEAD)
  dv.setUint32(4, crc32(payload, crc32(out.subarray(0, 4))))
  return out
}

export interface ScanResult {
  /** Payloads of the valid records, oldest first (views into the scanned bytes). */
  records: Uint8Array[]
  /** Offset just past the last valid record; everything from here on is to be cut off. */
  validEnd: number
  /** True when the file does not start with our header (empty files are fine: they get one). */
  badHeader: boolean
  /**
   * True when the first bad record is followed by bytes that are not part of it: damage in the middle rather than
   * a write torn by a crash (only the last append can be torn, because each append is synced before the next).
   */
  damagedBeforeEnd: boolean
}

/** Walks a whole file's bytes and stops at the first record that is short, empty, oversized or fails its checksum. */
export function scanRecords (bytes: Uint8Array, maxRecord = MAX_STORED_RECORD_BYTES, magic = FILE_MAGIC): ScanResult {
  const records: Uint8Array[] = []
  if (bytes.length < HEADER_BYTES) {
    // A file cut before its header was finished is a torn creation; anything else there is not ours.
    const prefixOk = bytes.every((b, i) => b === magic[i])
    return { records, validEnd: 0, badHeader: !prefixOk, damagedBeforeEnd: false }
  }
  for (let i = 0; i < HEADER_BYTES; i++) {
    if (bytes[i] !== magic[i]) return { records, validEnd: 0, badHeader: true, damagedBeforeEnd: false }
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = HEADER_BYTES
  while (pos < bytes.length) {
    if (bytes.length - pos < RECORD_OVERHEAD) break
    const len = dv.getUint32(pos)
    const sum = dv.getUint32(pos + 4)
    if (len === 0 || len > maxRecord || len > bytes.length - pos - RECORD_OVERHEAD) break
    const payload = bytes.subarray(pos + RECORD_OVERHEAD, pos + RECORD_OVERHEAD + len)
    if (crc32(payload, crc32(bytes.subarray(pos, pos + 4))) !== sum) {
      const end = pos + RECORD_OVERHEAD + len
      const restIsZero = bytes.subarray(end).every(b => b === 0)
      return { records, validEnd: pos, badHeader: false, damagedBeforeEnd: end < bytes.length && !restIsZero }
    }
    records.push(payload)
    pos += RECORD_OVERHEAD + len
  }
  return { records, validEnd: pos, badHeader: false, damagedBeforeEnd: false }
}
