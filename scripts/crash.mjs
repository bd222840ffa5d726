#!/usr/bin/env node
// Crash consistency, long mode (issue 8, test 4): `kill -9` of a Node peer that appends to a room log, at random
// points, many times over the same data dir; after every kill the dir is reopened like a restarted peer would and
// every frame the child reported as stored (it prints `ack <id>` only once the append resolved, i.e. after fdatasync)
// must be there, and the store must open.
//
// Kill points are random: after 1-60 acknowledged appends (mid group commit), or after a random delay of 0-400 ms
// from spawn (during open, recovery of a torn tail, or compaction). The compaction threshold is random per cycle
// (8-200 records), so kills also land inside compactions.
//
//   node scripts/crash.mjs                 # short: 50 cycles
//   node scripts/crash.mjs --cycles 1000   # long mode (CRASH_CYCLES=1000 works too)
//
// Prints one JSON summary line; exits 1 on any lost acknowledged frame or store that fails to open.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runUnderNode22 } from './node22.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  runUnderNode22([fileURLToPath(import.meta.url), ...process.argv.slice(2)])
} else {
  await main()
}

async function main () {
  const argv = process.argv.slice(2)
  const flag = argv.indexOf('--cycles')
  const cycles = Number(flag >= 0 ? argv[flag + 1] : (process.env.CRASH_CYCLES ?? 50))
  const { openStorage } = await import(join(root, 'src/storage/node.ts'))
  const { openRoomLog } = await import(join(root, 'src/history/room-log.ts'))
  const { createRoomSecret, deriveRoomKeys } = await import(join(root, 'src/room/keys.ts'))
  const child = join(root, 'tests/unit/history/crash-child.ts')

  const dir = await mkdtemp(join(tmpdir(), 'cs-crash-long-'))
  const secret = createRoomSecret()
  const room = deriveRoomKeys(secret)
  const acked = new Set()
  const stats = { cycles: 0, acked: 0, lost: 0, openFailures: 0, killedByAcks: 0, killedByTime: 0, killedBeforeReady: 0, frames: 0, ms: 0 }
  const started = Date.now()
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      const compactAfter = 8 + Math.floor(Math.random() * 193)
      const byTime = Math.random() < 0.4
      const targetAcks = 1 + Math.floor(Math.random() * 60)
      const delayMs = Math.floor(Math.random() * 400)
      const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', child, dir, Buffer.from(secret).toString('hex'), String(compactAfter)], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      let ready = false
      proc.stderr.on('data', d => { stderr += d.toString() })
      const exited = new Promise(resolve => proc.once('exit', (code, signal) => resolve({ code, signal })))
      let buf = ''
      let cycleAcks = 0
      await new Promise((resolve, reject) => {
        const noProgress = setTimeout(() => reject(new Error(`child made no progress: ${stderr}`)), 20_000)
        const done = () => { clearTimeout(noProgress); clearTimeout(timer); resolve() }
        const timer = byTime ? setTimeout(done, delayMs) : undefined
        proc.stdout.on('data', d => {
          buf += d.toString()
          const lines = buf.split('\n')
          buf = lines.pop() ?? ''
          for (const line of lines) {
            if (line === 'ready') ready = true
            if (line.startsWith('ack ')) { acked.add(line.slice(4)); cycleAcks++ }
          }
          if (!byTime && cycleAcks >= targetAcks) done()
        })
        proc.once('exit', (code) => { clearTimeout(noProgress); clearTimeout(timer); reject(new Error(`child exited early (${code}): ${stderr}`)) })
      })
      proc.kill('SIGKILL')
      await exited
      if (byTime) { stats.killedByTime++; if (!ready) stats.killedBeforeReady++ } else stats.killedByAcks++
      let storage
      let log
      try {
        storage = await openStorage({ dir })
        log = await openRoomLog({ store: await storage.openRoom(room.roomIdText), roomId: room.roomId, writePublicKey: room.writePublicKey, compactAfterRecords: compactAfter })
      } catch (err) {
        stats.openFailures++
        process.stderr.write(`cycle ${cycle}: store failed to open: ${err.stack ?? err}\n`)
        await storage?.close().catch(() => {})
        break
      }
      const have = new Set(log.frames().map(f => Buffer.from(f.subarray(6, 22)).toString('hex')))
      const lost = [...acked].filter(id => !have.has(id))
      stats.frames = have.size
      if (lost.length > 0) {
        stats.lost += lost.length
        process.stderr.write(`cycle ${cycle}: ${lost.length} acknowledged frames lost (first ${lost[0]})\n`)
      }
      await log.close()
      await storage.close()
      stats.cycles++
      if (lost.length > 0) break
      if ((cycle + 1) % 50 === 0) process.stderr.write(`crash: ${cycle + 1}/${cycles} cycles, ${acked.size} acknowledged, 0 lost\n`)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  stats.acked = acked.size
  stats.ms = Date.now() - started
  process.stdout.write(JSON.stringify({ test: 'crash-node', ...stats }) + '\n')
  process.exit(stats.lost === 0 && stats.openFailures === 0 && stats.cycles === cycles ? 0 : 1)
}
