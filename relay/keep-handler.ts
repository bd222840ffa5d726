/**
 * Server side of KEEP_PROTOCOL: one length-prefixed keep request in, one response out. A verified `keep` starts (or
 * refreshes) keeping the room within the quota; `status` only reports the state vector the relay holds, which is how
 * a peer learns its message is held by the relay.
 */
import { lpStream } from '@libp2p/utils'
import { KEEP_TIMEOUT_MS, MAX_KEEP_REQUEST_BYTES, MAX_KEEP_RESPONSE_BYTES } from '../src/constants.ts'
import { bytesEqual } from '../src/crypto/encoding.ts'
import { decodeKeepRequest, encodeKeepResponse, verifyKeepRequest } from '../src/net/keep-request.ts'
import type { KeptRoom, KeptRooms } from './kept-rooms.ts'
import type { RelayMetrics } from './metrics.ts'
import type { KeepResponse } from '../src/net/keep-request.ts'
import type { Stream } from '@libp2p/interface'
import type { Logger } from 'pino'

export interface KeepHandlerInit {
  relayPeerId: string
  maxRooms: number
  kept: KeptRooms
  metrics: RelayMetrics
  onNewRoom: (room: KeptRoom) => Promise<void>
  log: Logger
}

/** Answers one keep request on `stream`, then closes it. */
export async function handleKeepStream (stream: Stream, init: KeepHandlerInit): Promise<void> {
  const signal = AbortSignal.timeout(KEEP_TIMEOUT_MS)
  const lp = lpStream(stream, { maxDataLength: Math.max(MAX_KEEP_REQUEST_BYTES, MAX_KEEP_RESPONSE_BYTES) })
  try {
    const bytes = (await lp.read({ signal })).subarray()
    init.metrics.keepRequests++
    const response = await answer(bytes, init)
    await lp.write(encodeKeepResponse(response), { signal })
    await stream.close({ signal })
  } catch (err) {
    init.log.debug({ err: (err as Error).message }, 'keep stream failed')
    stream.abort(err as Error)
  }
}

async function answer (bytes: Uint8Array, init: KeepHandlerInit): Promise<KeepResponse> {
  let req
  try {
    req = decodeKeepRequest(bytes)
  } catch {
    init.metrics.drop('keep-bad-request')
    return { ok: false, error: 'bad-request' }
  }
  try {
    await verifyKeepRequest(req, init.relayPeerId)
  } catch (err) {
    const msg = (err as Error).message
    if ((err as Error).name === 'BadSignatureError') { init.metrics.drop('keep-bad-signature'); return { ok: false, error: 'bad-signature' } }
    if (msg.startsWith('wrong-relay')) { init.metrics.drop('keep-wrong-relay'); return { ok: false, error: 'wrong-relay' } }
    init.metrics.drop('keep-stale')
    return { ok: false, error: 'stale' }
  }
  let room = init.kept.byTopic(req.topic)
  if (room != null && (!bytesEqual(room.writePublicKey, req.writePublicKey) || !bytesEqual(room.roomId, req.roomId) || room.ephemeralTopic !== req.ephemeralTopic)) {
    // First keeper of a topic wins; see THREAT_MODEL.md (topic squatting needs the topic, which only members and
    // gossip neighbours see, and costs the squatter nothing but denies the room this relay's storage).
    init.metrics.drop('keep-conflict')
    return { ok: false, error: 'conflict' }
  }
  if (req.op === 'status') {
    if (room == null) return { ok: false, error: 'not-kept' }
    return await answerFrom(room, req.ids)
  }
  if (room == null) {
    if (init.kept.size >= init.maxRooms) {
      init.metrics.drop('keep-quota')
      return { ok: false, error: 'quota' }
    }
    // Registered at once: a second request for the same new room finds it and waits for the same open.
    room = init.kept.add({ topic: req.topic, ephemeralTopic: req.ephemeralTopic, roomId: req.roomId, writePublicKey: req.writePublicKey, lastRequest: Date.now(), keepRequest: bytes.slice() })
    // Subscribed once its log is open, as before logs were opened on demand: a log that cannot open keeps nothing.
    try {
      await room.use(() => {})
    } catch (err) {
      init.kept.remove(room)
      throw err
    }
    await init.onNewRoom(room)
  } else {
    room.lastRequest = Date.now()
    // The relay's sync membership proof; a room kept before it had one (an older kept-rooms file) gets it now.
    if (room.keepRequest === undefined) {
      room.keepRequest = bytes.slice()
      await init.kept.save()
    }
  }
  return await answerFrom(room, req.ids)
}

/** The room's state vector, and which of `ids` it holds; opens the log if it was closed for being idle. */
async function answerFrom (room: KeptRoom, ids: Uint8Array[] | undefined): Promise<KeepResponse> {
  return await room.use((log) => {
    const res: KeepResponse = { ok: true, stateVector: log.stateVector() }
    if (ids == null || ids.length === 0) return res
    const held = new Uint8Array(Math.ceil(ids.length / 8))
    ids.forEach((id, i) => { if (log.has(id)) held[i >> 3] = (held[i >> 3] as number) | (1 << (i & 7)) })
    return { ...res, held }
  })
}
