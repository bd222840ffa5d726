/**
 * In-memory UpdateStore: nothing survives the process. For tests, benchmarks and ephemeral peers (a relay in
 * `--memory` mode); it passes the same suite as the durable stores, except the reopen cases.
 */
import { InvalidArgumentError } from '../errors.ts'
import type { UpdateStore } from '../history/types.ts'

/** Tail caches by records array, so a store reopened on the same array sees its tail too. */
const tails = new WeakMap<Uint8Array[], Uint8Array[]>()

/** A memory store; pass the same `records` array to a second store to model a reopen. */
export function memoryUpdateStore (records: Uint8Array[] = []): UpdateStore & { readonly records: Uint8Array[] } {
  let closed = false
  return {
    records,
    async readTail () { return tails.get(records)?.map(f => f.slice()) },
    async writeTail (frames) { tails.set(records, frames.map(f => f.slice())) },
    async load () { return records.map(r => r.slice()) },
    async append (update) {
      if (closed) throw new InvalidArgumentError('store is closed')
      if (update.length === 0) throw new InvalidArgumentError('empty update')
      records.push(update.slice())
    },
    async compact (merged) {
      if (closed) throw new InvalidArgumentError('store is closed')
      records.splice(0, records.length, merged.slice())
    },
    async close () { closed = true }
  }
}
