/**
 * P6 breakdown (issue 4): where a cold open of an N-message room from a Node data directory spends its time, each
 * stage timed on its own in a fresh process (no JIT warmed by sealing, as after a restart). The room (sealed once,
 * compacted, with its tail cache and opened-frames record as a normal session leaves them) is kept in a fixture
 * directory so A/B runs do not reseal 100k messages each time.
 * Run: node scripts/node22.mjs bench/history-p6.ts   (BENCH_HISTORY_N, default 100000; BENCH_P6_FIXTURE=<dir> to keep
 * and reuse the fixture; BENCH_P6_RUNS=3 measuring processes, one after the other; BENCH_P6_CHAT=0 skips the cold
 * start of a Chat on the same room, whose fixture takes ~40 s to make: an import verifies every frame). The chat runs
 * alternate the plain open and the tail-first open (ChatInit.tailFirst, as the web app opens) in the same minutes.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { printTable, writeResults } from './lib/report.ts'
import type { Row } from './lib/report.ts'

const N = Number(process.env.BENCH_HISTORY_N ?? 100_000)
const RUNS = Number(process.env.BENCH_P6_RUNS ?? 3)
const keep = process.env.BENCH_P6_FIXTURE
const fixture = keep ?? mkdtempSync(join(tmpdir(), 'cs-p6-'))
const here = fileURLToPath(new URL('.', import.meta.url))
const child = (script: string, ...args: string[]): string => {
  const r = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', '--expose-gc', join(here, 'lib', script), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 })
  if (r.status !== 0) throw new Error(`${script} exited with ${r.status}`)
  return r.stdout
}
try {
  if (!existsSync(join(fixture, 'secret'))) {
    const t0 = performance.now()
    child('p6-fixture.ts', fixture, String(N))
    console.log(`fixture of ${N} messages in ${fixture} made in ${Math.round(performance.now() - t0)} ms`)
  }
  const rows: Row[] = []
  const cpuRows: Row[] = []
  // BENCH_P6_LOG=0 skips these log-level runs (A/B runs of the chat open only).
  for (let i = 0; i < (process.env.BENCH_P6_LOG === '0' ? 0 : RUNS); i++) {
    const load = (loadavg()[0] ?? 0).toFixed(2)
    const r = JSON.parse(child('p6-open.ts', fixture)) as { wall: Record<string, number>, cpu: Record<string, number> }
    rows.push({ run: i + 1, ...r.wall, loadAvg1m: load })
    cpuRows.push({ run: i + 1, ...r.cpu, loadAvg1m: load })
  }
  printTable(`P6 breakdown: cold open of a ${N}-message room (Node, compacted file), wall ms since the open started`, rows)
  printTable('the same runs, CPU ms of the process (all threads) since the open started', cpuRows)
  // The same room opened by the app, alternating (A, B, A, B) the plain open (`createChat` decrypts every message
  // before it hands out the room; the last 50 are readable only then) and the tail-first open of the web app
  // (ChatInit.tailFirst: the last messages shown before at once, the rest in the background).
  const chatRows: Row[] = []
  if (process.env.BENCH_P6_CHAT !== '0') {
    if (!existsSync(join(fixture, 'chat'))) {
      const t0 = performance.now()
      child('p6-chat-fixture.ts', fixture)
      console.log(`chat fixture (import of the room, every frame verified) made in ${Math.round(performance.now() - t0)} ms`)
    }
    type ChatRun = { mode: string, loadingAtStart: boolean, wall: { createChat: number, last50: number, allMessages: number }, cpu: { createChat: number, last50: number, allMessages: number }, last50: string, finalLast50: string, all: string }
    // A fixture made before the shown-tail record existed gets it from one tail-first session (not measured).
    const primed = JSON.parse(child('p6-chat-open.ts', fixture, 'tail')) as ChatRun
    const finals = new Set<string>()
    for (let i = 0; i < RUNS; i++) {
      for (const mode of ['plain', 'tail']) {
        const load = (loadavg()[0] ?? 0).toFixed(2)
        const r = JSON.parse(child('p6-chat-open.ts', fixture, mode)) as ChatRun
        finals.add(r.all)
        chatRows.push({
          run: i + 1,
          mode,
          earlyView: r.loadingAtStart ? 'yes' : 'no',
          createChatMs: r.wall.createChat,
          last50Ms: r.wall.last50,
          allMs: r.wall.allMessages,
          last50CpuMs: r.cpu.last50,
          allCpuMs: r.cpu.allMessages,
          early50IsFinal50: r.last50 === r.finalLast50 ? 'yes' : 'NO',
          loadAvg1m: load
        })
      }
    }
    printTable(`P6 through the app: createChat + messages() of the ${N}-message room, plain vs tail-first (wall and CPU ms since the start)`, chatRows)
    console.log(`final message lists: ${finals.size === 1 ? 'identical in every run of both modes' : `DIFFER (${finals.size} digests)`}${primed.loadingAtStart ? '' : ' (the priming run found no shown-tail record)'}`)
  }
  console.log(`wrote ${writeResults('history-p6', { messages: N, wall: rows, cpu: cpuRows, chat: chatRows })}`)
} finally {
  if (keep === undefined) rmSync(fixture, { recursive: true, force: true })
}
