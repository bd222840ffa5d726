/**
 * A strict reader and writer of the one shape of Yjs v1 update a room log ever needs: Items with binary content
 * (one frame each) in the root array `log`, and Skips. The reader never hands bytes to Yjs: it walks the update
 * with its own bounded cursor, so a malformed update is refused instead of reaching `Y.applyUpdate`, which can spin
 * on garbage (yjs/yjs#516 and relatives). Format reference: Yjs `UpdateEncoderV1`, `writeStructs`, `writeDeleteSet`.
 */
import { HISTORY_LOG_NAME, MAX_FRAME_BYTES, MAX_UPDATE_BYTES, MAX_UPDATE_CLIENTS, MAX_UPDATE_STRUCTS } from '../constants.ts'

/** Why an update was refused; each reason is counted apart. */
export type RejectReason =
  | 'oversized' | 'malformed' | 'delete-set' | 'foreign-type' | 'foreign-struct' | 'map-entry'
  | 'nested-type' | 'oversized-frame' | 'bad-frame' | 'too-many-structs'

export class UpdateRejection extends Error {
  readonly reason: RejectReason
  constructor (reason: RejectReason, message: string) {
    super(message)
    this.name = 'UpdateRejection'
    this.reason = reason
  }
}

/** One item of the log as it appears in an update: its Yjs id and the frame it carries. */
export interface LogItem {
  client: number
  clock: number
  origin: { client: number, clock: number } | null
  rightOrigin: { client: number, clock: number } | null
  frame: Uint8Array
}

export interface ParsedUpdate {
  items: LogItem[]
  /** Clock ranges the sender skipped (present after `Y.mergeUpdates` of non-contiguous updates; carry nothing). */
  skips: Array<{ client: number, clock: number, len: number }>
}

export interface ParseLimits {
  maxUpdateBytes?: number
  maxStructs?: number
  maxClients?: number
  maxFrameBytes?: number
}

// Yjs struct info byte: low 5 bits = content ref (0 = GC, 10 = Skip), bit 8 origin, bit 7 right origin, bit 6 parentSub.
const BITS5 = 0x1f
const BIT8 = 0x80
const BIT7 = 0x40
const BIT6 = 0x20
const REF_GC = 0
const REF_BINARY = 3
const REF_SKIP = 10
/** Largest clock or client id we accept: Yjs client ids are u32, clocks stay far below 2^53. */
const MAX_VAR_UINT = Number.MAX_SAFE_INTEGER
const LOG_NAME_BYTES = new TextEncoder().encode(HISTORY_LOG_NAME)

class Cursor {
  readonly bytes: Uint8Array
  pos = 0
  constructor (bytes: Uint8Array) { this.bytes = bytes }

  u8 (): number {
    if (this.pos >= this.bytes.length) throw new UpdateRejection('malformed', 'unexpected end of update')
    return this.bytes[this.pos++] as number
  }

  /** lib0 varuint: 7 bits per byte, little-endian groups; refused beyond 2^53 so the loop runs at most 8 times. */
  varUint (): number {
    let value = 0
    let mult = 1
    for (let i = 0; i < 8; i++) {
      const b = this.u8()
      value += (b & 0x7f) * mult
      if (b < 0x80) {
        if (value > MAX_VAR_UINT) break
        return value
      }
      mult *= 128
    }
    throw new UpdateRejection('malformed', 'varuint too long')
  }

  /** A length-prefixed byte string, checked against `max` and the bytes left before it is sliced. */
  varBytes (max: number, reason: RejectReason): Uint8Array {
    const len = this.varUint()
    if (len > max) throw new UpdateRejection(reason, `byte string of ${len} bytes over the limit ${max}`)
    if (len > this.bytes.length - this.pos) throw new UpdateRejection('malformed', 'byte string past the end')
    const out = this.bytes.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Parses a Yjs v1 update and refuses (throws {@link UpdateRejection}) anything an honest room log never produces:
 * a delete set with ranges, GC structs, any content but binary, map entries (parentSub), nested types, a root other
 * than `log`, frames over the size limit, trailing bytes, or more structs / clients than the limits.
 */
export function parseLogUpdate (update: Uint8Array, limits: ParseLimits = {}): ParsedUpdate {
  const maxBytes = limits.maxUpdateBytes ?? MAX_UPDATE_BYTES
  const maxStructs = limits.maxStructs ?? MAX_UPDATE_STRUCTS
  const maxClients = limits.maxClients ?? MAX_UPDATE_CLIENTS
  const maxFrame = limits.maxFrameBytes ?? MAX_FRAME_BYTES
  if (update.length > maxBytes) throw new UpdateRejection('oversized', `update of ${update.length} bytes over ${maxBytes}`)
  const c = new Cursor(update)
  const items: LogItem[] = []
  const skips: ParsedUpdate['skips'] = []
  const numClients = c.varUint()
  if (numClients > maxClients) throw new UpdateRejection('too-many-structs', `${numClients} clients in one update`)
  let structs = 0
  const seen = new Set<number>()
  for (let ci = 0; ci < numClients; ci++) {
    const numStructs = c.varUint()
    structs += numStructs
    // Every struct takes at least two bytes, so a count larger than the bytes left is a lie we need not walk.
    if (structs > maxStructs) throw new UpdateRejection('too-many-structs', `more than ${maxStructs} structs`)
    if (numStructs * 2 > update.length - c.pos) throw new UpdateRejection('malformed', 'struct count past the end')
    const client = c.varUint()
    if (client > 0xffff_ffff) throw new UpdateRejection('malformed', 'client id over u32')
    // Yjs keeps only the last block of a client named twice; honest encoders never do it, so neither do we.
    if (seen.has(client)) throw new UpdateRejection('malformed', 'client named twice')
    seen.add(client)
    let clock = c.varUint()
    for (let si = 0; si < numStructs; si++) {
      const info = c.u8()
      const ref = info & BITS5
      if (ref === REF_GC) throw new UpdateRejection('foreign-struct', 'GC struct (deleted content)')
      if (ref === REF_SKIP) {
        const len = c.varUint()
        if (len < 1) throw new UpdateRejection('malformed', 'empty skip')
        skips.push({ client, clock, len })
        clock += len
        continue
      }
      if (ref !== REF_BINARY) throw new UpdateRejection('foreign-struct', `item content ref ${ref} is not binary`)
      if ((info & BIT6) !== 0) throw new UpdateRejection('map-entry', 'item with a parentSub (map entry)')
      const origin = (info & BIT8) !== 0 ? { client: c.varUint(), clock: c.varUint() } : null
      const rightOrigin = (info & BIT7) !== 0 ? { client: c.varUint(), clock: c.varUint() } : null
      // Yjs assumes an origin of the same client lies before the item (causality) and crashes when it does not.
      if ((origin !== null && origin.client === client && origin.clock >= clock) ||
          (rightOrigin !== null && rightOrigin.client === client && rightOrigin.clock >= clock)) {
        throw new UpdateRejection('malformed', 'item whose own-client origin is not before it')
      }
      if (origin === null && rightOrigin === null) {
        // Without origins the parent is written out: 1 = a root type by name, 0 = a nested type by item id.
        const isRoot = c.varUint()
        if (isRoot !== 1) throw new UpdateRejection('nested-type', 'item inside a nested type')
        const name = c.varBytes(64, 'foreign-type')
        if (!equalBytes(name, LOG_NAME_BYTES)) throw new UpdateRejection('foreign-type', 'item in a root type other than log')
      }
      const frame = c.varBytes(maxFrame, 'oversized-frame')
      items.push({ client, clock, origin, rightOrigin, frame })
      clock += 1
    }
    if (clock > MAX_VAR_UINT) throw new UpdateRejection('malformed', 'clock overflow')
  }
  // Delete set: honest log updates carry an empty one (0 clients); clients listed with zero ranges are harmless.
  const dsClients = c.varUint()
  if (dsClients > maxClients) throw new UpdateRejection('delete-set', 'delete set too large')
  for (let i = 0; i < dsClients; i++) {
    c.varUint()
    const ranges = c.varUint()
    if (ranges > 0) throw new UpdateRejection('delete-set', 'update deletes content')
  }
  if (c.pos !== update.length) throw new UpdateRejection('malformed', 'trailing bytes after the delete set')
  return { items, skips }
}

// ── Writer ──────────────────────────────────────────────────────────────────────────────────────────────────

class Writer {
  private readonly parts: Uint8Array[] = []
  private buf = new Uint8Array(1024)
  private pos = 0
  length = 0

  private ensure (n: number): void {
    if (this.pos + n <= this.buf.length) return
    this.parts.push(this.buf.subarray(0, this.pos))
    this.buf = new Uint8Array(Math.max(1024 * 64, n))
    this.pos = 0
  }

  u8 (b: number): void { this.ensure(1); this.buf[this.pos++] = b; this.length++ }

  varUint (n: number): void {
    this.ensure(8)
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 128) | 0x80
      n = Math.floor(n / 128)
      this.length++
    }
    this.buf[this.pos++] = n
    this.length++
  }

  bytes (b: Uint8Array): void {
    this.varUint(b.length)
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
    this.length += b.length
  }

  finish (): Uint8Array {
    const out = new Uint8Array(this.length)
    let off = 0
    for (const p of this.parts) { out.set(p, off); off += p.length }
    out.set(this.buf.subarray(0, this.pos), off)
    return out
  }
}

/** Bytes one item takes in an update (upper bound: varuints counted at their widest). */
export function itemEncodedSize (item: LogItem): number {
  return 1 + 16 + 16 + 1 + LOG_NAME_BYTES.length + 5 + item.frame.length
}

/**
 * Encodes log items as one Yjs v1 update with an empty delete set. Items must be grouped by client with
 * contiguous clocks per run (a new run starts whenever the clock does not follow); Yjs accepts several runs of the
 * same client only in separate client blocks, so callers pass one contiguous run per client.
 */
export function encodeLogUpdate (runs: Array<{ client: number, items: LogItem[] }>): Uint8Array {
  const w = new Writer()
  const nonEmpty = runs.filter(r => r.items.length > 0)
  w.varUint(nonEmpty.length)
  for (const run of nonEmpty) {
    w.varUint(run.items.length)
    w.varUint(run.client)
    w.varUint((run.items[0] as LogItem).clock)
    for (const item of run.items) {
      const info = REF_BINARY | (item.origin !== null ? BIT8 : 0) | (item.rightOrigin !== null ? BIT7 : 0)
      w.u8(info)
      if (item.origin !== null) { w.varUint(item.origin.client); w.varUint(item.origin.clock) }
      if (item.rightOrigin !== null) { w.varUint(item.rightOrigin.client); w.varUint(item.rightOrigin.clock) }
      if (item.origin === null && item.rightOrigin === null) { w.varUint(1); w.bytes(LOG_NAME_BYTES) }
      w.bytes(item.frame)
    }
  }
  w.varUint(0)
  return w.finish()
}
