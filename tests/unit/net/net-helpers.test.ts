import { describe, expect, it } from 'vitest'
import { backoffDelay, sleep } from '../../../src/net/backoff.ts'
import { chatGossipsubOptions } from '../../../src/net/gossipsub-options.ts'
import { chatMsgId } from '../../../src/net/msg-id.ts'
import { isWebAddress, parseRelayInfo, parseRelayMultiaddr, relayInfoAddrs, relayInfoUrl } from '../../../src/net/relay-info.ts'
import { EPHEMERAL_TOPIC_PREFIX, GOSSIP_D, MAX_RELAY_INFO_BYTES, RECONNECT_MAX_MS, RECONNECT_MIN_MS, RELAY_INFO_PATH, TOPIC_PREFIX } from '../../../src/constants.ts'
import type { Message } from '@libp2p/gossipsub'

const PEER = '12D3KooWHxUitBtRNm1uvoE8DwVp4CKRnpaUgaSTZaGQVJpw4QDj'

describe('gossipsub message ids', () => {
  const frame = (id: number): Uint8Array => {
    const f = new Uint8Array(200)
    f[0] = 1; f[1] = 2
    f.fill(id, 6, 22)
    return f
  }
  it('ephemeral frames are identified by their 16-byte frame id', () => {
    const msg = { type: 'unsigned', topic: EPHEMERAL_TOPIC_PREFIX + 'x', data: frame(7) } as Message
    expect(chatMsgId(msg)).toEqual(new Uint8Array(16).fill(7))
  })
  it('room updates and anything unparseable are identified by a hash of the data', () => {
    const a = chatMsgId({ type: 'unsigned', topic: TOPIC_PREFIX + 'x', data: frame(7) } as Message)
    const b = chatMsgId({ type: 'unsigned', topic: TOPIC_PREFIX + 'x', data: frame(8) } as Message)
    expect(a).toHaveLength(20)
    expect(a).not.toEqual(b)
    expect(chatMsgId({ type: 'unsigned', topic: EPHEMERAL_TOPIC_PREFIX + 'x', data: Uint8Array.of(1, 2, 3) } as Message)).toHaveLength(20)
  })
})

describe('gossipsub options', () => {
  it('sets every bound explicitly and keeps small rooms working', () => {
    const o = chatGossipsubOptions()
    expect(o.globalSignaturePolicy).toBe('StrictSign')
    expect(o.floodPublish).toBe(true)
    expect(o.allowPublishToZeroTopicPeers).toBe(true)
    expect(o.D).toBe(GOSSIP_D)
    expect(o.maxInboundDataLength).toBeGreaterThan(0)
    expect(o.maxTopicBytesPerPeer).toBeGreaterThan(0)
    expect(Object.values(o.decodeRpcLimits ?? {}).every(v => Number.isInteger(v) && v > 0)).toBe(true)
    expect(Object.keys(o.decodeRpcLimits ?? {})).toHaveLength(7)
  })
})

describe('backoff', () => {
  it('grows from the minimum to the cap, with bounded jitter', () => {
    expect(backoffDelay(0, {}, () => 0.5)).toBe(RECONNECT_MIN_MS)
    expect(backoffDelay(1, {}, () => 0.5)).toBe(RECONNECT_MIN_MS * 2)
    expect(backoffDelay(100, {}, () => 0.5)).toBe(RECONNECT_MAX_MS)
    for (let i = 0; i < 50; i++) expect(backoffDelay(3)).toBeLessThanOrEqual(RECONNECT_MIN_MS * 8 * 1.2 + 1)
  })
  it('sleep ends early on abort', async () => {
    const c = new AbortController()
    const p = sleep(60_000, c.signal)
    c.abort()
    await p
  })
})

describe('relay info document', () => {
  const doc = { version: 1, peerId: PEER, multiaddrs: [`/ip4/127.0.0.1/tcp/8470/ws/p2p/${PEER}`, `/ip4/127.0.0.1/tcp/8471/p2p/${PEER}`, `/ip4/127.0.0.1/tcp/1/p2p/12D3KooWSomeoneElse`, 'garbage'] }
  it('parses, keeps only the relay own dialable addresses', () => {
    const info = parseRelayInfo(JSON.stringify(doc))
    expect(relayInfoAddrs(info).map(String)).toEqual(doc.multiaddrs.slice(0, 2))
    expect(relayInfoAddrs(info, ma => ma.toString().includes('/ws')).map(String)).toEqual([doc.multiaddrs[0]])
  })
  it('refuses garbage, wrong versions and oversized documents', () => {
    expect(() => parseRelayInfo('not json')).toThrow(expect.objectContaining({ name: 'MalformedError' }))
    expect(() => parseRelayInfo(JSON.stringify({ ...doc, version: 9 }))).toThrow(/version/)
    expect(() => parseRelayInfo(JSON.stringify({ version: 1 }))).toThrow(/peer id/)
    expect(() => parseRelayInfo(' '.repeat(MAX_RELAY_INFO_BYTES + 1))).toThrow(expect.objectContaining({ name: 'OversizedError' }))
  })
  it('names relays by web address or multiaddr with a peer id', () => {
    expect(relayInfoUrl('http://host:8470/some/page')).toBe(`http://host:8470${RELAY_INFO_PATH}`)
    expect(isWebAddress('https://x')).toBe(true)
    expect(isWebAddress('/ip4/1.2.3.4/tcp/1')).toBe(false)
    expect(() => parseRelayMultiaddr('/ip4/1.2.3.4/tcp/1')).toThrow(/p2p/)
    expect(() => parseRelayMultiaddr('nonsense')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(parseRelayMultiaddr(doc.multiaddrs[1] as string).toString()).toBe(doc.multiaddrs[1])
  })
})
