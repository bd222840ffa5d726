/**
 * kill -9 while appending: every frame the child reported as stored is there after reopening, and the file always
 * opens. CHATSPHERE_CRASH_CYCLES sets the number of kill/reopen cycles (default 20; use hundreds for a long run).
 */
import { describe, it, expect, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openStorage } from '../../../src/storage/node.ts'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'

const CYCLES = Number(process.env.CHATSPHERE_CRASH_CYCLES ?? 20)
const child = join(dirname(fileURLToPath(import.meta.url)), 'crash-child.ts')

describe('kill -9 while appending', () => {
  const dirs: string[] = []
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })

  it(`keeps every acknowledged frame over ${CYCLES} kill/reopen cycles`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-crash-'))
    dirs.push(dir)
    const secret = createRoomSecret()
    const room = deriveRoomKeys(secret)
    const acked = new Set<string>()
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const target = 1 + Math.floor(Math.random() * 40)
      const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', child, dir, Buffer.from(secret).toString('hex'), '60'], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      proc.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
      const exited = new Promise<number | null>(resolve => proc.once('exit', code => resolve(code)))
      let buf = ''
      let cycleAcks = 0
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child made no progress: ${stderr}`)), 15_000)
        proc.stdout.on('data', (d: Buffer) => {
          buf += d.toString()
          const lines = buf.split('\n')
          buf = lines.pop() ?? ''
          for (const line of lines) {
            if (line.startsWith('ack ')) { acked.add(line.slice(4)); cycleAcks++ }
          }
          if (cycleAcks >= target) { clearTimeout(timer); resolve() }
        })
        proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`child exited early (${code}): ${stderr}`)) })
      })
      proc.kill('SIGKILL')
      await exited // reaped: its pid is no longer alive, so its LOCK is stale
      // Reopen like a restarted peer would and check every acknowledged frame.
      const storage = await openStorage({ dir })
      const log = await openRoomLog({ store: await storage.openRoom(room.roomIdText), roomId: room.roomId, writePublicKey: room.writePublicKey, compactAfterRecords: 60 })
      const have = new Set(log.frames().map(f => Buffer.from(f.subarray(6, 22)).toString('hex')))
      const lost = [...acked].filter(id => !have.has(id))
      expect(lost, `cycle ${cycle}: acknowledged frames lost`).toEqual([])
      await log.close()
      await storage.close()
    }
    expect(acked.size).toBeGreaterThanOrEqual(CYCLES)
  }, 60_000 + CYCLES * 3_000)
})
