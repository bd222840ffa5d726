import { sha256 } from '#hash'
import { FRAME_ID_OFFSET, FRAME_VERSION, MESSAGE_ID_BYTES, NONCE_BYTES, SECRETBOX_OVERHEAD_BYTES, SIGNATURE_BYTES, EPHEMERAL_TOPIC_PREFIX } from '../constants.ts'
import type { Message } from '@libp2p/gossipsub'

const MIN_FRAME_BYTES = FRAME_ID_OFFSET + MESSAGE_ID_BYTES + NONCE_BYTES + SECRETBOX_OVERHEAD_BYTES + SIGNATURE_BYTES
/** Frame kind byte of ephemeral frames (src/envelope/types.ts FrameKind.ephemeral). */
const EPHEMERAL_KIND = 2

/**
 * Gossipsub message id. Ephemeral topics carry raw frames, so their id is the frame's 16-byte message id (a replayed
 * frame is a duplicate, equal texts are not merged). Room topics carry the Yjs update of one insert, whose bytes are
 * fixed by the sender, so their id is SHA-256 of the data: a re-published update is a duplicate, and a frame header
 * look-alike inside an update can never make two different updates collide.
 */
export function chatMsgId (msg: Message): Uint8Array {
  const data = msg.data
  if (msg.topic.startsWith(EPHEMERAL_TOPIC_PREFIX) && data.length >= MIN_FRAME_BYTES && data[0] === FRAME_VERSION && data[1] === EPHEMERAL_KIND) {
    return data.slice(FRAME_ID_OFFSET, FRAME_ID_OFFSET + MESSAGE_ID_BYTES)
  }
  return sha256(data).subarray(0, 20)
}
