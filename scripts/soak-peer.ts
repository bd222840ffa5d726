/**
 * One soak peer (child process of bench/soak.ts): a real chat peer (createChat, file storage in a data dir, libp2p
 * on loopback through the relay address it is given) driven by JSON lines on stdin, reporting JSON lines on stdout.
 *
 * argv: <data dir> <relay multiaddr>
 * stdin:  {"op":"create","name"} | {"op":"join","invite"} | {"op":"leave","room"} | {"op":"send","room","text","t0"} | {"op":"stats"}
 * stdout: {"ev":"ready"} | {"ev":"room","id","invite"} | {"ev":"sent","id","t0"} | {"ev":"msg","ids":[...],"at"} |
 *         {"ev":"stats","heap","rss","fds"} | {"ev":"error","op","message"}
 */
import { readdirSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createChat } from '../src/index.ts'

const [dataDir, relay] = process.argv.slice(2) as [string, string]
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const out = (o: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(o) + '\n') }

const chat = await createChat({ dataDir, relays: [relay], mdns: false, webrtc: false, listen: [] })
chat.addEventListener('message', (e) => {
  const ids = e.detail.messages.filter(m => m.authorId !== chat.user.userId).map(m => m.id)
  if (ids.length > 0) out({ ev: 'msg', ids, at: Date.now() })
})
out({ ev: 'ready', userId: chat.user.userId })

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  const cmd = JSON.parse(line) as { op: string, name?: string, invite?: string, room?: string, text?: string, t0?: number }
  const run = async (): Promise<void> => {
    switch (cmd.op) {
      case 'create': { const r = await chat.createRoom(cmd.name as string); out({ ev: 'room', id: r.id, invite: r.invite }); break }
      case 'join': { const r = await chat.joinRoom(cmd.invite as string); out({ ev: 'room', id: r.id, invite: r.invite }); break }
      case 'leave': await chat.leaveRoom(cmd.room as string); out({ ev: 'left', room: cmd.room }); break
      case 'send': { const s = await chat.send(cmd.room as string, cmd.text as string); out({ ev: 'sent', id: s.id, t0: cmd.t0 }); break }
      case 'stats': gc(); out({ ev: 'stats', heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, fds: readdirSync('/proc/self/fd').length }); break
      case 'stop': await chat.close(); process.exit(0)
    }
  }
  run().catch((err: Error) => { out({ ev: 'error', op: cmd.op, message: err.message }) })
})
lines.on('close', () => { void chat.close().then(() => process.exit(0)) })
