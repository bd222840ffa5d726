import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { KEEP_PROTOCOL, KEEP_TIMEOUT_MS, MAX_KEEP_RESPONSE_BYTES } from '../constants.ts'
import { decodeKeepResponse, encodeKeepRequest, signKeepRequest } from '../net/keep-request.ts'
import type { KeepOp, KeepRequestFields, KeepResponse } from '../net/keep-request.ts'
import type { RoomKeys } from '../room/keys.ts'
import type { Libp2p } from '@libp2p/interface'

/**
 * Sends one keep request (`keep` or `status`) for a room to a connected relay and returns its answer. Throws when
 * the relay does not speak the protocol or does not answer within KEEP_TIMEOUT_MS.
 */
export async function requestKeep (node: Libp2p, relayPeerId: string, room: RoomKeys, op: KeepOp, ids?: Uint8Array[]): Promise<KeepResponse> {
  const signal = AbortSignal.timeout(KEEP_TIMEOUT_MS)
  const fields: KeepRequestFields = {
    op,
    topic: room.topic,
    ephemeralTopic: room.ephemeralTopic,
    roomId: room.roomId,
    writePublicKey: room.writePublicKey,
    relay: relayPeerId,
    time: Date.now()
  }
  if (ids != null && ids.length > 0) fields.ids = ids
  const request = await signKeepRequest(fields, room.writeSeed)
  const stream = await node.dialProtocol(peerIdFromString(relayPeerId), KEEP_PROTOCOL, { signal, runOnLimitedConnection: true })
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_KEEP_RESPONSE_BYTES })
    await lp.write(encodeKeepRequest(request), { signal })
    const response = decodeKeepResponse((await lp.read({ signal })).subarray())
    await stream.close({ signal }).catch(() => {})
    return response
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
