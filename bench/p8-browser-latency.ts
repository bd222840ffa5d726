// P8: browser → browser text latency through the relay: Alice's page stamps Date.now() into each message as it
// presses Enter; Bob's page records when the message is announced in its live region (arrived, folded into the
// read model and rendered). Same machine, same clock. Goal p50 ≤ 6 ms, p99 ≤ 20 ms.
// Run: node scripts/node22.mjs bench/p8-browser-latency.ts   (P8_PATH=relay: no direct WebRTC, every message through the relay)
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { startRelay } from '../tests/browser/support/app-server.ts'
import { openUser } from '../tests/browser/support/browser.ts'
import { createIdentity, createRoom, inviteLink, send, waitForMessage } from '../tests/browser/support/flows.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const WARMUP = 5
const COUNT = 100

function pct (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
}

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number } }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

function printProfile (profile: Profile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  const perFile = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)
    if (n === undefined) return
    const dt = (profile.timeDeltas[i] ?? 0) / 1000
    const file = n.callFrame.url.replace(/^.*\//, '') || '(native)'
    const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber}`
    self.set(key, (self.get(key) ?? 0) + dt)
    perFile.set(file, (perFile.get(file) ?? 0) + dt)
  })
  const top = (m: Map<string, number>, k: number): string[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([n, t]) => `  ${t.toFixed(0).padStart(6)} ms  ${n}`)
  console.log(`\n${process.env.P8_PROFILE === 'sender' ? 'sender' : 'receiver'} CPU profile: self time per file\n` + top(perFile, 12).join('\n'))
  console.log('\nself time per function\n' + top(self, 30).join('\n'))
}

/**
 * Page init script: records the time (ms since the epoch, sub-ms) and size of every WebSocket frame the page sends
 * and receives, before libp2p's own listener runs. The frames are Noise-encrypted, so a message's frame is found by
 * time and size: the sender's first frame of more than WIRE_MIN_BYTES after the keypress (the message's publish goes
 * out before the typing notice that the send triggers), and the receiver's first such frame after that.
 */
const WIRE_SCRIPT = `(() => {
  const now = () => performance.timeOrigin + performance.now()
  const sent = []; const recv = []; const rtcSent = []; const rtcRecv = []
  window.__p8wire = { sent, recv, rtcSent, rtcRecv }
  const Orig = window.WebSocket
  const send = Orig.prototype.send
  Orig.prototype.send = function (d) { sent.push([now(), d.byteLength ?? d.size ?? d.length]); trace('ws.send ' + (d.byteLength ?? d.size ?? d.length)); return send.call(this, d) }
  // P8_TRACE: a timeline of WebCrypto calls, IndexedDB transactions, WebSocket frames, events and frames rendered.
  const events = []
  window.__p8trace = events
  const trace = (what) => { if (window.__p8tracing === true) events.push([now(), what]) }
  const subtle = crypto.subtle
  for (const name of ['sign', 'verify', 'importKey', 'digest', 'encrypt', 'decrypt']) {
    const f = subtle[name].bind(subtle)
    subtle[name] = (...a) => {
      const alg = typeof a[0] === 'string' ? a[0] : (a[0] && a[0].name) || a[1] && a[1].name || ''
      trace(name + ' ' + alg + ' start')
      const p = f(...a)
      p.then(() => { trace(name + ' ' + alg + ' done') }, () => {})
      return p
    }
  }
  const tx = IDBDatabase.prototype.transaction
  IDBDatabase.prototype.transaction = function (...a) {
    const t = tx.apply(this, a)
    const label = 'idb ' + a[1] + ' ' + String(a[0])
    trace(label + ' start')
    t.addEventListener('complete', () => { trace(label + ' complete') })
    return t
  }
  // Main-thread time of storage calls that run on the send and receive paths (their own, synchronous part).
  const timed = (proto, name, label) => {
    const f = proto && proto[name]
    if (typeof f !== 'function') return
    proto[name] = function (...a) {
      const t0 = now()
      try { return f.apply(this, a) } finally { if (window.__p8tracing === true) events.push([t0, label + ' ' + (now() - t0).toFixed(2) + ' ms']) }
    }
  }
  timed(window.IDBObjectStore && IDBObjectStore.prototype, 'put', 'idb.put')
  timed(window.Cache && Cache.prototype, 'put', 'cache.put')
  timed(window.CacheStorage && CacheStorage.prototype, 'open', 'caches.open')
  timed(window.Storage && Storage.prototype, 'setItem', 'localStorage.setItem')
  timed(Element.prototype, 'getBoundingClientRect', 'getBoundingClientRect')
  // Each custom element's Lit update (render + commit), and the virtualizer's.
  const define = customElements.define.bind(customElements)
  customElements.define = (name, cls, opts) => {
    if (typeof cls.prototype.update === 'function') timed(cls.prototype, 'update', name + ' update')
    return define(name, cls, opts)
  }
  const dispatch = EventTarget.prototype.dispatchEvent
  EventTarget.prototype.dispatchEvent = function (ev) {
    if (['message', 'delivery', 'change', 'send', 'typing', 'keydown'].includes(ev.type) && !(this instanceof WebSocket)) trace('event ' + ev.type + ' on ' + (this.constructor && this.constructor.name))
    return dispatch.call(this, ev)
  }
  // WebRTC: how many peer connections the page made and what became of them (window.__p8rtc).
  const rtc = { created: 0, states: {} }
  window.__p8rtc = rtc
  const Pc = window.RTCPeerConnection
  if (Pc !== undefined) {
    window.RTCPeerConnection = class extends Pc {
      constructor (...a) {
        super(...a)
        rtc.created++
        this.addEventListener('connectionstatechange', () => { rtc.states[this.connectionState] = (rtc.states[this.connectionState] ?? 0) + 1; trace('rtc ' + this.connectionState) })
        this.addEventListener('datachannel', (e) => { watchChannel(e.channel) })
      }
      createDataChannel (...a) { const ch = super.createDataChannel(...a); watchChannel(ch); return ch }
    }
  }
  // Added before libp2p's own listener: the time the data channel hands a message to the page.
  function watchChannel (ch) {
    ch.addEventListener('message', (e) => { const n = e.data.byteLength ?? e.data.size ?? e.data.length; rtcRecv.push([now(), n]); trace('rtc.message ' + n) })
  }
  if (window.RTCDataChannel !== undefined) {
    const dcSend = RTCDataChannel.prototype.send
    RTCDataChannel.prototype.send = function (d) { const n = d.byteLength ?? d.size ?? d.length; rtcSent.push([now(), n]); trace('rtc.send ' + n); return dcSend.call(this, d) }
  }
  // Frames only when tracing: a permanent requestAnimationFrame loop would itself cost both pages CPU.
  const raf = () => { if (window.__p8tracing === true) { trace('frame'); requestAnimationFrame(raf) } }
  window.__p8frames = () => { requestAnimationFrame(raf) }
  window.WebSocket = class extends Orig {
    constructor (...a) { super(...a); this.addEventListener('message', (e) => { recv.push([now(), e.data.byteLength ?? e.data.size ?? e.data.length]); trace('ws.message ' + (e.data.byteLength ?? e.data.size ?? e.data.length)) }) }
  }
})()`

/** Gossipsub publishes of a text message are ~500 bytes on the wire; control frames (IHAVE, yamux acks) are smaller. */
const WIRE_MIN_BYTES = 200

interface Wire { sent: Array<[number, number]>, recv: Array<[number, number]>, rtcSent: Array<[number, number]>, rtcRecv: Array<[number, number]> }

/** The first time in `xs` (sorted) after `t` of a frame larger than WIRE_MIN_BYTES. */
function firstLargeAfter (xs: Array<[number, number]>, t: number): number | undefined {
  return xs.find(([at, size]) => at >= t && size > WIRE_MIN_BYTES)?.[0]
}

export async function run (): Promise<Record<string, unknown>> {
  // P8_WEB_DIR=<dir>: serve an app already built there (A/B builds; web/dist, which browser tests serve, stays as is).
  const webDir = process.env.P8_WEB_DIR
  if (webDir === undefined) await build({ root: ROOT + 'web', configFile: ROOT + 'web/vite.config.ts', logLevel: 'warn' })
  const relay = await startRelay(webDir === undefined ? {} : { args: ['--web-dir', webDir] })
  const [alice, bob] = await Promise.all([openUser(), openUser()])
  await Promise.all([alice.page.context().addInitScript({ content: WIRE_SCRIPT }), bob.page.context().addInitScript({ content: WIRE_SCRIPT })])
  // P8_PATH=relay: the figure, "through the relay". The pages get no RTCPeerConnection, so no direct WebRTC
  // connection can form and every message takes the relay (the app as shipped moves a member's messages onto a direct
  // connection once there is one: the default run measures that).
  if (process.env.P8_PATH === 'relay') {
    const noWebRtc = 'delete window.RTCPeerConnection; delete window.webkitRTCPeerConnection'
    await Promise.all([alice.page.context().addInitScript({ content: noWebRtc }), bob.page.context().addInitScript({ content: noWebRtc })])
  }
  try {
    await Promise.all([createIdentity(alice.page, relay.url, 'Alice'), createIdentity(bob.page, relay.url, 'Bob')])
    await createRoom(alice.page, 'Latency')
    await bob.page.goto(await inviteLink(alice.page))
    await bob.page.getByRole('heading', { name: 'Latency', level: 2 }).waitFor({ timeout: 30_000 })
    await send(alice.page, 'warm up')
    await waitForMessage(bob.page, 'warm up')
    // Bob's page: record arrival of every "p8:<n>:<sentAt>" announcement.
    await bob.page.evaluate(() => {
      const w = window as unknown as { __p8: Record<string, number> }
      w.__p8 = {}
      const root = document.querySelector('cs-app')?.shadowRoot
      if (root == null) throw new Error('no app')
      new MutationObserver(() => {
        const now = Date.now()
        for (const m of (root.textContent ?? '').matchAll(/p8:(\d+):(\d+)/g)) {
          if (w.__p8[m[1] as string] === undefined) w.__p8[m[1] as string] = now - Number(m[2])
        }
      }).observe(root, { subtree: true, childList: true, characterData: true })
      // When the message's own element shows its text in the message list (cs-message in the virtualized list), as
      // opposed to the live-region announcement above.
      const shown: Record<string, number> = {}
      ;(w as unknown as { __p8shown: Record<string, number> }).__p8shown = shown
      const list = root.querySelector('cs-chat-view')?.shadowRoot?.querySelector('cs-message-list')?.shadowRoot
      if (list == null) throw new Error('no message list')
      const seen = (el: Element): void => {
        const m = /p8:(\d+):(\d+)/.exec(el.shadowRoot?.textContent ?? '')
        if (m != null && shown[m[1] as string] === undefined) {
          shown[m[1] as string] = Date.now() - Number(m[2])
          const t = w as unknown as { __p8tracing?: boolean, __p8trace: Array<[number, string]> }
          if (t.__p8tracing === true) t.__p8trace.push([performance.timeOrigin + performance.now(), 'shown p8:' + (m[1] as string)])
        }
      }
      const watched = new WeakSet<Element>()
      new MutationObserver(() => {
        for (const el of list.querySelectorAll('cs-message')) {
          seen(el)
          if (!watched.has(el) && el.shadowRoot != null) {
            watched.add(el)
            new MutationObserver(() => { seen(el) }).observe(el.shadowRoot, { subtree: true, childList: true, characterData: true })
          }
        }
      }).observe(list, { subtree: true, childList: true, characterData: true })
      // When the core announces it (the chat's 'message' event: guard, apply and openFrame done), before the UI.
      const core: Record<string, number> = {}
      ;(w as unknown as { __p8core: Record<string, number> }).__p8core = core
      const coreAt: Record<string, number> = {}
      ;(w as unknown as { __p8coreAt: Record<string, number> }).__p8coreAt = coreAt
      const dispatch = EventTarget.prototype.dispatchEvent
      EventTarget.prototype.dispatchEvent = function (this: EventTarget, ev: Event): boolean {
        const list = (ev as CustomEvent<{ messages?: Array<{ text?: string }> }>).detail?.messages
        if (ev.type === 'message' && Array.isArray(list)) {
          const now = Date.now()
          for (const msg of list) {
            const m = /p8:(\d+):(\d+)/.exec(msg.text ?? '')
            if (m != null && core[m[1] as string] === undefined) {
              core[m[1] as string] = now - Number(m[2])
              coreAt[m[1] as string] = performance.timeOrigin + performance.now()
            }
          }
        }
        return dispatch.call(this, ev)
      }
    })
    // Alice's page: when her own message reaches her read model (after the durable local write), seen as the room
    // list's last-message preview. Splits the latency into sender side and network + receiver side.
    await alice.page.evaluate(() => {
      const w = window as unknown as { __p8local: Record<string, number> }
      w.__p8local = {}
      const root = document.querySelector('cs-app')?.shadowRoot?.querySelector('cs-room-list')?.shadowRoot
      if (root == null) throw new Error('no room list')
      new MutationObserver(() => {
        const now = Date.now()
        for (const m of (root.textContent ?? '').matchAll(/p8:(\d+):(\d+)/g)) {
          if (w.__p8local[m[1] as string] === undefined) w.__p8local[m[1] as string] = now - Number(m[2])
        }
      }).observe(root, { subtree: true, childList: true, characterData: true })
    })
    // P8_PROFILE=1 (or =sender): a CPU profile of the receiving (sending) page over the measured messages.
    const profiled = process.env.P8_PROFILE === 'sender' ? alice.page : bob.page
    const cdp = process.env.P8_PROFILE === '1' || process.env.P8_PROFILE === 'sender' ? await profiled.context().newCDPSession(profiled) : undefined
    if (cdp !== undefined) {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 })
      await cdp.send('Profiler.start')
    }
    const box = alice.page.getByRole('textbox', { name: 'Message' })
    const pressedAt: number[] = []
    const traced = process.env.P8_TRACE === '1' ? new Set([WARMUP + 40, WARMUP + 41, WARMUP + 42]) : new Set<number>()
    const setTracing = async (on: boolean): Promise<void> => {
      for (const page of [alice.page, bob.page]) {
        await page.evaluate((v) => {
          const w = window as unknown as { __p8tracing: boolean, __p8trace: unknown[] }
          if (v) w.__p8trace.length = 0
          w.__p8tracing = v
          if (v) (w as unknown as { __p8frames: () => void }).__p8frames()
        }, on)
      }
    }
    for (let i = 0; i < WARMUP + COUNT; i++) {
      if (traced.has(i)) await setTracing(true)
      await box.fill(`p8:${i}:`)
      // Stamp and press in the page, so the clock starts at the keypress.
      pressedAt[i] = await box.evaluate((el: HTMLTextAreaElement) => {
        el.value += String(Date.now())
        el.dispatchEvent(new Event('input', { bubbles: true, composed: true }))
        const at = performance.timeOrigin + performance.now()
        el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }))
        return at
      })
      await bob.page.waitForFunction((n) => {
        const w = window as unknown as { __p8: Record<string, number>, __p8shown: Record<string, number> }
        return w.__p8[String(n)] !== undefined && w.__p8shown[String(n)] !== undefined
      }, i, { timeout: 30_000 })
      if (traced.has(i)) {
        await setTracing(false)
        const t0 = pressedAt[i] ?? 0
        const read = async (page: typeof alice.page, who: string): Promise<Array<[number, string]>> =>
          (await page.evaluate(() => (window as unknown as { __p8trace: Array<[number, string]> }).__p8trace)).map(([t, e]) => [t - t0, `${who} ${e}`])
        const all = [...await read(alice.page, 'A'), ...await read(bob.page, 'B')].sort((a, b) => a[0] - b[0])
        console.log(`\ntimeline of message ${i} (ms from keypress; A = sender page, B = receiver page)`)
        for (const [t, e] of all) if (t > -30) console.log(`${t.toFixed(2).padStart(9)}  ${e}`)
      }
    }
    if (cdp !== undefined) printProfile((await cdp.send('Profiler.stop') as unknown as { profile: Profile }).profile)
    const lat = await bob.page.evaluate(() => (window as unknown as { __p8: Record<string, number> }).__p8)
    const xs = Object.entries(lat).filter(([k]) => Number(k) >= WARMUP).map(([, v]) => v)
    const local = await alice.page.evaluate(() => (window as unknown as { __p8local: Record<string, number> }).__p8local)
    const ls = Object.entries(local).filter(([k]) => Number(k) >= WARMUP).map(([, v]) => v)
    const core = await bob.page.evaluate(() => (window as unknown as { __p8core: Record<string, number> }).__p8core)
    const cs = Object.entries(core).filter(([k]) => Number(k) >= WARMUP).map(([, v]) => v)
    const shownAt = await bob.page.evaluate(() => (window as unknown as { __p8shown: Record<string, number> }).__p8shown)
    // Wire split (keypress → sender's WebSocket send → receiver's WebSocket message → receiver's core event).
    const coreAt = await bob.page.evaluate(() => (window as unknown as { __p8coreAt: Record<string, number> }).__p8coreAt)
    const wireA = await alice.page.evaluate(() => (window as unknown as { __p8wire: Wire }).__p8wire)
    const wireB = await bob.page.evaluate(() => (window as unknown as { __p8wire: Wire }).__p8wire)
    const senderSide: number[] = []
    const network: number[] = []
    const receiverSide: number[] = []
    for (let i = WARMUP; i < WARMUP + COUNT; i++) {
      const pressed = pressedAt[i]
      const core = coreAt[String(i)]
      if (pressed === undefined || core === undefined) continue
      const sent = firstLargeAfter(wireA.sent, pressed)
      const recv = sent === undefined ? undefined : firstLargeAfter(wireB.recv, sent)
      if (recv === undefined || sent === undefined || recv > core) continue
      senderSide.push(sent - pressed)
      network.push(recv - sent)
      receiverSide.push(core - recv)
    }
    // The direct path: the sender's data channel send of the message → the receiver's data channel message event
    // (before libp2p's listener), and that event → the receiver's core event.
    const rtcHop: number[] = []
    const rtcToCore: number[] = []
    for (let i = WARMUP; i < WARMUP + COUNT; i++) {
      const pressed = pressedAt[i]
      const core = coreAt[String(i)]
      if (pressed === undefined || core === undefined) continue
      const sent = firstLargeAfter(wireA.rtcSent, pressed)
      const got = sent === undefined ? undefined : firstLargeAfter(wireB.rtcRecv, sent)
      if (sent === undefined || got === undefined || got > core) continue
      rtcHop.push(got - sent)
      rtcToCore.push(core - got)
    }
    const r1 = (x: number): number => Math.round(x * 10) / 10
    const rtc = await Promise.all([alice.page, bob.page].map(async (page) => await page.evaluate(() => (window as unknown as { __p8rtc: unknown }).__p8rtc)))
    const ss = Object.entries(shownAt).filter(([k]) => Number(k) >= WARMUP).map(([, v]) => v)
    const result = {
      bench: 'P8',
      date: new Date().toISOString(),
      count: xs.length,
      p50Ms: pct(xs, 50),
      p99Ms: pct(xs, 99),
      maxMs: Math.max(...xs),
      senderLocalEcho: { p50Ms: pct(ls, 50), p99Ms: pct(ls, 99) },
      receiverCoreEvent: { p50Ms: pct(cs, 50), p99Ms: pct(cs, 99) },
      receiverMessageShown: { count: ss.length, p50Ms: pct(ss, 50), p99Ms: pct(ss, 99) },
      wireSplit: {
        count: senderSide.length,
        senderKeypressToWebSocketSend: { p50Ms: r1(pct(senderSide, 50)), p99Ms: r1(pct(senderSide, 99)) },
        webSocketSendToReceiverWebSocketMessage: { p50Ms: r1(pct(network, 50)), p99Ms: r1(pct(network, 99)) },
        receiverWebSocketMessageToCoreEvent: { p50Ms: r1(pct(receiverSide, 50)), p99Ms: r1(pct(receiverSide, 99)) }
      },
      rtcSplit: {
        count: rtcHop.length,
        dataChannelSendToReceiverMessageEvent: { p50Ms: r1(pct(rtcHop, 50)), p99Ms: r1(pct(rtcHop, 99)) },
        receiverMessageEventToCoreEvent: { p50Ms: r1(pct(rtcToCore, 50)), p99Ms: r1(pct(rtcToCore, 99)) }
      },
      loadAverage: loadavg().map(r1),
      webrtc: { sender: rtc[0], receiver: rtc[1] },
      goal: { p50Ms: 6, p99Ms: 20 }
    }
    console.log('\nP8 browser → browser latency through the relay (keypress → rendered on the other side)\n')
    console.log('| messages | p50 ms | p99 ms | max ms | goal |')
    console.log('| ---: | ---: | ---: | ---: | --- |')
    console.log(`| ${xs.length} | ${result.p50Ms} | ${result.p99Ms} | ${result.maxMs} | ≤ 6 / 20 |`)
    console.log(`\nof which on the sender (keypress → own message in its read model, after the durable write): p50 ${result.senderLocalEcho.p50Ms} ms, p99 ${result.senderLocalEcho.p99Ms} ms`)
    console.log(`keypress → the receiver's core announces it (chat 'message' event, before the UI): p50 ${result.receiverCoreEvent.p50Ms} ms, p99 ${result.receiverCoreEvent.p99Ms} ms`)
    console.log(`keypress → the message's own element shows it in the receiver's message list: p50 ${result.receiverMessageShown.p50Ms} ms, p99 ${result.receiverMessageShown.p99Ms} ms (${ss.length} seen)`)
    const w = result.wireSplit
    console.log(`\nsplit by WebSocket frames (${w.count} matched; p50 / p99 ms): keypress → sender's frame out ${w.senderKeypressToWebSocketSend.p50Ms} / ${w.senderKeypressToWebSocketSend.p99Ms}; ` +
      `→ receiver's frame in (relay hop) ${w.webSocketSendToReceiverWebSocketMessage.p50Ms} / ${w.webSocketSendToReceiverWebSocketMessage.p99Ms}; ` +
      `→ receiver's core event ${w.receiverWebSocketMessageToCoreEvent.p50Ms} / ${w.receiverWebSocketMessageToCoreEvent.p99Ms}`)
    const rs = result.rtcSplit
    console.log(`direct path (${rs.count} arrived first over the data channel; p50 / p99 ms): sender's rtc.send → receiver's data channel message event ${rs.dataChannelSendToReceiverMessageEvent.p50Ms} / ${rs.dataChannelSendToReceiverMessageEvent.p99Ms}; → receiver's core event ${rs.receiverMessageEventToCoreEvent.p50Ms} / ${rs.receiverMessageEventToCoreEvent.p99Ms} (bench/p8-rtc-floor.ts: the channel alone)`)
    const large = (xs: Array<[number, number]>): number => xs.filter(([at, size]) => at >= (pressedAt[WARMUP] ?? 0) && size > WIRE_MIN_BYTES).length
    console.log(`WebSocket frames of more than ${WIRE_MIN_BYTES} bytes per measured message: sender sent ${(large(wireA.sent) / COUNT).toFixed(1)}, receiver sent ${(large(wireB.sent) / COUNT).toFixed(1)}, receiver got ${(large(wireB.recv) / COUNT).toFixed(1)}`)
    console.log(`WebRTC peer connections (created, states reached): sender ${JSON.stringify(rtc[0])}, receiver ${JSON.stringify(rtc[1])}`)
    console.log(`load average ${result.loadAverage.join(' ')} (${cpus().length} CPUs)`)
    mkdirSync(ROOT + 'bench/results', { recursive: true })
    writeFileSync(ROOT + 'bench/results/p8-browser-latency.json', JSON.stringify(result, null, 2))
    return result
  } finally {
    await alice.dispose()
    await bob.dispose()
    await relay.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
