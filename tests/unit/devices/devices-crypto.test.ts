import { describe, expect, it } from 'vitest'
import nacl from 'tweetnacl'
import { createIdentity } from '../../../src/identity/identity.ts'
import { signDeviceBinding, signDeviceRevocation, verifyDeviceRecord } from '../../../src/devices/device-record.ts'
import { DeviceRegistry } from '../../../src/devices/device-registry.ts'
import { encodeLinkCode, LINK_CODE_PREFIX, linkCodeUrl, parseLinkCode } from '../../../src/devices/link-code.ts'
import { openDeviceMail, sealDeviceMail } from '../../../src/devices/device-mail.ts'
import { decodeLinkPayload, encodeLinkPayload } from '../../../src/devices/link-payload.ts'
import {
  checkMac, confirmMac, helloMac, linkEphemeral, newLinkNonce, openLinkPayload, sealLinkPayload
} from '../../../src/devices/link-handshake.ts'
import { fromBase64Url, toBase64Url } from '../../../src/crypto/encoding.ts'
import { decodeCbor, encodeCbor } from '../../../src/envelope/codec.ts'
import type { LinkTranscript } from '../../../src/devices/link-handshake.ts'

const PEER_A = '12D3KooWA1b2C3d4E5f6G7h8J9k1L2m3N4p5Q6r7S8t9U1v2W3x4'
const PEER_B = '12D3KooWZ9y8X7w6V5u4T3s2R1q9P8o7N6m5L4k3J2h1G9f8E7d6'

describe('device records', () => {
  it('binding and revocation verify, name the signer, and refuse tampering', async () => {
    const id = createIdentity()
    const box = nacl.box.keyPair()
    const bind = await signDeviceBinding(id, { peerId: PEER_A, boxPublicKey: box.publicKey, name: 'laptop', time: 5 })
    const r = await verifyDeviceRecord(bind)
    expect(r).toMatchObject({ kind: 'bind', userId: id.userId, peerId: PEER_A, name: 'laptop', time: 5 })
    expect(r.kind === 'bind' && Buffer.from(r.boxPublicKey).equals(Buffer.from(box.publicKey))).toBe(true)
    const rev = await verifyDeviceRecord(await signDeviceRevocation(id, PEER_A, { time: 9 }))
    expect(rev).toMatchObject({ kind: 'revoke', peerId: PEER_A, time: 9 })
    const bad = Uint8Array.from(bind)
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1
    await expect(verifyDeviceRecord(bad)).rejects.toMatchObject({ name: 'BadSignatureError' })
    await expect(verifyDeviceRecord(new Uint8Array(2000))).rejects.toMatchObject({ name: 'OversizedError' })
    await expect(verifyDeviceRecord(Uint8Array.of(1, 2, 3))).rejects.toMatchObject({ name: 'MalformedError' })
    await expect(signDeviceBinding(id, { peerId: 'not a peer id!', boxPublicKey: box.publicKey, name: 'x' })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(signDeviceBinding(id, { peerId: PEER_A, boxPublicKey: box.publicKey, name: ' ' })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })

  it('registry: newest binding wins, revocation is final in any order', async () => {
    const id = createIdentity()
    const k1 = nacl.box.keyPair().publicKey
    const k2 = nacl.box.keyPair().publicKey
    const reg = new DeviceRegistry()
    const revBytes = await signDeviceRevocation(id, PEER_B, { time: 10 })
    reg.add(await verifyDeviceRecord(revBytes), revBytes)
    const b2 = await signDeviceBinding(id, { peerId: PEER_B, boxPublicKey: k2, name: 'phone', time: 20 })
    expect(reg.add(await verifyDeviceRecord(b2), b2)).toBe(false) // revoked before: never active again
    const a1 = await signDeviceBinding(id, { peerId: PEER_A, boxPublicKey: k1, name: 'old', time: 1 })
    const a2 = await signDeviceBinding(id, { peerId: PEER_A, boxPublicKey: k1, name: 'laptop', time: 2 })
    reg.add(await verifyDeviceRecord(a2), a2)
    reg.add(await verifyDeviceRecord(a1), a1)
    expect(reg.active().map(b => b.name)).toEqual(['laptop'])
    expect(reg.activeByBoxKey(k2)).toBeUndefined()
    expect(reg.activeByBoxKey(k1)?.peerId).toBe(PEER_A)
    const list = reg.list(PEER_A)
    expect(list).toEqual([
      { id: PEER_A, name: 'laptop', addedAt: 2, current: true, revoked: false },
      { id: PEER_B, name: 'phone', addedAt: 20, current: false, revoked: true, revokedAt: 10 }
    ])
    expect(reg.records()).toHaveLength(3)
  })
})

describe('link code', () => {
  const offer = { peerId: PEER_A, addrs: ['/ip4/127.0.0.1/tcp/1/ws/p2p/' + PEER_B + '/p2p-circuit/p2p/' + PEER_A], secret: new Uint8Array(16).fill(7), boxPublicKey: new Uint8Array(32).fill(3), expires: 123 }

  it('round-trips and tolerates whitespace and line breaks', () => {
    const code = encodeLinkCode(offer)
    expect(code.startsWith(LINK_CODE_PREFIX)).toBe(true)
    const spaced = `  ${code.slice(0, 20)}\n${code.slice(20)}  `
    expect(parseLinkCode(spaced)).toEqual(offer)
    // A QR code may carry it as a web app link.
    expect(parseLinkCode(linkCodeUrl('https://relay.example:8470/', code))).toEqual(offer)
    // The peer id is carried once: addresses travel without their /p2p/<peer id> suffix.
    const raw = decodeCbor(fromBase64Url(code.slice(LINK_CODE_PREFIX.length)), { maxBytes: 4096 }) as { m: string[] }
    expect(raw.m).toEqual(['/ip4/127.0.0.1/tcp/1/ws/p2p/' + PEER_B + '/p2p-circuit'])
  })

  it('refuses garbage, truncated, oversized and foreign codes with a reason', () => {
    const code = encodeLinkCode(offer)
    expect(() => parseLinkCode(code.slice(0, -10))).toThrow(/damaged/)
    expect(() => parseLinkCode('hello')).toThrow(/not a device link code/)
    expect(() => parseLinkCode('csl9.abc')).toThrow(/another version/)
    expect(() => parseLinkCode(LINK_CODE_PREFIX + 'A'.repeat(5000))).toThrow(/too long/)
    const wrongSecret = LINK_CODE_PREFIX + toBase64Url(encodeCbor({ p: PEER_A, m: offer.addrs, s: new Uint8Array(3), bx: offer.boxPublicKey, x: 1 }))
    expect(() => parseLinkCode(wrongSecret)).toThrow(/secret/)
    const noAddr = LINK_CODE_PREFIX + toBase64Url(encodeCbor({ p: PEER_A, m: [], s: offer.secret, bx: offer.boxPublicKey, x: 1 }))
    expect(() => parseLinkCode(noAddr)).toThrow(/addresses/)
    for (const bad of [code, 'x', LINK_CODE_PREFIX + '!!!']) {
      try { parseLinkCode(bad === code ? code.replace(/.$/u, '') + '@' : bad) } catch (err) { expect((err as Error).name).toBe('InvalidArgumentError') }
    }
  })
})

describe('link handshake', () => {
  it('both sides confirm the code; the payload opens only with the code and the new device key', () => {
    const secret = new Uint8Array(16).fill(1)
    const device = nacl.box.keyPair()
    const eph = linkEphemeral()
    const t: LinkTranscript = { existingPeer: PEER_A, newPeer: PEER_B, ephemeralPublicKey: eph.publicKey, existingNonce: newLinkNonce() }
    const hello = helloMac(secret, t)
    expect(() => { checkMac(hello, helloMac(secret, t)) }).not.toThrow()
    expect(() => { checkMac(hello, helloMac(new Uint8Array(16).fill(2), t)) }).toThrow(expect.objectContaining({ name: 'BadSignatureError' }))
    // Bound to the peers: the same MAC does not confirm a session with another device.
    expect(() => { checkMac(hello, helloMac(secret, { ...t, newPeer: PEER_A })) }).toThrow()
    const nn = newLinkNonce()
    expect(() => { checkMac(confirmMac(secret, t, nn, 'phone'), confirmMac(secret, t, nn, 'laptop')) }).toThrow()
    const sealed = sealLinkPayload(secret, eph.secretKey, device.publicKey, t, nn, Uint8Array.of(9, 9))
    expect([...openLinkPayload(secret, device.secretKey, t, nn, sealed.nonce, sealed.box)]).toEqual([9, 9])
    expect(() => openLinkPayload(secret, nacl.box.keyPair().secretKey, t, nn, sealed.nonce, sealed.box)).toThrow(expect.objectContaining({ name: 'DecryptionError' }))
    expect(() => openLinkPayload(new Uint8Array(16), device.secretKey, t, nn, sealed.nonce, sealed.box)).toThrow(expect.objectContaining({ name: 'DecryptionError' }))
    // A low-order ephemeral key (all zero) is refused rather than giving a known key.
    expect(() => openLinkPayload(secret, device.secretKey, { ...t, ephemeralPublicKey: new Uint8Array(32) }, nn, sealed.nonce, sealed.box)).toThrow(expect.objectContaining({ name: 'DecryptionError' }))
  })

  it('payload round-trips and refuses malformed input', () => {
    const p = { seed: new Uint8Array(32).fill(4), rooms: [{ secret: new Uint8Array(32).fill(5), name: 'friends', joinedAt: 7 }], name: 'Ana', binding: Uint8Array.of(1), records: [Uint8Array.of(2)] }
    expect(decodeLinkPayload(encodeLinkPayload(p))).toEqual(p)
    expect(() => decodeLinkPayload(encodeCbor({ v: 1, seed: new Uint8Array(31), rooms: [], bind: Uint8Array.of(1), recs: [] }))).toThrow(expect.objectContaining({ name: 'MalformedError' }))
    expect(() => decodeLinkPayload(encodeCbor({ v: 2 }))).toThrow(expect.objectContaining({ name: 'MalformedError' }))
    expect(() => decodeLinkPayload(new Uint8Array(0))).toThrow()
  })
})

describe('device mail', () => {
  it('opens for each recipient, not for others, and names the sender device', () => {
    const a = nacl.box.keyPair()
    const b = nacl.box.keyPair()
    const revoked = nacl.box.keyPair()
    const content = { time: 42, ops: [{ k: 'join' as const, room: { secret: new Uint8Array(32).fill(1), name: 'r', joinedAt: 3 } }, { k: 'leave' as const, roomId: 'ab'.repeat(32) }], profile: { name: 'Ana', avatar: null } }
    const blob = sealDeviceMail(a, [a.publicKey, b.publicKey], content)
    for (const me of [a, b]) {
      const opened = openDeviceMail(me, blob)
      expect(opened.content).toEqual(content)
      expect(Buffer.from(opened.from).equals(Buffer.from(a.publicKey))).toBe(true)
    }
    expect(() => openDeviceMail(revoked, blob)).toThrow(expect.objectContaining({ name: 'DecryptionError' }))
    const tampered = Uint8Array.from(blob)
    tampered[tampered.length - 2] = (tampered[tampered.length - 2] as number) ^ 1
    expect(() => openDeviceMail(b, tampered)).toThrow()
    expect(() => openDeviceMail(b, new Uint8Array(100_000))).toThrow(expect.objectContaining({ name: 'OversizedError' }))
    expect(() => openDeviceMail(b, Uint8Array.of(0xa0))).toThrow(expect.objectContaining({ name: 'MalformedError' }))
    expect(() => sealDeviceMail(a, [], content)).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })
})
