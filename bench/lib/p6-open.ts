/**
 * One cold open of the P6 fixture (bench/history-p6.ts) in a fresh process; prints a JSON object of times in ms
 * since the start of the open (`wall`), and CPU ms of the process since then (`cpu`). Usage: p6-open.ts <dir>
 *   storage      openStorage + openRoom (lock, header check)
 *   tail50       the last 50 messages from the tail cache opened with every check (what a UI shows first)
 *   load         the store's load resolved (file read, record checksums)
 *   open         openRoomLog resolved (Yjs doc built, read view indexed): any frame can be read from the log
 *   last50       the log's last 50 frames opened with every check
 *   cache        the opened-frames record loaded
 *   allOpened    every message decrypted and decoded (re-opened through the opened-frames cache, as the chat does)
 */
import { readFileSync } from 'node:fs'
import { openRoomLog } from '../../src/history/room-log.ts'
import { openStorage } from '../../src/storage/node.ts'
import { deriveRoomKeys } from '../../src/room/keys.ts'
import { openFrame } from '../../src/envelope/index.ts'
import { fromHex } from '../../src/crypto/encoding.ts'
import { loadOpenedFrames } from '../../src/history/opened-frames.ts'

const dir = process.argv[2] as string
const room = deriveRoomKeys(fromHex(readFileSync(`${dir}/secret`, 'utf8')))
const r: Record<string, number> = {}
const cpu: Record<string, number> = {}
const t0 = performance.now()
const c0 = process.cpuUsage()
// Wall time, and CPU time of the process (all threads) since the start: on a loaded machine the wall time mostly
// measures the other processes, the CPU time what this open costs.
const mark = (k: string): void => {
  r[k] = Math.round((performance.now() - t0) * 10) / 10
  const c = process.cpuUsage(c0)
  cpu[k] = Math.round((c.user + c.system) / 100) / 10
}
const decrypt = async (frames: Uint8Array[]): Promise<void> => { await Promise.all(frames.map(async f => await openFrame(f, room))) }
const storage = await openStorage({ dir })
const inner = await storage.openRoom(room.roomIdText)
mark('storage')
const store = { ...inner, load: async () => { const x = await inner.load(); mark('load'); return x } }
const log = await openRoomLog({ store, roomId: room.roomId, writePublicKey: room.writePublicKey, onTail: async (tail) => { await decrypt(tail.slice(-50)); mark('tail50') } })
mark('open')
await decrypt(log.frames(-50))
mark('last50')
const opened = await loadOpenedFrames(storage, room.roomIdText)
mark('cache')
let full = 0
let n = 0
for (const f of log.frames()) { await opened.open(f, room, async () => { full++; return await openFrame(f, room) }); n++ }
mark('allOpened')
if (full > 0 || n !== log.length) throw new Error(`${full} frames missed the cache; ${n} of ${log.length}`)
await log.close()
await storage.close()
console.log(JSON.stringify({ wall: r, cpu }))
