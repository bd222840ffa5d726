/**
 * The new device's link handler against hostile dialers: garbage, oversized and truncated messages, a wrong code
 * repeated until the offer is cancelled. The offer survives what it should survive and nothing is stored.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createChatNode } from '#libp2p-node'
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createChat } from '../../../src/chat/index.ts'
import { LINK_PROTOCOL, MAX_LINK_ATTEMPTS, MAX_LINK_MESSAGE_BYTES } from '../../../src/constants.ts'
import { encodeCbor } from '../../../src/envelope/codec.ts'
import { encodeLinkCode, parseLinkCode } from '../../../src/devices/link-code.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import type { Chat } from '../../../src/chat/index.ts'
import type { ChatNode } from '../../../src/net/node-types.ts'

const NET = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false }
const open: Array<{ close: () => Promise<void> }> = []
afterEach(async () => { for (const c of open.splice(0)) await c.close().catch(() => {}) })

async function chat (): Promise<Chat> {
  const c = await createChat({ storage: memoryStorage(), keep: false, ...NET })
  open.push(c)
  return c
}

async function attacker (): Promise<ChatNode> {
  const node = await createChatNode({ ...NET })
  await node.start()
  open.push({ close: async () => { await node.stop() } })
  return node
}

/** Opens a link stream to the offer's device and sends raw bytes (length-prefixed unless `raw`). */
async function send (node: ChatNode, code: string, payload: Uint8Array, raw = false): Promise<Uint8Array | undefined> {
  const offer = parseLinkCode(code)
  await node.peerStore.merge(peerIdFromString(offer.peerId), { multiaddrs: offer.addrs.map(a => multiaddr(a)) })
  const stream = await node.dialProtocol(peerIdFromString(offer.peerId), LINK_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const lp = lpStream(stream, { maxDataLength: MAX_LINK_MESSAGE_BYTES * 2 })
  try {
    if (raw) lp.unwrap().send(payload)
    else await lp.write(payload)
    return (await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray()
  } catch {
    return undefined
  } finally {
    stream.abort(new Error('done'))
  }
}

describe('link handler against hostile dialers', () => {
  it('survives garbage, truncated and oversized messages; the real link still works', async () => {
    const fresh = await chat()
    const existing = await chat()
    const evil = await attacker()
    const offer = await fresh.createLinkOffer()
    await send(evil, offer.code, Uint8Array.of(0xff, 0xfe, 0x00))
    await send(evil, offer.code, encodeCbor({ t: 1, v: 1, e: new Uint8Array(3) }))
    await send(evil, offer.code, Uint8Array.of(0x85, 0x01), true) // a length prefix announcing more than ever comes
    await send(evil, offer.code, new Uint8Array(MAX_LINK_MESSAGE_BYTES + 10))
    await send(evil, offer.code, encodeCbor({ t: 3, n: new Uint8Array(24), c: new Uint8Array(64) })) // payload before hello
    // An idle stream from someone who only knows the peer id does not hold the offer.
    const parsed = parseLinkCode(offer.code)
    const idle = await evil.dialProtocol(peerIdFromString(parsed.peerId), LINK_PROTOCOL)
    await expect(existing.linkDevice(offer.code)).resolves.toMatchObject({ id: fresh.peerId })
    await expect(offer.done).resolves.toMatchObject({ userId: existing.user.userId })
    idle.abort(new Error('done'))
  })

  it(`${MAX_LINK_ATTEMPTS} wrong codes cancel the offer; later the right one is refused`, async () => {
    const fresh = await chat()
    const existing = await chat()
    const offer = await fresh.createLinkOffer()
    const wrong = encodeLinkCode({ ...parseLinkCode(offer.code), secret: new Uint8Array(16).fill(1) })
    for (let i = 0; i < MAX_LINK_ATTEMPTS; i++) await expect(existing.linkDevice(wrong)).rejects.toMatchObject({ name: 'LinkRefusedError' })
    await expect(offer.done).rejects.toMatchObject({ name: 'BadSignatureError' })
    await expect(existing.linkDevice(offer.code)).rejects.toMatchObject({ name: 'LinkRefusedError' })
    // Nothing was handed over: the fresh device keeps its own identity.
    expect(fresh.user.userId).not.toBe(existing.user.userId)
  })

  it('an expired code is refused', async () => {
    const fresh = await chat()
    const existing = await chat()
    const offer = await fresh.createLinkOffer()
    await offer.cancel()
    await expect(offer.done).rejects.toMatchObject({ name: 'TimeoutError' })
    await expect(existing.linkDevice(offer.code)).rejects.toMatchObject({ name: 'LinkRefusedError' })
  })
})
