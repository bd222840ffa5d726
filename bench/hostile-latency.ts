/**
 * Honest delivery latency under a hostile flood (issue 8, test 1): the scenario of
 * tests/integration/hostile-flood.test.ts, timed. Ana sends probe messages to Ben (send → Ben's `message` event,
 * through a real relay process) before, during and after an outsider's flood: 12 classes × HOSTILE_PER_CLASS bad
 * frames at the relay and at Ana, repeated HOSTILE_ROUNDS times, each round from 12 fresh identities with fresh
 * frames (a Sybil attacker coming back under a new peer id each time it is cut off; one round is the test's 10,008
 * frames). Prints p50/p99 of each phase and the p99 ratio attack / baseline (target ≤ 2).
 *
 *   node scripts/node22.mjs bench/hostile-latency.ts               # 834 per class × 6 rounds, ~2 min
 *   HOSTILE_ROUNDS=1 HOSTILE_BASELINE=200 node scripts/node22.mjs bench/hostile-latency.ts   # one round, short
 *
 * Knobs: HOSTILE_PER_CLASS (834), HOSTILE_ROUNDS (6), HOSTILE_BASELINE probes before (600) and HOSTILE_AFTER after
 * (300), HOSTILE_PROBE_MS (50: one probe due every 50 ms, 20 a second, sent on schedule whether or not the previous
 * one arrived, each timed from when it was due), HOSTILE_SUB_MALFORMED=1 (the subscription flood names arbitrary
 * strings, not well-formed topics of no room), HOSTILE_PIN (default 1: on Linux with 2+ cores the attacker is pinned
 * to the last core and the relay and honest peers to the others, as if the attacker ran on a machine of its own: its
 * own CPU work, building and signing 60,000 frames, then does not take the honest processes' CPU while all it sends
 * still reaches them; HOSTILE_PIN=0: every process on every core, the attacker competing for them),
 * HOSTILE_PAUSE_MS (3000: a quiet stretch between rounds; the probes in it, from 1 s in, are compared with those due
 * during the classes, the same minutes of the same run: "interleaved"), HOSTILE_OUT=<file> (the whole report as
 * JSON, for A/B comparisons).
 * With the defaults the attack phase holds ~500-700 probes, so its p99 is the ~6th slowest, not the maximum.
 *
 * Everything (relay, two honest peers, attacker) runs on this machine: numbers on a loaded machine are noisy (the
 * load average is printed at the start and the end). To tell the attack's own cost from a busy machine it also
 * prints, per phase (baseline, attack, after), the honest process' event-loop delay, a write+fdatasync probe, and the
 * CPU share of the honest process, the relay and the attacker; per attack class the probes due while that class was
 * sent (its identity dialling, subscribing and publishing) with their p50/p99, and the CPU each process spent then;
 * and the slowest probes with the class being sent.
 */
import { loadavg } from 'node:os'
import { writeFileSync } from 'node:fs'
import { cleanupDirs } from '../tests/integration/support/processes.ts'
import { percentile, runHostileScenario } from '../tests/integration/support/hostile-scenario.ts'

const perClass = Number(process.env.HOSTILE_PER_CLASS ?? 834)
const rounds = Number(process.env.HOSTILE_ROUNDS ?? 6)
const baselineProbes = Number(process.env.HOSTILE_BASELINE ?? 600)
const afterProbes = Number(process.env.HOSTILE_AFTER ?? 300)
const probeEveryMs = Number(process.env.HOSTILE_PROBE_MS ?? 50)
const malformedTopics = process.env.HOSTILE_SUB_MALFORMED === '1'
const pinAttacker = process.env.HOSTILE_PIN !== '0'
const pauseMs = Number(process.env.HOSTILE_PAUSE_MS ?? 3000)
const load = (): string => loadavg().map(x => x.toFixed(2)).join(' ')
const loadStart = load()
const t0 = performance.now()
const r = await runHostileScenario({ perClass, rounds, baselineProbes, afterProbes, probeEveryMs, malformedTopics, pinAttacker, pauseMs, log: (s) => { process.stderr.write(s + '\n') } })
await cleanupDirs()
if (process.env.HOSTILE_OUT != null) writeFileSync(process.env.HOSTILE_OUT, JSON.stringify(r, null, 1))
const f = (x: number): string => x.toFixed(1)
const row = (xs: number[]): string => `n=${xs.length} p50=${f(percentile(xs, 50))} p90=${f(percentile(xs, 90))} p99=${f(percentile(xs, 99))} max=${f(Math.max(...xs))} ms`
const ratio = percentile(r.attackMs, 99) / percentile(r.baselineMs, 99)
console.log(`load average ${loadStart} at the start, ${load()} at the end; ${((performance.now() - t0) / 1000).toFixed(0)} s in all`)
console.log(r.pinned != null ? `cores: relay and honest peers on ${r.pinned.honest}, attacker on ${r.pinned.attacker} (HOSTILE_PIN=0: all share every core)` : 'cores: every process on every core (not pinned)')
console.log(`attack: ${r.framesSent} frames in ${r.classes.length} class runs (${rounds} round(s) of 12) over ${r.attackSeconds.toFixed(1)} s (${Math.round(r.framesSent / r.attackSeconds)} frames/s; built in ${(r.genMs / 1000).toFixed(1)} s before)`)
console.log(`relay accepted from the attack: ${r.relayAcceptedFromAttack}; relay drops ${JSON.stringify(r.relayDropped)}; graylisted at relay: ${r.relayGraylisted}, lowest score ${r.relayMinScore.toFixed(0)}`)
console.log(`relay subscription guard: topics refused ${JSON.stringify(r.relaySubscriptions.refusedTopics)}, peers cut ${JSON.stringify(r.relaySubscriptions.peersCut)}`)
console.log(`Ana's drops ${JSON.stringify(r.peerDropped)}`)
console.log(`shown foreign: ${r.foreignShown.length}, after restart: ${r.foreignAfterRestart.length}; attacker markers on disk: ${r.markersFoundOnDisk} of ${r.markersSearched}`)

// Per class, over every round: probes due while it was being sent, and what each process spent meanwhile.
const names = [...new Set(r.classes.map(c => c.class))]
const spanOf = (at: number): string => r.classSpans.find(s => at >= s.from && at < s.to)?.class ?? 'between classes'
const byClass = new Map<string, number[]>()
for (const p of r.attackProbes) {
  const k = spanOf(p.at)
  byClass.set(k, [...(byClass.get(k) ?? []), p.ms])
}
for (const name of [...names, 'between classes']) {
  const runs = r.classes.filter(c => c.class === name)
  const scores = runs.map(c => c.scoreAtPeer).filter((s): s is number => s !== undefined)
  const seg = r.segments[name]
  const ms = byClass.get(name) ?? []
  const cpu = seg == null ? '' : Object.entries(seg.cpuMs).map(([k, v]) => `${k} ${(v / seg.wallMs * 100).toFixed(0)}%`).join(', ')
  const lat = ms.length === 0 ? 'no probe due' : `probes ${row(ms)}`
  const score = runs.length === 0 ? '' : `; score at Ana ${scores.length === 0 ? 'n/a' : `${Math.max(...scores).toFixed(0)} (worst run)`}, setup ${Math.max(...runs.map(c => c.setupMs ?? 0))} ms max, send ${Math.max(...runs.map(c => c.sendMs ?? 0))} ms max`
  console.log(`  ${name}: ${seg == null ? '' : `${(seg.wallMs / 1000).toFixed(1)} s, CPU ${cpu}, loop max ${seg.loopMaxMs.toFixed(0)} ms; `}${lat}${score}`)
}
console.log(`baseline: ${row(r.baselineMs)}`)
console.log(`attack:   ${row(r.attackMs)}`)
console.log(`after:    ${row(r.afterMs)}`)
// The slowest probes of the attack, and which class was being sent then: where the honest latency went.
const slow = [...r.attackProbes].sort((a, b) => b.ms - a.ms).slice(0, 8)
for (const p of slow) {
  console.log(`  slow probe at +${(p.at / 1000).toFixed(1)} s: ${p.ms.toFixed(0)} ms (started ${p.lateMs.toFixed(0)} ms late, Ana's send ${p.sendMs.toFixed(0)} ms) while sending: ${spanOf(p.at)}`)
}
for (const [name, p] of Object.entries(r.phases)) {
  console.log(`  honest process, ${name}: event-loop delay p99 ${p.loopP99.toFixed(0)} ms, max ${p.loopMax.toFixed(0)} ms; write+fdatasync p50 ${p.fsyncP50.toFixed(1)} ms, p99 ${p.fsyncP99.toFixed(1)} ms, max ${p.fsyncMax.toFixed(1)} ms (n=${p.fsyncSamples}); CPU ${(p.cpuShare * 100).toFixed(0)}% of a core${Object.entries(p.others).map(([k, v]) => `, ${k} ${(v * 100).toFixed(0)}%`).join('')}`)
}
// Interleaved: probes due during the classes vs in the quiet stretches between rounds (from 1 s into each, after
// what the round left queued), the same minutes of the same run.
const quiet = r.attackProbes.filter(p => r.pauseSpans.some(s => p.at >= s.from + 1000 && p.at < s.to)).map(p => p.ms)
const during = r.attackProbes.filter(p => r.classSpans.some(s => p.at >= s.from && p.at < s.to)).map(p => p.ms)
if (quiet.length > 0) {
  console.log(`interleaved: during the classes ${row(during)}; quiet stretches between rounds ${row(quiet)}; p99 ratio ${(percentile(during, 99) / percentile(quiet, 99)).toFixed(2)}`)
}
console.log(`p99 ratio (attack / baseline): ${ratio.toFixed(2)} (target ≤ 2); after / baseline: ${(percentile(r.afterMs, 99) / percentile(r.baselineMs, 99)).toFixed(2)}`)
process.exit(0)
