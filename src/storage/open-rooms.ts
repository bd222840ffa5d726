/**
 * The rooms a storage backend has open: one store per room at a time (a second open of the same room is a caller bug
 * that would interleave two writers), each forgotten when closed, all closed with the backend.
 */
import { InvalidArgumentError } from '../errors.ts'
import type { UpdateStore } from '../history/types.ts'

export class OpenRooms {
  readonly #open = new Map<string, UpdateStore>()

  /** Opens `roomKey` with `openStore` unless it is open already; the returned store leaves the set when closed. */
  async open (roomKey: string, openStore: () => Promise<UpdateStore>): Promise<UpdateStore> {
    if (this.#open.has(roomKey)) throw new InvalidArgumentError(`room ${roomKey} is already open`)
    const store = await openStore()
    const tracked: UpdateStore = {
      load: async () => await store.load(),
      append: async (u) => { await store.append(u) },
      compact: async (m) => { await store.compact(m) },
      readTail: async () => await store.readTail?.(),
      writeTail: async (frames) => { await store.writeTail?.(frames) },
      close: async () => { this.#open.delete(roomKey); await store.close() }
    }
    this.#open.set(roomKey, tracked)
    return tracked
  }

  async closeAll (): Promise<void> {
    for (const s of [...this.#open.values()]) await s.close()
  }
}
