/**
 * Peer worker of benchmarks P1–P3: runs `count` chat peers in this process, each in its own data dir, joined to one
 * room through one relay, and prints one JSON line per received message (`{ r, peer, seq, sentAt, at }`, times in ms
 * from performance.timeOrigin, comparable across processes of one machine). Prints `{ ready }` once every peer is
 * connected and synced. Ends on SIGTERM.
 *
 * argv: <relay url> <invite> <count> <data dir> [quiet: only count receipts]
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createChat } from '../src/index.ts'
import type { Chat } from '../src/index.ts'

const [relay, invite, countText, dataDir, mode] = process.argv.slice(2)
if (relay == null || invite == null || dataDir == null) throw new Error('usage: p2-worker <relay> <invite> <count> <dir>')
const count = Number(countText ?? '1')
const now = (): number => performance.timeOrigin + performance.now()
const chats: Chat[] = []
const out: string[] = []
let flushTimer: ReturnType<typeof setTimeout> | undefined
const emit = (line: string): void => {
  out.push(line)
  flushTimer ??= setTimeout(() => { flushTimer = undefined; process.stdout.write(out.splice(0).join('\n') + '\n') }, 5)
}

for (let i = 0; i < count; i++) {
  const dir = join(dataDir, `peer-${i}`)
  await mkdir(dir, { recursive: true })
  const chat = await createChat({ dataDir: dir, relays: [relay], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'], displayName: `peer${i}` })
  const room = await chat.joinRoom(invite)
  chat.addEventListener('message', (e) => {
    const at = now()
    for (const m of e.detail.messages) {
      const [seq, sentAt] = m.text.split(':')
      if (sentAt == null) continue
      emit(mode === 'quiet' ? `{"r":1,"peer":${i},"seq":${seq},"at":${at.toFixed(3)}}` : JSON.stringify({ r: 1, peer: i, seq: Number(seq), sentAt: Number(sentAt), at }))
    }
  })
  await chat.waitForRelay(20_000)
  await chat.waitForRelaySync(room.id, 20_000)
  chats.push(chat)
}
process.stdout.write(JSON.stringify({ ready: count }) + '\n')

await new Promise<void>(resolve => process.once('SIGTERM', () => resolve()))
for (const c of chats) await c.close()
await rm(dataDir, { recursive: true, force: true })
process.exit(0)
