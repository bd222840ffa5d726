/**
 * The rescue copy of the device database (web/src/state/device-db.ts: identity seed, local profile), in Cache Storage
 * beside IndexedDB (src/storage/rescue-copy.ts says why: Chromium can delete an origin's whole IndexedDB store at a
 * startup after a crash). Values are bytes (tag 1) or JSON (tag 2).
 */
import { cacheRescueCopy } from '../../../src/storage/rescue-copy.ts'

const copy = cacheRescueCopy('device')
let records: Promise<Map<string, Uint8Array>> | undefined

function encode (value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array([1, ...value])
  const json = new TextEncoder().encode(JSON.stringify(value))
  const out = new Uint8Array(json.length + 1)
  out[0] = 2
  out.set(json, 1)
  return out
}

function decode (bytes: Uint8Array): unknown {
  if (bytes[0] === 1) return bytes.slice(1)
  if (bytes[0] === 2) return JSON.parse(new TextDecoder().decode(bytes.subarray(1))) as unknown
  return undefined
}

/**
 * Keeps each value (undefined: removes the key) in the copy, written once for all of them; never throws (the
 * database has them already).
 */
export async function rescueDeviceValues (entries: ReadonlyArray<readonly [string, unknown]>): Promise<void> {
  try {
    records ??= copy.read()
    const map = await records
    for (const [key, value] of entries) {
      if (value === undefined) map.delete(key)
      else map.set(key, encode(value))
    }
    await copy.write(map)
  } catch { records = undefined } // no Cache Storage here: only the copy is missing
}

/** The values of the copy (empty when there is none). */
export async function rescuedDeviceValues (): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>()
  try {
    records ??= copy.read()
    for (const [k, v] of await records) {
      const value = decode(v)
      if (value !== undefined) out.set(k, value)
    }
  } catch { records = undefined } // none readable
  return out
}
