/**
 * Room archives: a portable file with a room's whole encrypted history, for `exportRoom` / `importRoom`.
 *
 * The archive holds the room secret (so a fresh device can join and read it: the file is as secret as an invite link)
 * and the log as the same Yjs update chunks a catch-up sync sends. Importing applies every chunk through the log's
 * `applyRemote` — the guard and frame verification that every network update passes — and the opened frames then go
 * through `openFrame` like any other. Format: PROTOCOL.md, "Room archives".
 */
import {
  MAX_ROOM_ARCHIVE_BYTES, MAX_ROOM_ARCHIVE_UPDATES, MAX_ROOM_NAME_BYTES, MAX_UPDATE_BYTES, ROOM_ARCHIVE_VERSION, ROOM_SECRET_BYTES
} from '../constants.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import { MalformedError, OversizedError } from '../errors.ts'
import type { RoomLog } from '../history/room-log.ts'

/** Marks a room archive (the `t` field) so other CBOR files are refused with a clear message. */
export const ROOM_ARCHIVE_TYPE = 'chatsphere-room'

/** The decoded contents of a room archive. */
export interface RoomArchive {
  /** Room name as the exporting device knew it. */
  name: string
  /** The room secret (ROOM_SECRET_BYTES): whoever holds the archive can join and read the room. */
  secret: Uint8Array
  /** Yjs update chunks of the room log (each checked by the guard on import). */
  updates: Uint8Array[]
  /** Export time (ms, exporter's clock); informational. */
  exportedAt: number
}

/** An empty Yjs state vector (zero clients): `missingFor` it returns the whole log. */
const EMPTY_STATE_VECTOR = new Uint8Array([0])

/** The whole log of a room as update chunks, the same a sync with an empty peer sends. */
export function archiveUpdates (log: RoomLog): Uint8Array[] {
  return log.missingFor(EMPTY_STATE_VECTOR)
}

/** Encodes a room archive (canonical CBOR). */
export function encodeRoomArchive (archive: RoomArchive): Uint8Array {
  return encodeCbor({ v: ROOM_ARCHIVE_VERSION, t: ROOM_ARCHIVE_TYPE, n: archive.name, s: archive.secret, u: archive.updates, x: archive.exportedAt })
}

const utf8 = new TextEncoder()

/**
 * Decodes a room archive. Sizes and counts are checked before anything is allocated (the CBOR reader counts items
 * as it goes). Throws OversizedError or MalformedError; the updates themselves are only checked on import.
 */
export function decodeRoomArchive (bytes: Uint8Array): RoomArchive {
  if (!(bytes instanceof Uint8Array)) throw new MalformedError('a room archive is bytes')
  if (bytes.length > MAX_ROOM_ARCHIVE_BYTES) throw new OversizedError(`room archive of ${bytes.length} bytes over ${MAX_ROOM_ARCHIVE_BYTES}`)
  const value = decodeCbor(bytes, { maxBytes: MAX_ROOM_ARCHIVE_BYTES, maxItems: MAX_ROOM_ARCHIVE_UPDATES + 32, maxDepth: 3 })
  if (!isMap(value)) throw new MalformedError('not a room archive')
  if (value.t !== ROOM_ARCHIVE_TYPE) throw new MalformedError('not a ChatSphere room archive')
  if (value.v !== ROOM_ARCHIVE_VERSION) throw new MalformedError(`room archive version ${String(value.v)} is not supported`)
  const { n: name, s: secret, u: updates, x: exportedAt } = value
  if (typeof name !== 'string' || name.length === 0 || utf8.encode(name).length > MAX_ROOM_NAME_BYTES) throw new MalformedError('room archive: bad room name')
  if (!(secret instanceof Uint8Array) || secret.length !== ROOM_SECRET_BYTES) throw new MalformedError('room archive: bad room secret')
  if (!Array.isArray(updates)) throw new MalformedError('room archive: updates must be a list')
  if (updates.length > MAX_ROOM_ARCHIVE_UPDATES) throw new OversizedError(`room archive: more than ${MAX_ROOM_ARCHIVE_UPDATES} updates`)
  for (const u of updates) {
    if (!(u instanceof Uint8Array) || u.length === 0) throw new MalformedError('room archive: an update is not bytes')
    if (u.length > MAX_UPDATE_BYTES) throw new OversizedError(`room archive: an update of ${u.length} bytes over ${MAX_UPDATE_BYTES}`)
  }
  if (typeof exportedAt !== 'number' || !Number.isSafeInteger(exportedAt) || exportedAt < 0) throw new MalformedError('room archive: bad export time')
  return { name, secret, updates: updates as Uint8Array[], exportedAt }
}

/** What an import did. */
export interface ImportResult {
  /** Messages new to the log. */
  added: number
  /** Update chunks the guard refused (nothing of them applied). */
  rejected: number
  /** Refusal reasons (error names), counted. */
  reasons: Record<string, number>
}

/**
 * Applies an archive's updates to a room log through `applyRemote` (the network path). A refused chunk is counted
 * and skipped; the others still apply (an archive damaged in one place keeps the rest of its history).
 */
export async function importUpdates (log: RoomLog, updates: readonly Uint8Array[], origin: unknown): Promise<ImportResult> {
  const result: ImportResult = { added: 0, rejected: 0, reasons: {} }
  for (const update of updates) {
    try {
      result.added += (await log.applyRemote(update, origin)).length
    } catch (err) {
      result.rejected++
      const reason = err instanceof Error ? ((err as { reason?: string }).reason ?? err.name) : 'unknown'
      result.reasons[reason] = (result.reasons[reason] ?? 0) + 1
    }
  }
  return result
}
