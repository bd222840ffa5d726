// Crash-test diagnostics on a Chromium profile: how the IndexedDB LevelDB log ends after a kill, and which processes
// still hold files of the profile (read from /proc, Linux only).
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** LevelDB log format (db/log_format.h): 32 KiB blocks, records with a 7-byte header (crc32c, u16 length, type). */
const BLOCK = 32768
const HEADER = 7

/** How a LevelDB log file ends. */
export interface LogTail {
  file: string
  size: number
  /**
   * clean: ends on a record boundary. torn-header: ends with a complete header and none of its payload (the writer
   * died between its two write() calls). torn-payload: part of the payload. torn-partial-header: part of a header.
   */
  state: 'clean' | 'torn-header' | 'torn-payload' | 'torn-partial-header'
  /** Payload length the last (torn) header claims. */
  claims?: number
}

/** Walks the record headers of one LevelDB log file (the same framing LevelDB's log::Reader reads). */
export function logTail (path: string): LogTail {
  const buf = readFileSync(path)
  let pos = 0
  while (pos < buf.length) {
    const left = BLOCK - (pos % BLOCK)
    if (left < HEADER) { pos += left; continue } // block trailer (zero filled)
    if (pos + HEADER > buf.length) return { file: path, size: buf.length, state: 'torn-partial-header' }
    const length = (buf[pos + 4] as number) | ((buf[pos + 5] as number) << 8)
    if (pos + HEADER + length > buf.length) {
      return { file: path, size: buf.length, state: pos + HEADER === buf.length ? 'torn-header' : 'torn-payload', claims: length }
    }
    pos += HEADER + length
  }
  return { file: path, size: buf.length, state: 'clean' }
}

/** The profile's IndexedDB LevelDB directories (one per origin). */
export function indexedDbStores (profileDir: string): string[] {
  const dir = join(profileDir, 'Default', 'IndexedDB')
  try {
    return readdirSync(dir).filter(n => n.endsWith('.indexeddb.leveldb')).map(n => join(dir, n))
  } catch { return [] }
}

/** The tail of the newest log of a LevelDB directory (undefined without one). */
export function storeLogTail (storeDir: string): LogTail | undefined {
  const logs = readdirSync(storeDir).filter(n => /^\d+\.log$/.test(n)).sort()
  const last = logs[logs.length - 1]
  return last === undefined ? undefined : logTail(join(storeDir, last))
}

/** What Chromium left in a LevelDB directory: file names with sizes, the end of its LOG, and corruption_info.json. */
export function describeStore (storeDir: string): string {
  const files = readdirSync(storeDir).map(n => `${n}(${statSync(join(storeDir, n)).size})`).join(' ')
  const read = (n: string): string => { try { return readFileSync(join(storeDir, n), 'utf8').trim().split('\n').slice(-6).join(' | ') } catch { return '(none)' } }
  return `files: ${files}\n  LOG: ${read('LOG')}\n  LOG.old: ${read('LOG.old')}\n  corruption_info.json: ${read('corruption_info.json')}`
}

/** Processes (any, not only Chromium's) with an open file descriptor under `dir`, with their command names. */
export function processesHolding (dir: string): Array<{ pid: number, comm: string, files: string[] }> {
  const out: Array<{ pid: number, comm: string, files: string[] }> = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const files: string[] = []
    try {
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        try {
          const target = readlinkSync(`/proc/${entry}/fd/${fd}`)
          if (target.startsWith(dir)) files.push(target.slice(dir.length))
        } catch { /* closed meanwhile */ }
      }
    } catch { continue } // gone, or not ours to read
    if (files.length > 0) {
      let comm = '?'
      try { comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim() } catch { /* gone */ }
      out.push({ pid: Number(entry), comm, files })
    }
  }
  return out
}
