// P8 floor: how long Chromium's WebRTC data channel alone takes to carry a message the size of a chat publish
// (≈ 530 bytes) from one page to another on loopback, with nothing else running in the pages. Two separate headless
// Chromium processes (as in the P8 bench, each user its own browser), then two peer connections inside one page for
// comparison. One-way times use the pages' shared clock (performance.timeOrigin + now(), same machine).
// Run: node scripts/node22.mjs bench/p8-rtc-floor.ts   (BENCH_P8_RTC_COUNT, default 300; BENCH_P8_RTC_GAP_MS, default 20;
// BENCH_P8_RTC_BUSY_MS: main-thread work on the sender right after each send, default 0)
import { loadavg } from 'node:os'
import type { Page } from 'playwright-core'
import { openUser } from '../tests/browser/support/browser.ts'

const COUNT = Number(process.env.BENCH_P8_RTC_COUNT ?? 300)
const GAP_MS = Number(process.env.BENCH_P8_RTC_GAP_MS ?? 20)
const SIZE = 528
/** Main-thread work (busy loop) on the sending page right after each send, as the app's own work after a publish. */
const BUSY_MS = Number(process.env.BENCH_P8_RTC_BUSY_MS ?? 0)
/** BENCH_P8_RTC_BUSY_LATER=1: that work runs in the next task (setTimeout 0) instead of the one that sent. */
const BUSY_LATER = process.env.BENCH_P8_RTC_BUSY_LATER === '1'

function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
}

const r2 = (x: number): number => Math.round(x * 100) / 100

/** Page script: a peer connection with one ordered, reliable data channel (what libp2p's WebRTC streams use). */
const SETUP = `(() => {
  const now = () => performance.timeOrigin + performance.now()
  window.__rtc = { arrivals: [] }
  window.__makePc = (name) => {
    const pc = new RTCPeerConnection({ iceServers: [] })
    window.__rtc[name] = pc
    const watch = (ch) => {
      ch.binaryType = 'arraybuffer'
      window.__rtc[name + 'ch'] = ch
      ch.addEventListener('message', (e) => {
        const at = now()
        const sent = new DataView(e.data).getFloat64(0)
        window.__rtc.arrivals.push(at - sent)
      })
    }
    pc.addEventListener('datachannel', (e) => watch(e.channel))
    return { pc, watch }
  }
  window.__gathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve()
    else pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve() })
  })
  window.__send = async (name, count, gap, size, busy, later) => {
    const ch = window.__rtc[name + 'ch']
    const work = () => { const until = performance.now() + busy; while (performance.now() < until) { /* busy */ } }
    for (let i = 0; i < count; i++) {
      const buf = new ArrayBuffer(size)
      new DataView(buf).setFloat64(0, now())
      ch.send(buf)
      if (later) setTimeout(work, 0)
      else work()
      await new Promise((r) => setTimeout(r, gap))
    }
  }
})()`

async function offer (page: Page, name: string): Promise<RTCSessionDescriptionInit> {
  return await page.evaluate(async (n) => {
    const w = window as unknown as { __makePc: (n: string) => { pc: RTCPeerConnection, watch: (c: RTCDataChannel) => void }, __gathered: (pc: RTCPeerConnection) => Promise<void> }
    const { pc, watch } = w.__makePc(n)
    watch(pc.createDataChannel('p8', { ordered: true }))
    await pc.setLocalDescription(await pc.createOffer())
    await w.__gathered(pc)
    return pc.localDescription?.toJSON() as RTCSessionDescriptionInit
  }, name)
}

async function answer (page: Page, name: string, remote: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
  return await page.evaluate(async ([n, r]) => {
    const w = window as unknown as { __makePc: (n: string) => { pc: RTCPeerConnection }, __gathered: (pc: RTCPeerConnection) => Promise<void> }
    const { pc } = w.__makePc(n as string)
    await pc.setRemoteDescription(r as RTCSessionDescriptionInit)
    await pc.setLocalDescription(await pc.createAnswer())
    await w.__gathered(pc)
    return pc.localDescription?.toJSON() as RTCSessionDescriptionInit
  }, [name, remote] as const)
}

async function finish (page: Page, name: string, remote: RTCSessionDescriptionInit): Promise<void> {
  await page.evaluate(async ([n, r]) => {
    const pc = (window as unknown as { __rtc: Record<string, RTCPeerConnection> }).__rtc[n as string]
    await pc?.setRemoteDescription(r as RTCSessionDescriptionInit)
  }, [name, remote] as const)
}

async function waitOpen (page: Page, name: string): Promise<void> {
  await page.waitForFunction((n) => (window as unknown as { __rtc: Record<string, RTCDataChannel | undefined> }).__rtc[n + 'ch']?.readyState === 'open', name, { timeout: 20_000 })
}

async function measure (from: Page, fromName: string, to: Page): Promise<{ p50Ms: number, p99Ms: number, minMs: number, count: number }> {
  await to.evaluate(() => { (window as unknown as { __rtc: { arrivals: number[] } }).__rtc.arrivals.length = 0 })
  await from.evaluate(async ([n, c, g, s, b, l]) => {
    await (window as unknown as { __send: (n: string, c: number, g: number, s: number, b: number, l: boolean) => Promise<void> }).__send(n as string, c as number, g as number, s as number, b as number, l as boolean)
  }, [fromName, COUNT, GAP_MS, SIZE, BUSY_MS, BUSY_LATER] as const)
  await to.waitForFunction((c) => (window as unknown as { __rtc: { arrivals: number[] } }).__rtc.arrivals.length >= c, COUNT, { timeout: 30_000 })
  const xs = (await to.evaluate(() => (window as unknown as { __rtc: { arrivals: number[] } }).__rtc.arrivals)).slice(10)
  return { p50Ms: r2(pct(xs, 50)), p99Ms: r2(pct(xs, 99)), minMs: r2(Math.min(...xs)), count: xs.length }
}

const load0 = loadavg()[0] ?? 0
const [a, b] = await Promise.all([openUser(), openUser()])
try {
  for (const u of [a, b]) await u.page.evaluate(SETUP)
  // Two browsers (two Chromium processes), as the P8 bench's two users.
  await finish(a.page, 'x', await answer(b.page, 'y', await offer(a.page, 'x')))
  await Promise.all([waitOpen(a.page, 'x'), waitOpen(b.page, 'y')])
  const twoBrowsers = await measure(a.page, 'x', b.page)
  // Two peer connections in one page (one renderer; still UDP through the browser process's network service).
  await finish(a.page, 'p', await answer(a.page, 'q', await offer(a.page, 'p')))
  await Promise.all([waitOpen(a.page, 'p'), waitOpen(a.page, 'q')])
  const onePage = await measure(a.page, 'p', a.page)
  const result = { bench: 'P8 WebRTC data channel floor', date: new Date().toISOString(), messageBytes: SIZE, gapMs: GAP_MS, busyMs: BUSY_MS, busyLater: BUSY_LATER, twoBrowsers, onePage, loadAverage: [r2(load0), r2(loadavg()[0] ?? 0)] }
  console.log('\nWebRTC data channel, one way, loopback, 528-byte messages every ' + GAP_MS + ' ms, sender busy ' + BUSY_MS + ' ms after each' + (BUSY_LATER ? ', in the next task' : '') + ' (first 10 dropped)\n')
  console.log('| path | n | min ms | p50 ms | p99 ms |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  console.log(`| page → page, two Chromium processes | ${twoBrowsers.count} | ${twoBrowsers.minMs} | ${twoBrowsers.p50Ms} | ${twoBrowsers.p99Ms} |`)
  console.log(`| peer connection → peer connection, one page | ${onePage.count} | ${onePage.minMs} | ${onePage.p50Ms} | ${onePage.p99Ms} |`)
  console.log(`load average ${result.loadAverage.join(' -> ')}`)
  console.log(JSON.stringify(result))
} finally {
  await a.dispose()
  await b.dispose()
}
