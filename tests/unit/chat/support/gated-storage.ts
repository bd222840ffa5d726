import { memoryStorage } from './memory-storage.ts'
import type { StorageBackend } from '../../../../src/history/types.ts'

/** Memory storage whose room appends wait while the gate is closed. */
export function gatedStorage (): StorageBackend & { close: () => Promise<void>, hold: () => void, release: () => void, held: () => number, stored: () => number } {
  const base = memoryStorage()
  let open = true
  let waiting: Array<() => void> = []
  let stored = 0
  return {
    ...base,
    async openRoom (key) {
      const s = await base.openRoom(key)
      return {
        load: async () => await s.load(),
        append: async (u) => {
          if (!open) await new Promise<void>(resolve => waiting.push(resolve))
          await s.append(u)
          stored++
        },
        compact: async (m) => { await s.compact(m) },
        close: async () => { await s.close() }
      }
    },
    hold: () => { open = false },
    release: () => { open = true; const w = waiting; waiting = []; for (const r of w) r() },
    held: () => waiting.length,
    stored: () => stored
  }
}
