/**
 * Browser crash consistency (issue 8, test 4): the Chromium process is killed with SIGKILL while the app sends a
 * burst of messages; every message the app showed with a delivery state ("Saved on this device" or its ticks: the
 * app's acknowledgement) must be there after reopening the same user-data-dir, and the IndexedDB store must open.
 *
 * The burst is sent while the browser is offline, so those messages exist only in this browser's IndexedDB: after the
 * reopen nothing can come back from the relay. An in-page poller records every own message that shows a delivery
 * state; the test reads that record, then kills the browser at once (acknowledgements after the last read are not
 * counted, which only makes the check weaker, never wrong).
 *
 * CRASH_BROWSER_CYCLES sets the number of kill/reopen cycles (default 2). Chromium sometimes deletes the whole
 * IndexedDB store at a launch after a kill (a kill between the two write() calls of a LevelDB log record tears it; the
 * next launch appends after the torn header; the launch after that fails the checksum and Chromium deletes the store:
 * THREAT_MODEL.md). The app then restores its identity and rooms from the rescue copy (src/storage/rescue-copy.ts);
 * acknowledged messages sent offline are gone with the store. Such a cycle is reported and its lost messages
 * counted; CRASH_BROWSER_STRICT=1 makes any acknowledged message lost that way a failure.
 * CRASH_BROWSER_TEAR_AT=<cycle> appends a torn record header to the log after that cycle's kill (the deletion then
 * comes at the next cycle's reopen), to exercise that path on purpose.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from './support/app-server.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { createIdentity, createRoom, messages } from './support/flows.ts'
import { describeStore, indexedDbStores, processesHolding, storeLogTail } from './support/leveldb-tail.ts'
import { deviceSeedHex } from './support/device-seed.ts'
import type { Page } from 'playwright-core'

const CYCLES = Number(process.env.CRASH_BROWSER_CYCLES ?? 2)
const ROOM = 'Crash room'
/** Tall enough that the virtualized message list renders every message of the test. */
const VIEWPORT = { width: 1280, height: 4000 }

/** Records, in the page, the text of every own message shown with a delivery state (looks through shadow roots). */
const ACK_POLLER = `(() => {
  if (window.__acked) return
  window.__acked = []
  const seen = new Set()
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'CS-MESSAGE' && el.shadowRoot && el.shadowRoot.querySelector('.delivery') && el.message) {
        const text = el.message.text
        if (typeof text === 'string' && !seen.has(text)) { seen.add(text); window.__acked.push(text) }
      }
      if (el.shadowRoot) visit(el.shadowRoot)
    }
  }
  setInterval(() => visit(document), 5)
})()`

/** Pids of the Chromium processes using this profile directory, and all their descendants (renderers, utilities). */
function chromiumPids (profileDir: string): number[] {
  const parent = new Map<number, number>()
  const pids = new Set<number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (cmd.includes(`--user-data-dir=${profileDir}`)) pids.add(Number(entry))
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch { /* gone */ }
  }
  for (let grew = true; grew;) {
    grew = false
    for (const [pid, ppid] of parent) if (!pids.has(pid) && pids.has(ppid)) { pids.add(pid); grew = true }
  }
  return [...pids]
}

/** The IndexedDB / LevelDB lines of a Chromium log file. */
function chromiumErrors (file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(l => /indexed_db|leveldb|IndexedDB/i.test(l)).slice(0, 8).join(' | ') || '(no IndexedDB lines)'
  } catch { return '(no log file)' }
}

function alive (pid: number): boolean {
  try { return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) } catch { return false }
}

async function openRoom (page: Page): Promise<void> {
  await page.getByRole('button', { name: new RegExp(ROOM) }).click()
  await page.getByRole('heading', { name: ROOM, level: 2 }).waitFor()
}

describe('browser killed while sending', () => {
  let relay: AppServer
  let user: User | undefined
  let profileDir: string
  /** The identity seed, which must survive every cycle (also one where Chromium deleted the store). */
  let seed: string
  /** Chromium log files of the relaunches. */
  const logDir = mkdtempSync(join(tmpdir(), 'cs-crash-logs-'))

  beforeAll(async () => {
    relay = await startRelay()
    user = await openUser({ viewport: VIEWPORT })
    profileDir = user.profileDir
    await createIdentity(user.page, relay.url, 'Crasher')
    await createRoom(user.page, ROOM)
    seed = await deviceSeedHex(user.page)
  })

  afterAll(async () => {
    await user?.dispose()
    await relay?.stop()
    rmSync(logDir, { recursive: true, force: true })
  })

  it(`keeps every acknowledged message over ${CYCLES} SIGKILL/reopen cycles`, async () => {
    const acked: string[] = []
    let sentTotal = 0
    let chromiumStoreLost = 0
    /** Launches where Chromium deleted the store and the app restored identity and rooms; messages lost with it. */
    let storeDeleted = 0
    let lostWithStore = 0
    /** Kills after which the IndexedDB log ended inside a record. */
    const tornKills: string[] = []
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const u = user as User
      const page = u.page
      await page.evaluate(ACK_POLLER)
      await u.context.setOffline(true)
      // A burst sent from inside the page as fast as the composer takes it (input + Enter events on its textarea),
      // then, after a random 0-600 ms (acknowledgements take from a few ms to hundreds on a loaded machine), the
      // acknowledgements are read and the browser is killed: some sends are still in flight.
      const burst = 5 + Math.floor(Math.random() * 20)
      const waitMs = Number(process.env.CRASH_BROWSER_WAIT_MS ?? Math.floor(Math.random() * 600))
      const prefix = `crash c${cycle} m`
      // Every other cycle waits for the first acknowledgement of the burst before its random wait, so the check always
      // has acknowledged messages to look for (the others may kill before any).
      const afterFirstAck = cycle % 2 === 1
      const before = await page.evaluate(async ({ burst, waitMs, prefix, afterFirstAck }) => {
        const find = (root: Document | ShadowRoot): HTMLTextAreaElement | undefined => {
          for (const el of root.querySelectorAll('*')) {
            if (el instanceof HTMLTextAreaElement && el.getAttribute('aria-label') === 'Message') return el
            if (el.shadowRoot != null) { const t = find(el.shadowRoot); if (t != null) return t }
          }
          return undefined
        }
        const box = find(document)
        if (box == null) throw new Error('no message box')
        for (let k = 0; k < burst; k++) {
          box.value = `${prefix}${k}`
          box.dispatchEvent(new Event('input', { bubbles: true, composed: true }))
          box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }))
        }
        const acks = (): string[] => (window as unknown as { __acked: string[] }).__acked.filter(t => t.startsWith(prefix))
        for (let i = 0; afterFirstAck && acks().length === 0 && i < 1000; i++) await new Promise(resolve => setTimeout(resolve, 10))
        await new Promise(resolve => setTimeout(resolve, afterFirstAck ? waitMs / 10 : waitMs))
        return acks()
      }, { burst, waitMs, prefix, afterFirstAck })
      sentTotal += burst
      const killAfter = burst
      const pids = chromiumPids(profileDir)
      expect(pids.length).toBeGreaterThan(0)
      for (const pid of pids) { try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ } }
      await u.context.close().catch(() => {})
      // Every process of that browser is gone before the reopen (as after a real crash of the whole browser).
      const gone = Date.now() + 10_000
      while (pids.some(alive) && Date.now() < gone) await new Promise(resolve => setTimeout(resolve, 20))
      expect(pids.filter(alive), 'browser processes still running after SIGKILL').toEqual([])
      user = undefined
      acked.push(...before)
      // Diagnostics for a store Chromium may declare corrupt at a later reopen: does any process still hold the
      // profile, and did this kill tear the last record of the IndexedDB LevelDB log (see THREAT_MODEL.md)?
      const holders = processesHolding(profileDir)
      const tails = indexedDbStores(profileDir).map(d => storeLogTail(d)).filter(t => t !== undefined)
      const torn = tails.filter(t => t.state !== 'clean')
      tornKills.push(...torn.map(t => `cycle ${cycle}: ${t.state}${t.claims !== undefined ? ` claiming ${t.claims} bytes` : ''} at ${t.size} bytes`))
      if (process.env.CRASH_BROWSER_TEAR_AT === String(cycle)) {
        for (const t of tails) appendFileSync(t.file, Buffer.from([0x11, 0x22, 0x33, 0x44, 0x40, 0x00, 0x01]))
        process.stdout.write(`browser crash cycle ${cycle}: appended a torn record header to ${tails.length} IndexedDB log(s) (CRASH_BROWSER_TEAR_AT)\n`)
      }
      if (torn.length > 0 || holders.length > 0) {
        process.stdout.write(`browser crash cycle ${cycle}: after the kill: IndexedDB log ${torn.map(t => `${t.state}${t.claims !== undefined ? ` (header claims ${t.claims} bytes)` : ''}`).join(', ') || 'clean'}; processes holding the profile: ${JSON.stringify(holders)}\n`)
      }
      // Chromium's profile lock (SingletonLock) points at a dead pid now; a new launch takes it over.
      // Chromium's own log of this launch (its IndexedDB errors name the LevelDB status, e.g. "checksum mismatch").
      const chromeLog = join(logDir, `chrome-${cycle}.log`)
      const again = await openUser({ profileDir, viewport: VIEWPORT, args: ['--enable-logging', `--log-file=${chromeLog}`] })
      user = again
      await again.page.goto(relay.url)
      const storeReport = (): string => `  Chromium log: ${chromiumErrors(chromeLog)}\n${indexedDbStores(profileDir).map(d => `  ${d.slice(profileDir.length)}: ${describeStore(d)}`).join('\n')}\n  torn log tails after earlier kills: ${tornKills.join('; ') || 'none'}`
      // The store opens: the app reaches the room list with its identity and room.
      try {
        await openRoom(again.page)
      } catch (err) {
        // Chromium itself sometimes declares the profile's IndexedDB backing store corrupt after a SIGKILL (about 1 in
        // 20-40 kills here) and drops it: no acknowledged message can be checked then. Outside the strict mode that is
        // reported and counted (THREAT_MODEL.md, "Proving ground"), and the run goes on with a fresh profile.
        const lost = /backing store|no longer holds the identity/i
        const storeLost = again.logs.some(l => lost.test(l)) ||
          (await again.page.getByText(lost).count().catch(() => 0)) > 0 // pierces the app's shadow roots
        if (storeLost && process.env.CRASH_BROWSER_STRICT !== '1' && process.env.CRASH_BROWSER_RELOAD !== '1') {
          chromiumStoreLost++
          process.stdout.write(`browser crash cycle ${cycle}: CHROMIUM DROPPED THE INDEXEDDB STORE after the kill ("Internal error opening backing store"); ${before.length} acknowledged messages cannot be checked; going on with a fresh profile\n${storeReport()}\n`)
          for (let i = acked.length - 1; i >= 0; i--) if ((acked[i] ?? '').startsWith(`crash c${cycle} `) || (acked[i] ?? '').startsWith(`crash c${cycle - 1} `)) acked.splice(i, 1)
          await again.dispose()
          user = await openUser({ viewport: VIEWPORT })
          profileDir = user.profileDir
          await createIdentity(user.page, relay.url, 'Crasher')
          await createRoom(user.page, ROOM)
          continue
        }
        if (process.env.CRASH_BROWSER_RELOAD === '1') {
          // Diagnosis: does the store open on a reload a moment later (a transient error) or stay broken?
          await new Promise(resolve => setTimeout(resolve, 2_000))
          await again.page.reload()
          const ok = await openRoom(again.page).then(() => true, () => false)
          process.stdout.write(`browser crash cycle ${cycle}: the store did not open at first; after a reload: ${ok ? 'opened' : 'still broken'}\n`)
          // ...and after a clean restart of the browser?
          await again.close()
          const third = await openUser({ profileDir, viewport: VIEWPORT })
          user = third
          await third.page.goto(relay.url)
          const ok2 = await openRoom(third.page).then(() => true, () => false)
          const have = ok2 ? await third.page.evaluate(() => document.body.innerText.length) : 0
          process.stdout.write(`browser crash cycle ${cycle}: after closing and relaunching the browser: ${ok2 ? `opened (${have} chars of page text)` : 'still broken'}\n`)
          // Chromium's own account: the LevelDB logs of the profile's IndexedDB backing stores.
          const idbDir = join(profileDir, 'Default', 'IndexedDB')
          for (const store of readdirSync(idbDir, { withFileTypes: true }).filter(d => d.isDirectory())) {
            for (const f of ['LOG', 'LOG.old']) {
              try { process.stdout.write(`  ${store.name}/${f}: ${readFileSync(join(idbDir, store.name, f), 'utf8').split('\n').slice(-8).join(' | ')}\n`) } catch { /* none */ }
            }
            process.stdout.write(`  ${store.name}: ${readdirSync(join(idbDir, store.name)).join(' ')}\n`)
          }
        }
        await screenshot(again.page, `crash-reopen-${cycle}`).catch(() => {})
        process.stdout.write(`browser crash cycle ${cycle}: the store did not open; processes holding the profile before the relaunch: ${JSON.stringify(holders)}\n${storeReport()}\n`)
        throw new Error(`cycle ${cycle}: the app did not reopen the room after the kill (${before.length} acknowledged). Page text:\n${(await again.page.locator('body').innerText().catch(() => '(page closed)')).slice(0, 800)}\nlogs:\n${again.logs.filter(l => /IndexedDB|indexedDB|error/i.test(l)).slice(-20).join('\n')}`, { cause: err })
      }
      // Every acknowledged message is in the room's list (read from the rendered message elements).
      const shown = async (): Promise<string[]> => await again.page.evaluate(() => {
        const out: string[] = []
        const visit = (root: Document | ShadowRoot): void => {
          for (const el of root.querySelectorAll('*')) {
            const m = (el as unknown as { message?: { text?: string } }).message
            if (el.tagName === 'CS-MESSAGE' && typeof m?.text === 'string') out.push(m.text)
            if (el.shadowRoot != null) visit(el.shadowRoot)
          }
        }
        visit(document)
        return out
      })
      // The list is virtualized: only the newest ~100 messages are rendered even in the tall viewport, so each reopen
      // checks the messages acknowledged in this cycle and the one before (older ones were checked at their reopen).
      const recent = acked.filter(t => t.startsWith(`crash c${cycle} `) || t.startsWith(`crash c${cycle - 1} `))
      const deadline = Date.now() + 15_000
      let missing = recent
      while (missing.length > 0 && Date.now() < deadline) {
        const have = new Set(await shown())
        missing = recent.filter(t => !have.has(t))
        if (missing.length > 0) await new Promise(resolve => setTimeout(resolve, 200))
      }
      // Did Chromium delete the store at this launch (its log says so)? The identity and the room then came back from
      // the rescue copy (src/storage/rescue-copy.ts); messages that never left the device are gone with the store.
      const deletedByChromium = /checksum mismatch|recovering from a corrupted/i.test(chromiumErrors(chromeLog))
      if (deletedByChromium) {
        storeDeleted++
        expect(await deviceSeedHex(again.page), 'identity after Chromium deleted the store').toBe(seed)
        const gone = missing
        lostWithStore += gone.length
        process.stdout.write(`browser crash cycle ${cycle}: CHROMIUM DELETED THE INDEXEDDB STORE at this launch; identity and room restored from the rescue copy; ${gone.length} of ${recent.length} acknowledged messages of this and the previous cycle lost with it (sent offline, never left the device)\n${storeReport()}\n`)
        if (process.env.CRASH_BROWSER_STRICT === '1') expect(gone, `cycle ${cycle}: acknowledged messages lost when Chromium deleted the store`).toEqual([])
        for (let i = acked.length - 1; i >= 0; i--) if (gone.includes(acked[i] ?? '')) acked.splice(i, 1)
        expect((await pageProblems(again.page)).errors).toEqual([])
        continue
      }
      if (missing.length > 0) await screenshot(again.page, `crash-lost-${cycle}`)
      expect(missing, `cycle ${cycle}: acknowledged messages missing after reopening (shown: ${(await shown()).join(' | ')})`).toEqual([])
      await messages(again.page).waitFor()
      const retried = again.logs.filter(l => l.includes('IndexedDB open failed'))
      if (retried.length > 0) process.stdout.write(`browser crash cycle ${cycle}: the store opened after ${retried.length} retried IndexedDB open(s): ${retried[0] ?? ''}\n`)
      const problems = await pageProblems(again.page)
      expect(problems.errors).toEqual([])
      process.stdout.write(`browser crash cycle ${cycle}: ${killAfter} sent, killed ${afterFirstAck ? `${Math.round(waitMs / 10)} ms after the first acknowledgement` : `${waitMs} ms later`} with ${before.length} acknowledged; ${recent.length} of this and the previous cycle present\n`)
    }
    process.stdout.write(`browser crash: ${CYCLES} cycles, ${sentTotal} sent, ${acked.length} acknowledged and checked, 0 lost; Chromium deleted the store ${storeDeleted} time(s) (identity and room restored; ${lostWithStore} offline acknowledged messages lost with it) and ${chromiumStoreLost} time(s) without a restore\n`)
    expect(acked.length).toBeGreaterThan(0)
  }, 60_000 + CYCLES * 20_000)
})
