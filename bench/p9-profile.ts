// P9, where the time goes: a V8 CPU profile of both pages (sender and receiver) during one 10 MiB ChatSphere fetch
// over direct WebRTC, summed by function (self time), beside the CPU each Chromium process used.
// Run: node scripts/node22.mjs bench/p9-profile.ts   (BENCH_P9_PROFILE_US: sampling interval, default 200 µs)
import { startRelay } from '../tests/browser/support/app-server.ts'
import { openUser } from '../tests/browser/support/browser.ts'
import { openHarness, relayWsAddr } from '../tests/browser/support/harness.ts'
import { cpuByKind } from './p9-raw.ts'
import type { Page } from 'playwright-core'

const SIZE = 10 * 1024 * 1024

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

async function profiled (page: Page): Promise<() => Promise<Profile>> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_P9_PROFILE_US ?? 200) })
  await cdp.send('Profiler.start')
  return async () => (await cdp.send('Profiler.stop')).profile as unknown as Profile
}

/** Self time (ms) by function, largest first. */
function summarize (p: Profile, top = 22): string[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  let total = 0
  p.samples.forEach((id, i) => {
    const n = byId.get(id)
    const dt = (p.timeDeltas[i] ?? 0) / 1000
    if (n === undefined) return
    const file = n.callFrame.url.split('/').pop() ?? ''
    const key = `${n.callFrame.functionName || '(anon)'} ${file}:${n.callFrame.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + dt)
    if (n.callFrame.functionName !== '(idle)') total += dt
  })
  return [`busy ${Math.round(total)} ms`, ...[...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${v.toFixed(1).padStart(8)} ms  ${k}`)]
}

const relay = await startRelay({ args: ['--circuit-data', '1'] })
const [alice, bob] = await Promise.all([openUser(), openUser()])
try {
  const relayAddr = await relayWsAddr(relay.url)
  const [ha, hb] = await Promise.all([openHarness(alice.page), openHarness(bob.page)])
  const [ia, ib] = await Promise.all([ha('start', relayAddr, 'Alice'), hb('start', relayAddr, 'Bob')])
  const room = await ha('createRoom', 'p9')
  await hb('joinRoom', room.invite)
  await Promise.all([ha('waitDirect', ib.peerId, 60_000), hb('waitDirect', ia.peerId, 60_000)])
  const warm = await ha('sendRandom', room.id, 1024 * 1024, 'warm.bin')
  await hb('waitMessage', room.id, warm.id, 30_000)
  await hb('fetch', room.id, warm.id, false)
  const sent = await ha('sendRandom', room.id, SIZE, 'p9.bin')
  await hb('waitMessage', room.id, sent.id, 30_000)
  const [stopA, stopB] = await Promise.all([profiled(alice.page), profiled(bob.page)])
  const c0 = cpuByKind()
  const got = await hb('fetch', room.id, sent.id, false)
  const c1 = cpuByKind()
  const [pa, pb] = await Promise.all([stopA(), stopB()])
  console.log(`fetch ${Math.round(got.ms)} ms (${(SIZE / 1e6 / (got.ms / 1000)).toFixed(1)} MB/s, profiler on); CPU ms by process: ${[...c1].map(([k, v]) => `${k}:${Math.round((v - (c0.get(k) ?? 0)) * 1000)}`).join(' ')}`)
  console.log('\nsender page (serves the file):\n' + summarize(pa).join('\n'))
  console.log('\nreceiver page (fetches it):\n' + summarize(pb).join('\n'))
  await Promise.all([ha('close'), hb('close')])
} finally {
  await alice.dispose()
  await bob.dispose()
  await relay.stop()
}
