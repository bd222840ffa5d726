/**
 * Honest delivery latency under a hostile flood (issue 8, test 1): the scenario of
 * tests/integration/hostile-flood.test.ts, timed. Ana sends probe messages to Ben one at a time (send → Ben's
 * `message` event, through a real relay process) before and during an outsider's flood of 12 × HOSTILE_PER_CLASS
 * bad frames at the relay and at Ana. Prints p50/p99 of both and the p99 ratio (target ≤ 2).
 *
 *   node scripts/node22.mjs bench/hostile-latency.ts               # 834 per class = 10,008 frames
 *   HOSTILE_PER_CLASS=2000 HOSTILE_BASELINE=200 node scripts/node22.mjs bench/hostile-latency.ts
 *
 * Everything (relay, two honest peers, attacker) runs on this machine: numbers on a loaded machine are noisy. To tell
 * the attack's own cost from a busy machine it also prints, per phase (baseline, attack, after), the honest process'
 * event-loop delay, a write+fdatasync probe, and the CPU share of the honest process, the relay and the attacker;
 * and the five slowest probes of the attack with the class being sent and how long Ana's send() took.
 */
import { cleanupDirs } from '../tests/integration/support/processes.ts'
import { percentile, runHostileScenario } from '../tests/integration/support/hostile-scenario.ts'

const perClass = Number(process.env.HOSTILE_PER_CLASS ?? 834)
const baselineProbes = Number(process.env.HOSTILE_BASELINE ?? 100)
const r = await runHostileScenario({ perClass, baselineProbes, log: (s) => { process.stderr.write(s + '\n') } })
await cleanupDirs()
const row = (xs: number[]): string => `n=${xs.length} p50=${percentile(xs, 50).toFixed(1)} ms p99=${percentile(xs, 99).toFixed(1)} ms max=${Math.max(...xs).toFixed(1)} ms`
const ratio = percentile(r.attackMs, 99) / percentile(r.baselineMs, 99)
console.log(`attack: ${r.framesSent} frames in ${r.classes.length} classes over ${r.attackSeconds.toFixed(1)} s (${Math.round(r.framesSent / r.attackSeconds)} frames/s)`)
console.log(`relay accepted from the attack: ${r.relayAcceptedFromAttack}; relay drops ${JSON.stringify(r.relayDropped)}; graylisted at relay: ${r.relayGraylisted}, lowest score ${r.relayMinScore.toFixed(0)}`)
console.log(`shown foreign: ${r.foreignShown.length}, after restart: ${r.foreignAfterRestart.length}; attacker markers on disk: ${r.markersFoundOnDisk} of ${r.markersSearched}`)
for (const c of r.classes) console.log(`  ${c.class}: ${c.sent} sent in ${c.sendMs ?? '?'} ms (setup ${c.setupMs ?? '?'} ms), score at Ana ${c.scoreAtPeer?.toFixed(0) ?? 'n/a'}, struck at relay ${c.relayStruck ?? 'n/a'}`)
console.log(`baseline: ${row(r.baselineMs)}`)
console.log(`attack:   ${row(r.attackMs)}`)
console.log(`after:    ${row(r.afterMs)}`)
// The slowest probes of the attack, and which class was being sent then: where the honest latency went.
const slow = [...r.attackProbes].sort((a, b) => b.ms - a.ms).slice(0, 5)
for (const p of slow) {
  const during = r.classDoneAt.find(c => c.at >= p.at)?.class ?? 'after the last class'
  console.log(`  slow probe at +${(p.at / 1000).toFixed(1)} s: ${p.ms.toFixed(0)} ms (Ana's send ${p.sendMs.toFixed(0)} ms) while sending: ${during}`)
}
for (const [name, p] of Object.entries(r.phases)) {
  console.log(`  honest process, ${name}: event-loop delay p99 ${p.loopP99.toFixed(0)} ms, max ${p.loopMax.toFixed(0)} ms; write+fdatasync p50 ${p.fsyncP50.toFixed(1)} ms, p99 ${p.fsyncP99.toFixed(1)} ms, max ${p.fsyncMax.toFixed(1)} ms (n=${p.fsyncSamples}); CPU ${(p.cpuShare * 100).toFixed(0)}% of a core${Object.entries(p.others).map(([k, v]) => `, ${k} ${(v * 100).toFixed(0)}%`).join('')}`)
}
console.log(`p99 ratio (attack / baseline): ${ratio.toFixed(2)} (target ≤ 2); after / baseline: ${(percentile(r.afterMs, 99) / percentile(r.baselineMs, 99)).toFixed(2)}`)
process.exit(0)
