/**
 * Server side of `/chatsphere/media/1.0.0`: answers a room member's request for a file we hold whole, or for the
 * verified prefix we hold of it when the requester takes one (`p`). A request from a non-member (unknown room or a
 * proof that does not verify) resets the stream and is counted; a member asking for what we lack gets `absent`. Chunks are read from the store, sealed with the file's key (AES-256-GCM when the request says it opens that, else secretbox) and sent with at most
 * MEDIA_WINDOW_CHUNKS unacknowledged (receivers verify and store each chunk: slower than the wire).
 */
import { logger } from '@libp2p/logger'
import { MEDIA_WINDOW_CHUNKS } from '../constants.ts'
import { bytesEqual, toHex } from '../crypto/encoding.ts'
import { MediaChannel } from './channel.ts'
import { T_ABSENT, T_ACK, T_HEADER, T_REQUEST, HASH_BYTES } from './codec.ts'
import { aeadChunkMessage, sealedChunkMessage } from './chunk-seal.ts'
import { aeadChunkKey, chunkCount, mediaProof } from './crypto.ts'
import type { MediaRequest } from './codec.ts'
import type { FileBody, MediaStore } from './types.ts'
import type { Stream } from '@libp2p/interface'

const log = logger('chatsphere:media:server')

/** What the server needs from the chat: room membership, file messages, the store, drop counting. */
export interface MediaServerHost {
  readonly store: MediaStore
  /** Our libp2p peer id (the proof binds it). */
  localPeer: () => string
  /** The room's proof key when we are a member of the room with this id, else undefined. */
  proofKey: (roomId: Uint8Array) => Uint8Array | undefined
  /** The `file` body of a message in that room, else undefined. */
  fileMessage: (roomId: Uint8Array, messageId: Uint8Array) => FileBody | undefined
  /** Counts a dropped request (reason) in `chat.dropped()`. */
  drop: (reason: string, roomId?: Uint8Array) => void
  /** Ends the server when the chat closes. */
  signal?: AbortSignal
}

/** Serves one incoming media stream from `remotePeer` (authenticated by the connection). Never throws. */
export async function serveMedia (stream: Stream, remotePeer: string, host: MediaServerHost): Promise<void> {
  const ch = new MediaChannel(stream, host.signal != null ? { signal: host.signal } : {})
  let req: MediaRequest
  try {
    req = await ch.read([T_REQUEST]) as MediaRequest
  } catch (err) {
    host.drop('media-malformed')
    ch.reset(`bad request: ${(err as Error).message}`)
    return
  }
  const key = host.proofKey(req.room)
  if (key == null || !bytesEqual(mediaProof(key, req.msg, remotePeer, host.localPeer()), req.proof)) {
    // Unknown room and bad proof look the same to the requester: a non-member learns nothing.
    host.drop('media-unauthorized', key == null ? undefined : req.room)
    ch.reset('not authorized')
    return
  }
  try {
    const file = host.fileMessage(req.room, req.msg)
    const hashText = file == null ? undefined : toHex(file.hash)
    const state = hashText == null ? undefined : await host.store.state(hashText)
    const n = file == null ? 0 : chunkCount(file.size)
    // A whole file, or (to a requester that takes one) the verified prefix we hold beyond what it already has.
    const complete = state?.complete === true
    const servable = state != null && file != null && state.size === file.size &&
      (complete || (req.partial === true && state.have > req.from && state.have < n))
    const hashes = hashText == null || !servable ? undefined : await host.store.loadHashes(hashText)
    if (file == null || hashText == null || state == null || !servable || hashes == null ||
      hashes.length !== n * HASH_BYTES || req.from > n) {
      await ch.write({ t: T_ABSENT })
      await stream.close()
      return
    }
    const end = complete ? n : state.have
    const list: Uint8Array[] = []
    for (let i = 0; i < n; i++) list.push(hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES))
    // AES-256-GCM chunks to a requester that opens them (native AES: a fraction of the secretbox's CPU), else secretboxes.
    const aeadKey = req.aead === true ? await aeadChunkKey(file.key) : undefined
    await ch.write({ t: T_HEADER, hashes: list, ...(complete ? {} : { held: end }), ...(aeadKey != null ? { aead: true } : {}) })
    let acked = req.from
    let failed: unknown
    let wake: (() => void) | undefined
    const acks = (async () => {
      while (acked < end) {
        const m = await ch.read([T_ACK])
        if (m.t === T_ACK && m.n > acked && m.n <= end) acked = m.n
        wake?.()
      }
    })().catch((err: unknown) => { failed = err; wake?.() })
    // The next chunk is read from the store and sealed while this one is written (the store is the slow part;
    // WebCrypto's AES runs off this thread).
    const prepare = (i: number): Promise<Uint8Array> | undefined => {
      if (i >= end) return undefined
      const p = host.store.readChunk(hashText, i).then(async (plain) => aeadKey != null ? await aeadChunkMessage(plain, i, aeadKey) : sealedChunkMessage(plain, i, file.key))
      p.catch(() => {})
      return p
    }
    let ahead = prepare(req.from)
    for (let i = req.from; i < end; i++) {
      while (i - acked >= MEDIA_WINDOW_CHUNKS && failed == null) await new Promise<void>(resolve => { wake = resolve })
      if (failed != null) throw failed
      const message = await (ahead as Promise<Uint8Array>)
      ahead = prepare(i + 1)
      await ch.writeEncoded(message)
    }
    await acks
    await stream.close()
  } catch (err) {
    log('media stream to %s ended: %s', remotePeer, (err as Error).message)
    ch.reset('serving failed')
  }
}
