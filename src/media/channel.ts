/** A media stream as length-prefixed media messages, each read bounded in size and in idle time. */
import { lpStream } from '@libp2p/utils'
import { MAX_MEDIA_MESSAGE_BYTES, MEDIA_IDLE_TIMEOUT_MS } from '../constants.ts'
import { MediaProtocolError } from '../errors.ts'
import { decodeMediaMessage, encodeMediaMessage } from './codec.ts'
import type { MediaMessage } from './codec.ts'
import type { Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'

export class MediaChannel {
  readonly stream: Stream
  readonly #lp: LengthPrefixedStream<Stream>
  readonly #signal: AbortSignal | undefined
  readonly #idleMs: number

  constructor (stream: Stream, opts: { signal?: AbortSignal, idleTimeoutMs?: number } = {}) {
    this.stream = stream
    this.#lp = lpStream(stream, { maxDataLength: MAX_MEDIA_MESSAGE_BYTES })
    this.#signal = opts.signal
    this.#idleMs = opts.idleTimeoutMs ?? MEDIA_IDLE_TIMEOUT_MS
  }

  /**
   * Reads the next message, of one of the `expect` types. A closed stream, an idle timeout or a read error is a
   * MediaProtocolError with `cause`; a message that does not decode throws MalformedError / OversizedError.
   */
  async read (expect: readonly number[]): Promise<MediaMessage> {
    if (this.#signal?.aborted === true) throw new MediaProtocolError('media stream aborted', { cause: this.#signal.reason })
    const idle = AbortSignal.timeout(this.#idleMs)
    const signal = this.#signal == null ? idle : AbortSignal.any([idle, this.#signal])
    let bytes: Uint8Array
    try {
      bytes = (await this.#lp.read({ signal })).subarray()
    } catch (err) {
      throw new MediaProtocolError(`media read failed: ${(err as Error).message}`, { cause: idle.aborted ? new Error('idle timeout') : err })
    }
    return decodeMediaMessage(bytes, expect)
  }

  async write (m: MediaMessage): Promise<void> {
    await this.writeEncoded(encodeMediaMessage(m))
  }

  /** Writes a message already encoded (e.g. a chunk sealed in place by chunk-seal.ts). */
  async writeEncoded (bytes: Uint8Array): Promise<void> {
    await this.#lp.write(bytes, this.#signal == null ? {} : { signal: this.#signal })
  }

  /** Ends the stream abruptly (the other side sees a reset). */
  reset (reason: string): void {
    this.stream.abort(new MediaProtocolError(reason))
  }
}
