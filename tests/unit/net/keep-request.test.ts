import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeCbor } from '../../../src/envelope/codec.ts'
import {
  decodeKeepRequest, decodeKeepResponse, encodeKeepRequest, encodeKeepResponse, MAX_KEEP_IDS, signKeepRequest, verifyKeepRequest
} from '../../../src/net/keep-request.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import { KEEP_REQUEST_MAX_AGE_MS, MAX_KEEP_REQUEST_BYTES } from '../../../src/constants.ts'

const room = deriveRoomKeys(createRoomSecret())
const RELAY = '12D3KooWRelayPeerIdForTests'

async function request (over: Record<string, unknown> = {}) {
  return await signKeepRequest({ op: 'keep', topic: room.topic, ephemeralTopic: room.ephemeralTopic, roomId: room.roomId, writePublicKey: room.writePublicKey, relay: RELAY, time: Date.now(), ...over }, room.writeSeed)
}

describe('keep requests', () => {
  it('round-trips and verifies', async () => {
    const r = await request({ ids: [randomBytes(16), randomBytes(16)] })
    const back = decodeKeepRequest(encodeKeepRequest(r))
    expect(back.topic).toBe(room.topic)
    expect(back.ids).toHaveLength(2)
    await verifyKeepRequest(back, RELAY)
  })

  it('refuses a request signed by another key (forged)', async () => {
    const other = deriveRoomKeys(createRoomSecret())
    const forged = await signKeepRequest({ op: 'keep', topic: room.topic, ephemeralTopic: room.ephemeralTopic, roomId: room.roomId, writePublicKey: room.writePublicKey, relay: RELAY, time: Date.now() }, other.writeSeed)
    await expect(verifyKeepRequest(decodeKeepRequest(encodeKeepRequest(forged)), RELAY)).rejects.toHaveProperty('name', 'BadSignatureError')
  })

  it('refuses an altered field', async () => {
    const r = await request()
    // Change the topic's last character to a different one (a fixed 'a' left it unchanged 1 time in 32).
    const last = room.topic.slice(-1)
    const altered = decodeKeepRequest(encodeKeepRequest({ ...r, topic: room.topic.slice(0, -1) + (last === 'a' ? 'b' : 'a') }))
    await expect(verifyKeepRequest(altered, RELAY)).rejects.toHaveProperty('name', 'BadSignatureError')
  })

  it('refuses a request for another relay and a stale one', async () => {
    const r = await request()
    await expect(verifyKeepRequest(r, 'another-relay')).rejects.toThrow(/wrong-relay/)
    const old = await request({ time: Date.now() - KEEP_REQUEST_MAX_AGE_MS - 60_000 })
    await expect(verifyKeepRequest(old, RELAY)).rejects.toThrow(/stale/)
  })

  it('rejects garbage, truncated, oversized and malformed input before using it', async () => {
    const good = encodeKeepRequest(await request())
    expect(() => decodeKeepRequest(randomBytes(100))).toThrow()
    expect(() => decodeKeepRequest(good.subarray(0, good.length - 5))).toThrow()
    expect(() => decodeKeepRequest(new Uint8Array(MAX_KEEP_REQUEST_BYTES + 1))).toThrow(expect.objectContaining({ name: 'OversizedError' }))
    expect(() => decodeKeepRequest(encodeCbor({ v: 1, op: 'keep' }))).toThrow()
    expect(() => decodeKeepRequest(encodeCbor({ v: 2 }))).toThrow(expect.objectContaining({ name: 'MalformedError' }))
    const r = await request()
    expect(() => decodeKeepRequest(encodeKeepRequest({ ...r, topic: '/other/prefix' }))).toThrow(/prefix/)
    const tooMany = Array.from({ length: MAX_KEEP_IDS + 1 }, () => randomBytes(16))
    expect(() => decodeKeepRequest(encodeKeepRequest({ ...r, ids: tooMany }))).toThrow()
    expect(() => decodeKeepRequest(encodeKeepRequest({ ...r, ids: [randomBytes(15)] }))).toThrow(/ids/)
  })

  it('responses round-trip and are bounded', () => {
    const res = decodeKeepResponse(encodeKeepResponse({ ok: true, stateVector: Uint8Array.of(0), held: Uint8Array.of(3) }))
    expect(res).toEqual({ ok: true, stateVector: Uint8Array.of(0), held: Uint8Array.of(3) })
    expect(decodeKeepResponse(encodeKeepResponse({ ok: false, error: 'quota' }))).toEqual({ ok: false, error: 'quota' })
    expect(() => decodeKeepResponse(randomBytes(64))).toThrow()
    expect(() => decodeKeepResponse(encodeCbor({ nope: 1 }))).toThrow(/ok/)
  })
})
