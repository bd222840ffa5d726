/** Epoch keys boxed to recipients and the keyring rebuilt from accepted grants (src/roles/epoch-keys.ts); bodies. */
import nacl from 'tweetnacl'
import { describe, expect, it } from 'vitest'
import { MAX_KEY_GRANTS } from '../../../src/constants.ts'
import { encodeCbor, decodeCbor } from '../../../src/envelope/codec.ts'
import { validateBody } from '../../../src/envelope/body.ts'
import { boxEpochKey, EpochKeyring, newEpochKey, openGrant } from '../../../src/roles/epoch-keys.ts'
import { emptyRoleState } from '../../../src/roles/fold.ts'

describe('epoch keys', () => {
  it('each recipient opens its grant; others open nothing', () => {
    const a = nacl.box.keyPair()
    const b = nacl.box.keyPair()
    const outsider = nacl.box.keyPair()
    const key = newEpochKey()
    const [op] = boxEpochKey(key, [a.publicKey, b.publicKey, a.publicKey])
    expect(op?.grants.length).toBe(2)
    const grants = { epoch: 1, rekey: true, by: 'x', epk: op!.epk, grants: op!.grants, index: 0 }
    expect(openGrant(grants, [a])).toEqual(key)
    expect(openGrant(grants, [b])).toEqual(key)
    expect(openGrant(grants, [outsider])).toBeUndefined()
  })

  it('many recipients are split into ops of at most MAX_KEY_GRANTS', () => {
    const recipients = Array.from({ length: MAX_KEY_GRANTS + 5 }, () => nacl.box.keyPair().publicKey)
    const ops = boxEpochKey(newEpochKey(), recipients)
    expect(ops.map(o => o.grants.length)).toEqual([MAX_KEY_GRANTS, 5])
  })

  it('the keyring learns only grants to us, and the accepted rekey decides a raced epoch', () => {
    const me = nacl.box.keyPair()
    const ring = new EpochKeyring(new Uint8Array(32))
    const k1 = newEpochKey()
    const k2 = newEpochKey()
    const state = emptyRoleState()
    const [op1] = boxEpochKey(k1, [me.publicKey])
    const [op2] = boxEpochKey(k2, [nacl.box.keyPair().publicKey])
    state.keyOps.push({ epoch: 1, rekey: true, by: 'a', epk: op1!.epk, grants: op1!.grants, index: 0 })
    state.keyOps.push({ epoch: 2, rekey: true, by: 'a', epk: op2!.epk, grants: op2!.grants, index: 1 })
    ring.add(1, newEpochKey()) // our own key for a rekey that lost the race
    expect(ring.learn(state, [me])).toEqual([1])
    expect(ring.keyFor(1)).toEqual(k1)
    expect(ring.has(2)).toBe(false)
    expect(ring.current).toBe(1)
  })

  it('op bodies are validated with their limits', () => {
    const round = (b: unknown): unknown => validateBody(decodeCbor(encodeCbor(b), { maxBytes: 65536 }))
    const user = new Uint8Array(32).fill(1)
    expect(round({ k: 'role', user, role: 'admin' })).toEqual({ k: 'role', user, role: 'admin' })
    expect(() => round({ k: 'role', user, role: 'king' })).toThrow(/must be one of/)
    expect(() => round({ k: 'kick', user: new Uint8Array(31) })).toThrow(/32 bytes/)
    expect(() => round({ k: 'settings', invite: 'anyone' })).toThrow(/must be one of/)
    expect(round({ k: 'settings', name: 'n', history: 'joined' })).toEqual({ k: 'settings', name: 'n', history: 'joined' })
    const grant = { to: user, nonce: new Uint8Array(24), box: new Uint8Array(48) }
    expect(() => round({ k: 'keys', epoch: 1, rekey: true, epk: user, grants: [{ ...grant, box: new Uint8Array(47) }] })).toThrow(/48 bytes/)
    expect(() => round({ k: 'keys', epoch: -1, rekey: true, epk: user, grants: [] })).toThrow()
    expect(() => round({ k: 'keys', epoch: 1, rekey: true, epk: user, grants: Array.from({ length: MAX_KEY_GRANTS + 1 }, () => grant) })).toThrow(/more than/)
    expect(round({ k: 'genesis', extra: 1 })).toEqual({ k: 'genesis' })
  })
})
