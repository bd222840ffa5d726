// P11 trace: where the time of "open the page → first message sent" goes, on the page's own clock. One scripted run
// (the same steps as p11-first-message.ts) with a CPU profile (Chrome DevTools Protocol): prints the page's
// performance marks, when each script arrived, and the functions (grouped by file) with the most self time.
// Uses the web/dist build as it is (run `npm run build:web` first), or the build in P11_WEB_DIR.
// Also prints the page's long animation frames (main thread busy ≥ 50 ms) with the scripts that ran in them.
// Run: node scripts/node22.mjs bench/p11-trace.ts
import { startRelay } from '../tests/browser/support/app-server.ts'
import { openUser } from '../tests/browser/support/browser.ts'
import { messages } from '../tests/browser/support/flows.ts'

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

const webDir = process.env.P11_WEB_DIR
const relay = await startRelay(webDir === undefined ? {} : { args: ['--web-dir', webDir] })
const user = await openUser()
try {
  const { page } = user
  await page.addInitScript(() => {
    const frames: unknown[] = []
    ;(globalThis as { __loaf?: unknown[] }).__loaf = frames
    new PerformanceObserver((list) => { for (const e of list.getEntries()) frames.push(e.toJSON()) }).observe({ type: 'long-animation-frame', buffered: true })
  })
  const cdp = await page.context().newCDPSession(page)
  // P11_PROFILE=0: marks and long frames only (the sampling profiler itself slows the page down).
  const profiling = process.env.P11_PROFILE !== '0'
  if (profiling) {
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
    await cdp.send('Profiler.start')
  }
  const stamp = async (name: string): Promise<void> => { await page.evaluate((n) => { performance.mark(n) }, name) }
  await page.goto(relay.url)
  await stamp('bench:goto-done')
  await page.getByRole('textbox', { name: 'Display name' }).waitFor()
  await stamp('bench:onboarding-visible')
  await stamp('bench:fill-name')
  await page.getByRole('textbox', { name: 'Display name' }).fill('New user')
  await stamp('bench:click-create-identity')
  await page.getByRole('button', { name: 'Create identity' }).click()
  await page.getByRole('button', { name: 'New room' }).waitFor()
  await stamp('bench:new-room-visible')
  await page.getByRole('button', { name: 'New room' }).click()
  await stamp('bench:room-dialog-clicked')
  await page.getByRole('textbox', { name: 'Room name' }).fill('First room')
  await stamp('bench:click-create-room')
  await page.getByRole('button', { name: 'Create', exact: true }).click()
  const box = page.getByRole('textbox', { name: 'Message' })
  await box.waitFor()
  await stamp('bench:composer-visible')
  await box.fill('my first message')
  await stamp('bench:press-enter')
  await box.press('Enter')
  await messages(page).getByText('my first message').waitFor()
  await stamp('bench:message-shown')
  const { profile } = profiling ? await cdp.send('Profiler.stop') as unknown as { profile: Profile } : { profile: { nodes: [], samples: [], timeDeltas: [] } }
  const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)] as const))
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
    return n === undefined ? {} : { responseEnd: Math.round(n.responseEnd), domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) }
  })
  const resources = await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
    .map((r) => [r.name.replace(location.origin, ''), Math.round(r.startTime), Math.round(r.responseEnd)] as const))
  interface Loaf { startTime: number, duration: number, blockingDuration: number, scripts: Array<{ sourceURL: string, invoker: string, duration: number, startTime: number }> }
  const loafs = await page.evaluate(() => (globalThis as { __loaf?: unknown[] }).__loaf ?? []) as Loaf[]
  console.log('\nnavigation', nav)
  console.log('\nlong animation frames (start, duration ms; scripts ≥ 5 ms)')
  for (const f of loafs) {
    const scripts = f.scripts.filter((x) => x.duration >= 5).map((x) => `${x.invoker} ${x.sourceURL.replace(/^.*\//, '')} ${Math.round(x.duration)}`).join('; ')
    console.log(`  ${String(Math.round(f.startTime)).padStart(6)} +${String(Math.round(f.duration)).padStart(4)}  ${scripts}`)
  }
  console.log('\nmarks (ms since navigation start)')
  for (const [n, t] of [...marks].sort((a, b) => a[1] - b[1])) console.log(`  ${String(t).padStart(6)}  ${n}`)
  console.log('\nresources (start → end)')
  for (const [n, s, e] of resources) console.log(`  ${String(s).padStart(6)} → ${String(e).padStart(6)}  ${n}`)
  // Self time per function and per file from the sampled profile.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  const perFile = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)
    if (n === undefined) return
    const dt = (profile.timeDeltas[i] ?? 0) / 1000
    // Functions without a script URL are Playwright's injected script (its role and name queries) or page evaluations.
    const file = n.callFrame.url.replace(/^.*\//, '') || (n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(playwright / evaluate)')
    const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber}`
    self.set(key, (self.get(key) ?? 0) + dt)
    perFile.set(file, (perFile.get(file) ?? 0) + dt)
  })
  const top = (m: Map<string, number>, k: number): string[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([n, t]) => `  ${t.toFixed(0).padStart(6)} ms  ${n}`)
  console.log('\nself time per file\n' + top(perFile, 15).join('\n'))
  console.log('\nself time per function\n' + top(self, 30).join('\n'))
} finally {
  await user.dispose()
  await relay.stop()
}
