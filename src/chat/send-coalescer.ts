/**
 * Nagle-like coalescing of one device's outgoing room messages, with no added delay: a message goes out at once when
 * nothing of the room is being handed to the network; messages sealed while a publish is under way wait for it and
 * then go out together as ONE Yjs update (one transaction of several inserts, one store write, one gossipsub publish).
 * Every message keeps its own frame (its own author and room write signatures, its own id): receivers and relays check
 * each frame as before, and an update of several inserts is what a sync chunk already is (PROTOCOL.md, "Topics").
 *
 * What it saves under load, per message: the gossipsub envelope signature and its verification at the relay and at
 * every receiver, protobuf, noise and yamux framing on every hop, one Yjs transaction and one store write per process.
 * A lone message (an idle room, a person typing) is never held back.
 */
import { SEND_COALESCE_MAX_BYTES, SEND_COALESCE_MAX_FRAMES, SEND_COALESCE_MAX_WAIT_MS } from '../constants.ts'
import { settledWithin } from '../net/wait-until.ts'

/** What a coalesced send shares with the other messages of its batch. */
export interface CoalescedSend {
  /** The Yjs update that carries this message (and the others of its batch). */
  update: Uint8Array
  /** Resolves once the update is durable in the local store, rejects if its write failed. */
  durable: Promise<void>
  /** Resolves with whether any peer took the publish (false: nobody, or the publish failed). */
  published: Promise<boolean>
}

export interface SendCoalescerInit {
  /** Inserts the frames in order into the room log; resolves with the one update that carries them. */
  append: (frames: Uint8Array[]) => Promise<Uint8Array>
  /** Resolves once `update` (as returned by `append`) is durable. Called once per update. */
  durable: (update: Uint8Array) => Promise<void>
  /** Publishes `update`; resolves with whether any peer took it (never rejects). */
  publish: (update: Uint8Array) => Promise<boolean>
  /** Most frames in one update (default SEND_COALESCE_MAX_FRAMES). */
  maxFrames?: number
  /** Most frame bytes in one update; a single larger frame still goes alone (default SEND_COALESCE_MAX_BYTES). */
  maxBytes?: number
  /** Longest the next update waits for the previous publish to settle (default SEND_COALESCE_MAX_WAIT_MS). */
  maxWaitMs?: number
}

interface Waiting {
  frame: Uint8Array
  resolve: (sent: CoalescedSend) => void
  reject: (err: unknown) => void
}

/** One per room: call `send(frame)` for each sealed message, in the order the messages were numbered. */
/** `f()`, with a synchronous throw turned into a rejection: a sender always gets its promises settled. */
function promised<T> (f: () => Promise<T>): Promise<T> {
  try {
    return f()
  } catch (err) {
    return Promise.reject(err as Error)
  }
}

export class SendCoalescer {
  readonly #init: SendCoalescerInit
  readonly #maxFrames: number
  readonly #maxBytes: number
  readonly #maxWaitMs: number
  #queue: Waiting[] = []
  #draining = false
  #handedOff: Promise<void> | undefined
  /** Updates handed to the network so far and how many frames they carried (benchmarks, tests). */
  readonly stats = { updates: 0, frames: 0 }

  constructor (init: SendCoalescerInit) {
    this.#init = init
    this.#maxFrames = Math.max(1, init.maxFrames ?? SEND_COALESCE_MAX_FRAMES)
    this.#maxBytes = init.maxBytes ?? SEND_COALESCE_MAX_BYTES
    this.#maxWaitMs = init.maxWaitMs ?? SEND_COALESCE_MAX_WAIT_MS
  }

  /**
   * While a batch is being appended (the room log's frame listeners and its store write run then): resolves once that
   * batch has been handed to the network (its publish settled, at most maxWaitMs later; at once if the append failed).
   * Otherwise undefined. Local work on our own messages (showing them, writing them) waits on it: on a page with one
   * thread, work started first delays the publish's signature and its frames by as long as it runs.
   */
  get handedOff (): Promise<void> | undefined { return this.#handedOff }

  /** Appends and publishes `frame`, alone or with the messages queued behind the publish in progress. */
  async send (frame: Uint8Array): Promise<CoalescedSend> {
    return await new Promise<CoalescedSend>((resolve, reject) => {
      this.#queue.push({ frame, resolve, reject })
      if (!this.#draining) void this.#drain()
    })
  }

  #take (): Waiting[] {
    let bytes = 0
    let n = 0
    for (const w of this.#queue) {
      if (n > 0 && (n >= this.#maxFrames || bytes + w.frame.length > this.#maxBytes)) break
      bytes += w.frame.length
      n++
    }
    return this.#queue.splice(0, n)
  }

  async #drain (): Promise<void> {
    this.#draining = true
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take()
        let release = (): void => {}
        this.#handedOff = new Promise<void>(resolve => { release = resolve })
        let update: Uint8Array
        try {
          update = await this.#init.append(batch.map(w => w.frame))
        } catch (err) {
          release()
          for (const w of batch) w.reject(err)
          continue
        } finally {
          this.#handedOff = undefined
        }
        // Released whatever happens below: the store's writes of our own frames wait on it (durableStore hold).
        try {
          const durable = promised(() => this.#init.durable(update))
          // Each sender awaits it; this copy only keeps a failed write from being an unhandled rejection.
          durable.catch(() => {})
          const published = promised(() => this.#init.publish(update))
          this.stats.updates++
          this.stats.frames += batch.length
          for (const w of batch) w.resolve({ update, durable, published })
          // The Nagle step: what is sealed while this publish is under way goes out with the next update. Bounded, so
          // a publish that never settles cannot hold the room's later messages back.
          await settledWithin(published, this.#maxWaitMs)
        } finally {
          release()
        }
      }
    } finally {
      this.#draining = false
    }
  }
}
