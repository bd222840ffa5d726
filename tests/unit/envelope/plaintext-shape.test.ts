import { describe, it, expect } from 'vitest'
import { sign } from '#ed25519'
import { createIdentity } from '../../../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import { openFrame, reopenFrame } from '../../../src/envelope/open.ts'
import { encodeCbor } from '../../../src/envelope/codec.ts'
import { messageIdOf } from '../../../src/envelope/message-id.ts'
import { authorSigningInput } from '../../../src/envelope/signing-input.ts'
import { MESSAGE_VERSION } from '../../../src/constants.ts'
import { MalformedError } from '../../../src/errors.ts'
import { craftFrame } from './craft.ts'

// openFrame reads a canonical [inner, signature] plaintext without the generic CBOR decoder; every other encoding
// must still go through the strict decoder and get its verdict.
describe('plaintext shape', () => {
  const room = deriveRoomKeys(createRoomSecret())
  const alice = createIdentity()
  const id = messageIdOf(room, alice.publicKey, 1, 1)

  async function parts (text: string): Promise<{ inner: Uint8Array, sig: Uint8Array }> {
    const inner = encodeCbor({ v: MESSAGE_VERSION, a: alice.publicKey, d: 1, s: 1, t: Date.now(), b: { k: 'text', text } })
    return { inner, sig: await sign(alice.signingSeed, authorSigningInput(room.roomId, 0, id, inner)) }
  }
  const cat = (...a: Array<number[] | Uint8Array>): Uint8Array => Uint8Array.from(a.flatMap(x => [...x]))

  it('opens canonical plaintexts with 1-, 2- and 3-byte byte-string heads', async () => {
    for (const text of ['a', 'x'.repeat(150), 'y'.repeat(400)]) {
      const { inner, sig } = await parts(text)
      const frame = await craftFrame({ identity: alice, room, plaintext: encodeCbor([inner, sig]) })
      expect((await openFrame(frame, room)).body).toEqual({ k: 'text', text })
      expect(reopenFrame(frame, room).body).toEqual({ k: 'text', text })
    }
  })

  it('refuses non-canonical or misshapen plaintexts as before', async () => {
    const { inner, sig } = await parts('x'.repeat(150))
    const n = inner.length
    const bad = [
      cat([0x82, 0x59, n >> 8, n & 0xff], inner, [0x58, 0x40], sig), // non-minimal length head
      cat([0x82, 0x5a, 0, 0, n >> 8, n & 0xff], inner, [0x58, 0x40], sig),
      cat([0x82, 0x58, n], inner, [0x59, 0x00, 0x40], sig),
      cat([0x82, 0x58, n], inner, [0x58, 0x40], sig, [0]), // trailing byte
      cat([0x82, 0x58, n], inner, [0x58, 0x3f], sig.subarray(1)), // short signature
      cat([0x83, 0x58, n], inner, [0x58, 0x40], sig, [0x40]),
      cat([0x9f, 0x58, n], inner, [0x58, 0x40], sig, [0xff]), // indefinite array
      cat([0x82, 0x5f, 0x58, n], inner, [0xff, 0x58, 0x40], sig) // indefinite byte string
    ]
    for (const plaintext of bad) {
      const frame = await craftFrame({ identity: alice, room, plaintext })
      await expect(openFrame(frame, room)).rejects.toBeInstanceOf(MalformedError)
      expect(() => reopenFrame(frame, room)).toThrow(MalformedError)
    }
  })
})
