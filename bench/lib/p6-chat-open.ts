/**
 * A cold start of the P6 fixture's chat (p6-chat-fixture.ts) in a fresh process, as an app starts, in one of two modes:
 * - `plain` (the default, as the CLI opens): `createChat` opens the stored rooms (every message decrypted through the
 *   opened-frames cache before a room is handed out), then the room's messages are read (`messages()`, the folded read
 *   model a UI shows);
 * - `tail` (`ChatInit.tailFirst`): `createChat` returns once the room shows the last messages this device showed
 *   before (its shown-tail record), and opens the rest in the background; `loaded` then says all are readable;
 * - `tail-online`: the same with the network on (loopback listener, no mDNS, no relay), started before createChat
 *   returns (the web app's start before ChatInit.networkInBackground);
 * - `app` (as the web app starts now): `tail-online` with `networkInBackground`: createChat returns before libp2p
 *   starts; `network` is when it is up.
 * Prints wall and process CPU ms since the start, whether the room was still loading when `createChat` returned, and
 * digests of the last 50 read first and of the whole final list (so the two modes can be compared: same final state,
 * and the early last 50 equal to the final last 50). Usage: p6-chat-open.ts <dir> [plain|tail|tail-online|app]
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { createChat } from '../../src/index.ts'
import type { MessageView } from '../../src/index.ts'

const dir = process.argv[2] as string
const mode = ['tail', 'tail-online', 'app'].includes(process.argv[3] ?? '') ? process.argv[3] as string : 'plain'
const online = mode === 'tail-online' || mode === 'app'
const wall: Record<string, number> = {}
const cpu: Record<string, number> = {}
const t0 = performance.now()
const c0 = process.cpuUsage()
const mark = (k: string): void => {
  wall[k] = Math.round((performance.now() - t0) * 10) / 10
  const c = process.cpuUsage(c0)
  cpu[k] = Math.round((c.user + c.system) / 100) / 10
}
const digest = (views: MessageView[]): string => createHash('sha256').update(JSON.stringify(views, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))).digest('hex').slice(0, 16)
const chat = await createChat({
  dataDir: join(dir, 'chat'),
  tailFirst: mode !== 'plain',
  ...(online ? { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, relays: [], networkInBackground: mode === 'app' } : { offline: true })
})
mark('createChat')
const network = online ? chat.waitForNetwork().then(() => { mark('network') }) : undefined
const room = chat.rooms()[0]
if (room === undefined) throw new Error('no room in the fixture chat')
const loadingAtStart = chat.roomLoading(room.id)
const last = chat.messages(room.id, { limit: 50 })
mark('last50')
await chat.waitForRoomLoaded(room.id)
const all = chat.messages(room.id)
mark('allMessages')
await network
if (last.length !== 50 || all.length < 50) throw new Error(`read ${last.length} / ${all.length} messages`)
const finalLast = all.slice(-50)
await chat.close()
console.log(JSON.stringify({ mode, loadingAtStart, wall, cpu, messages: all.length, last50: digest(last), finalLast50: digest(finalLast), all: digest(all) }))
