/**
 * The rescue journal's writes (src/storage/rescue-copy.ts) moved to the page's idle time. A Cache Storage put costs
 * the main thread 0.8-4 ms even for a few hundred bytes (measured in P8 traces under load: Chromium builds a blob
 * and a Response and hands them to the browser process), and the journal writes one per room-log update: right
 * after a message is sent or shown, that time sat in front of the next publish, signature check or render. Updates
 * appended before the page is idle go to the journal together (its group commit makes that one or two puts).
 * Each append still resolves only once the journal has it, so the "saved" state of a message, which waits for the
 * store and the journal, keeps its meaning; it is reported up to IDLE_TIMEOUT_MS later on a page that is never idle.
 */
import type { RescueJournal } from '../../../src/storage/rescue-copy.ts'

/** Longest an append waits for idle time. */
const IDLE_TIMEOUT_MS = 200

interface Pending { update: Uint8Array, resolve: () => void, reject: (err: unknown) => void }

const whenIdle: (run: () => void) => void = typeof requestIdleCallback === 'function'
  ? (run) => { requestIdleCallback(run, { timeout: IDLE_TIMEOUT_MS }) }
  : (run) => { setTimeout(run, 0) }

/** Wraps `inner` so its appends start in idle time, in call order. */
export function idleJournal (inner: RescueJournal): RescueJournal {
  let pending: Pending[] = []
  const flush = (): void => {
    const batch = pending
    pending = []
    for (const p of batch) inner.append(p.update).then(p.resolve, p.reject)
  }
  return {
    async append (update) {
      await new Promise<void>((resolve, reject) => {
        // Copied now: the caller may reuse its buffer before the idle callback runs.
        pending.push({ update: update.slice(), resolve, reject })
        if (pending.length === 1) whenIdle(flush)
      })
    },
    entries: async () => await inner.entries()
  }
}
