/**
 * A cold start of the P6 fixture's chat (p6-chat-fixture.ts) in a fresh process, as an app starts: `createChat` opens
 * the stored rooms (every message decrypted through the opened-frames cache before a room is handed out), then the
 * room's messages are read (`messages()`, the folded read model a UI shows). Prints wall and process CPU ms since the
 * start. Usage: p6-chat-open.ts <dir>
 */
import { join } from 'node:path'
import { createChat } from '../../src/index.ts'

const dir = process.argv[2] as string
const wall: Record<string, number> = {}
const cpu: Record<string, number> = {}
const t0 = performance.now()
const c0 = process.cpuUsage()
const mark = (k: string): void => {
  wall[k] = Math.round((performance.now() - t0) * 10) / 10
  const c = process.cpuUsage(c0)
  cpu[k] = Math.round((c.user + c.system) / 100) / 10
}
const chat = await createChat({ dataDir: join(dir, 'chat'), offline: true })
mark('createChat')
const room = chat.rooms()[0]
if (room === undefined) throw new Error('no room in the fixture chat')
const last = chat.messages(room.id, { limit: 50 })
mark('last50')
const all = chat.messages(room.id)
mark('allMessages')
if (last.length !== 50 || all.length < 50) throw new Error(`read ${last.length} / ${all.length} messages`)
await chat.close()
console.log(JSON.stringify({ wall, cpu, messages: all.length }))
