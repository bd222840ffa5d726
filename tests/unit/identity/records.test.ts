import { describe, it, expect } from 'vitest'
import { createIdentity } from '../../../src/identity/identity.ts'
import { signProfile, verifyProfile } from '../../../src/identity/profile.ts'
import { createDeviceBinding, verifyDeviceBinding } from '../../../src/identity/device-binding.ts'
import { signRecord } from '../../../src/identity/signed-record.ts'
import { decodeCbor, encodeCbor } from '../../../src/envelope/codec.ts'
import { MAX_AVATAR_BYTES, MAX_NAME_BYTES, MAX_PROFILE_BYTES, TAG_DEVICE_SIG, TAG_PROFILE_SIG } from '../../../src/constants.ts'
import { BadSignatureError, InvalidArgumentError, MalformedError, OversizedError } from '../../../src/errors.ts'

const PEER = '12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf'

/** Every single-bit flip of `bytes` must be refused with one of `classes`. */
async function expectEveryFlipRejected (bytes: Uint8Array, open: (b: Uint8Array) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < bytes.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const bad = Uint8Array.from(bytes)
      bad[i] = (bad[i] as number) ^ bit
      const err = await open(bad).then(() => undefined, (e: unknown) => e)
      expect(err, `flip 0x${bit.toString(16)} at ${i}`).toBeInstanceOf(Error)
      expect(['BadSignatureError', 'MalformedError', 'OversizedError']).toContain((err as Error).name)
    }
  }
}

describe('signed profile', () => {
  const id = createIdentity()

  it('verifies for anyone and carries the user id', async () => {
    const bytes = await signProfile(id, { name: 'Ada', avatar: 'data:image/webp;base64,AAAA', time: 1700000000000 })
    expect(await verifyProfile(bytes)).toEqual({
      userId: id.userId, publicKey: id.publicKey, boxPublicKey: id.boxPublicKey, name: 'Ada', avatar: 'data:image/webp;base64,AAAA', time: 1700000000000
    })
    const noAvatar = await verifyProfile(await signProfile(id, { name: 'Ada' }))
    expect(noAvatar.avatar).toBeUndefined()
    expect(noAvatar.time).toBeGreaterThan(0)
  })

  it('rejects every altered byte', async () => {
    const bytes = await signProfile(id, { name: 'Grace', time: 1 })
    await expectEveryFlipRejected(bytes, verifyProfile)
  })

  it('rejects a profile signed under another tag (a device binding is not a profile)', async () => {
    const forged = await signRecord(id, TAG_DEVICE_SIG, 1, { n: 'Mallory', t: 1 })
    await expect(verifyProfile(forged)).rejects.toThrow(BadSignatureError)
  })

  it('rejects a record whose signer key was swapped for another user key', async () => {
    const bytes = await signProfile(id, { name: 'Ada', time: 5 })
    const [payload, sig] = decodeCbor(bytes, { maxBytes: MAX_PROFILE_BYTES }) as [Uint8Array, Uint8Array]
    const fields = decodeCbor(payload, { maxBytes: MAX_PROFILE_BYTES }) as Record<string, unknown>
    fields.a = createIdentity().publicKey
    await expect(verifyProfile(encodeCbor([encodeCbor(fields), sig]))).rejects.toThrow(BadSignatureError)
  })

  it('enforces the name and avatar limits on both sides', async () => {
    await expect(signProfile(id, { name: 'x'.repeat(MAX_NAME_BYTES + 1) })).rejects.toThrow(InvalidArgumentError)
    await expect(signProfile(id, { name: '   ' })).rejects.toThrow(InvalidArgumentError)
    await expect(signProfile(id, { name: 'ok', avatar: 'x'.repeat(MAX_AVATAR_BYTES + 1) })).rejects.toThrow(InvalidArgumentError)
    const bx = id.boxPublicKey
    const noBox = await signRecord(id, TAG_PROFILE_SIG, 1, { n: 'a', t: 1 })
    await expect(verifyProfile(noBox)).rejects.toThrow(/box key/)
    const longName = await signRecord(id, TAG_PROFILE_SIG, 1, { bx, n: 'é'.repeat(MAX_NAME_BYTES), t: 1 })
    await expect(verifyProfile(longName)).rejects.toThrow(OversizedError)
    const numberName = await signRecord(id, TAG_PROFILE_SIG, 1, { bx, n: 42, t: 1 })
    await expect(verifyProfile(numberName)).rejects.toThrow(MalformedError)
    const noTime = await signRecord(id, TAG_PROFILE_SIG, 1, { bx, n: 'a' })
    await expect(verifyProfile(noTime)).rejects.toThrow(MalformedError)
    const v2 = await signRecord(id, TAG_PROFILE_SIG, 2, { n: 'a', t: 1 })
    await expect(verifyProfile(v2)).rejects.toThrow(/version 2/)
    await expect(verifyProfile(new Uint8Array(MAX_PROFILE_BYTES + 1))).rejects.toThrow(OversizedError)
    await expect(verifyProfile(Uint8Array.of(0xff))).rejects.toThrow(MalformedError)
  })
})

describe('device binding', () => {
  const id = createIdentity()

  it('binds a libp2p peer id to the user, verifiable by anyone', async () => {
    const bytes = await createDeviceBinding(id, PEER, { time: 1234 })
    expect(await verifyDeviceBinding(bytes)).toEqual({ userId: id.userId, publicKey: id.publicKey, peerId: PEER, time: 1234 })
    expect((await verifyDeviceBinding(bytes, { expectedPeerId: PEER })).peerId).toBe(PEER)
  })

  it('refuses a binding replayed by another peer', async () => {
    const bytes = await createDeviceBinding(id, PEER)
    await expect(verifyDeviceBinding(bytes, { expectedPeerId: '12D3KooWOther' })).rejects.toThrow(BadSignatureError)
  })

  it('rejects every altered byte', async () => {
    await expectEveryFlipRejected(await createDeviceBinding(id, PEER, { time: 9 }), (b) => verifyDeviceBinding(b))
  })

  it('refuses peer ids that are not peer ids, and a profile passed off as a binding', async () => {
    await expect(createDeviceBinding(id, '')).rejects.toThrow(InvalidArgumentError)
    await expect(createDeviceBinding(id, 'bad peer/id')).rejects.toThrow(InvalidArgumentError)
    await expect(createDeviceBinding(id, 'x'.repeat(200))).rejects.toThrow(InvalidArgumentError)
    const profile = await signRecord(id, TAG_PROFILE_SIG, 1, { p: PEER, t: 1 })
    await expect(verifyDeviceBinding(profile)).rejects.toThrow(BadSignatureError)
  })
})
