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
import { open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { warmVerifyWorkers } from '#verify-batch'
import { createChat } from '../src/index.ts'

const [dataDir, relay] = process.argv.slice(2) as [string, string]
// SOAK_NO_FSYNC=1, a measurement only (what fdatasync costs the soak): every FileHandle.datasync becomes a no-op.
if (process.env.SOAK_NO_FSYNC === '1') {
  const fh = await open(join(tmpdir(), `soak-probe-${process.pid}`), 'w')
  Object.getPrototypeOf(fh).datasync = async () => {}
  await fh.close()
  await rm(join(tmpdir(), `soak-probe-${process.pid}`))
}
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const out = (o: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(o) + '\n') }

const chat = await createChat({ dataDir, relays: [relay], mdns: false, webrtc: false, listen: [] })
// A peer's signature worker thread starts with its first batch of 16+ signatures (typically the first sync after a
// churn): a one-time step of 5 descriptors and ~14 MB that the short run's slopes would read as growth. Started now.
await warmVerifyWorkers()
// Read once: the `user` getter derives the id (a hash) on every call, ~1% of a peer's CPU when read per message.
const me = chat.user.userId
chat.addEventListener('message', (e) => {
  const ids = e.detail.messages.filter(m => m.authorId !== me).map(m => m.id)
  if (ids.length > 0) out({ ev: 'msg', ids, at: Date.now() })
})
// Why a peer is slow, reported with each stats line: CPU it used, how long its event loop was held up, and the extra
// work the network asked of it (sync sessions, drops by reason).
const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()
let syncs = 0
const dropped: Record<string, number> = {}
chat.addEventListener('sync', () => { syncs++ })
chat.addEventListener('dropped', (e) => { dropped[e.detail.reason] = (dropped[e.detail.reason] ?? 0) + 1 })
out({ ev: 'ready', userId: me })

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  const cmd = JSON.parse(line) as { op: string, name?: string, invite?: string, room?: string, text?: string, t0?: number, gc?: boolean }
  const run = async (): Promise<void> => {
    switch (cmd.op) {
      case 'create': { const r = await chat.createRoom(cmd.name as string); out({ ev: 'room', id: r.id, invite: r.invite }); break }
      case 'join': { const r = await chat.joinRoom(cmd.invite as string); out({ ev: 'room', id: r.id, invite: r.invite }); break }
      case 'leave': await chat.leaveRoom(cmd.room as string); out({ ev: 'left', room: cmd.room }); break
      case 'send': { const s = await chat.send(cmd.room as string, cmd.text as string); out({ ev: 'sent', id: s.id, t0: cmd.t0 }); break }
      case 'stats': {
        const g0 = performance.now()
        if (cmd.gc === true) gc()
        const gcMs = performance.now() - g0
        const cpu = process.cpuUsage()
        out({ ev: 'stats', heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss, fds: readdirSync('/proc/self/fd').length, cpu: (cpu.user + cpu.system) / 1e6, sys: cpu.system / 1e6, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6, syncs, dropped, conns: chat.connections().length, gcMs })
        loop.reset()
        break
      }
      case 'stop': await chat.close(); process.exit(0)
    }
  }
  run().catch((err: Error) => { out({ ev: 'error', op: cmd.op, message: err.message }) })
})
lines.on('close', () => { void chat.close().then(() => process.exit(0)) })
