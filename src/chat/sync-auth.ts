/**
 * Proof of room membership for the sync protocol (PROTOCOL.md "Sync protocol", "Membership proof"). A sync session
 * hands over a room's whole encrypted log, so each side proves, before the other sends a chunk, that it may have it:
 *
 * - a member signs the session with the room write key (the key whose signature every frame carries): a domain tag,
 *   the wire version, the message it rides in (hello or state), the topic and both peer ids. The peer ids are the
 *   connection's (libp2p authenticates them), so a proof is good for this pair of peers only: a peer that received one
 *   cannot present it to anyone else, nor reflect it back (the role differs).
 * - a relay holds no write key. It proves with a keep request a member signed for it (addressed to its peer id,
 *   signed by the same write key): "a member asked this relay to keep the room". Any peer that knows the write public
 *   key can check it, and only the relay it names (the connection's remote peer) can use it. It is never shown to a
 *   peer that has not proven anything: a relay sends it in `state` (after checking the initiator) and in `hello` only to
 *   the relays it federates with (its --peer list).
 * - with no proof, a peer is accepted only if it is trusted: a member's own relays (it asked them to keep its rooms,
 *   they hold every frame already), a relay's --peer relays.
 */
import { sign, verify } from '#ed25519'
import { TAG_SYNC_PROOF } from '../constants.ts'
import { bytesEqual, concatBytes, utf8Encode } from '../crypto/encoding.ts'
import { encodeCbor } from '../envelope/codec.ts'
import { SYNC_VERSION } from '../history/sync.ts'
import { decodeKeepRequest, verifyKeepRequest } from '../net/keep-request.ts'
import type { SyncAuth, SyncProof, SyncProofRole, SyncRefusal, SyncSession } from '../history/sync.ts'

/** The bytes a member signs with the room write key for one session and role. */
export function syncProofInput (session: SyncSession, role: SyncProofRole): Uint8Array {
  const body = encodeCbor({ v: SYNC_VERSION, m: role, topic: session.topic, i: session.initiator, r: session.responder })
  return concatBytes(utf8Encode(TAG_SYNC_PROOF), Uint8Array.of(0), body)
}

export interface SyncAuthInit {
  /** The room write public key: checks members' signatures and the keep requests relays show. */
  writePublicKey: Uint8Array
  /** A member's room write seed: it signs every session. */
  writeSeed?: Uint8Array
  /** A relay's proof: the encoded keep request a member signed for it (the latest it got), if any. */
  keepRequest?: () => Uint8Array | undefined
  /** Peers accepted without a proof (a member's relays; a relay's federated relays). */
  trusted: (peerId: string) => boolean
}

/** Membership proof and check of one room for one side (member: writeSeed; relay: keepRequest). */
export function syncAuth (init: SyncAuthInit): SyncAuth {
  return {
    async prove (session, role) {
      if (init.writeSeed !== undefined) return { memberSignature: await sign(init.writeSeed, syncProofInput(session, role)) }
      // A keep request tells whoever reads it the room's id and ephemeral topic: shown only to a checked or trusted peer.
      const to = role === 'hello' ? session.responder : session.initiator
      if (role === 'hello' && !init.trusted(to)) return undefined
      const keepRequest = init.keepRequest?.()
      return keepRequest === undefined ? undefined : { keepRequest }
    },
    async check (session, role, proof) {
      const from = role === 'hello' ? session.initiator : session.responder
      return await checkProof(init, session, role, from, proof)
    }
  }
}

async function checkProof (init: SyncAuthInit, session: SyncSession, role: SyncProofRole, from: string, proof: SyncProof): Promise<SyncRefusal | undefined> {
  if (proof.memberSignature !== undefined) {
    return await verify(init.writePublicKey, syncProofInput(session, role), proof.memberSignature) ? undefined : 'bad-proof'
  }
  if (proof.keepRequest !== undefined) {
    try {
      const req = decodeKeepRequest(proof.keepRequest)
      if (req.topic !== session.topic || !bytesEqual(req.writePublicKey, init.writePublicKey)) return 'bad-proof'
      // Addressed to the peer at the other end of this connection, signed by the room write key. Its age is not
      // checked (`now` = its own time): a relay a member once asked to keep the room holds the room's log anyway.
      await verifyKeepRequest(req, from, req.time)
      return undefined
    } catch {
      return 'bad-proof'
    }
  }
  return init.trusted(from) ? undefined : 'no-proof'
}
