/**
 * `/chatsphere/link/1.0.0` (PROTOCOL.md "Linked devices"): the new device listens with a one-time offer; the device
 * that holds the identity dials it (through the relay when that is the only path: the handler runs on limited
 * connections) and hands over the identity. Length-prefixed CBOR messages, at most MAX_LINK_MESSAGE_BYTES:
 *
 *   E → N  {t: 1, v: 1, e, ne, mac}       hello (link-handshake.ts)
 *   N → E  {t: 2, nn, n, mac}             confirm, with the new device's name
 *   E → N  {t: 3, n: nonce, c: box}       the encrypted payload (link-payload.ts)
 *   N → E  {t: 4}                         stored: the new device now holds the identity
 *   N → E  {t: 9, r: reason}              refused (expired, used, wrong code)
 */
import { lpStream } from '@libp2p/utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  LINK_OFFER_TTL_MS, LINK_PROTOCOL, LINK_SECRET_BYTES, LINK_TIMEOUT_MS, LINK_VERSION, MAX_LINK_ADDRS, MAX_LINK_ATTEMPTS,
  MAX_LINK_MESSAGE_BYTES, PUBLIC_KEY_BYTES
} from '../constants.ts'
import { BadSignatureError, InvalidArgumentError, LinkRefusedError, MalformedError, TimeoutError } from '../errors.ts'
import { randomBytes } from '../crypto/random.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import { checkDeviceName } from './device-record.ts'
import {
  checkMac, confirmMac, helloMac, LINK_MAC_BYTES, LINK_NONCE_BYTES, linkEphemeral, newLinkNonce, openLinkPayload, sealLinkPayload
} from './link-handshake.ts'
import { encodeLinkCode, parseLinkCode } from './link-code.ts'
import type { LinkOfferCode } from './link-code.ts'
import { decodeLinkPayload, encodeLinkPayload } from './link-payload.ts'
import type { DeviceKeyPair } from './device-mail.ts'
import type { LinkTranscript } from './link-handshake.ts'
import type { LinkPayload } from './link-payload.ts'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'

const T_HELLO = 1
const T_CONFIRM = 2
const T_PAYLOAD = 3
const T_DONE = 4
const T_REFUSED = 9

type Msg = Record<string, unknown>

function channel (stream: Stream, signal: AbortSignal): { read: () => Promise<Msg>, write: (m: Msg) => Promise<void> } {
  const lp = lpStream(stream, { maxDataLength: MAX_LINK_MESSAGE_BYTES })
  return {
    async read () {
      const m = decodeCbor((await lp.read({ signal })).subarray(), { maxBytes: MAX_LINK_MESSAGE_BYTES, maxItems: 8, maxDepth: 2 })
      if (!isMap(m) || typeof m.t !== 'number') throw new MalformedError('link message is not a typed map')
      return m
    },
    async write (m) { await lp.write(encodeCbor(m), { signal }) }
  }
}

function bytes (m: Msg, key: string, length: number): Uint8Array {
  const v = m[key]
  if (!(v instanceof Uint8Array) || v.length !== length) throw new MalformedError(`link message field ${key} is not valid`)
  return v
}

/** Addresses worth putting in a code: relay circuits first (they work across networks), no WebRTC ones. */
export function linkAddresses (node: Libp2p): string[] {
  const self = node.peerId.toString()
  const all = node.getMultiaddrs().map(a => a.toString()).filter(a => !a.includes('/webrtc'))
  const withPeer = all.map(a => a.endsWith(`/p2p/${self}`) ? a : `${a}/p2p/${self}`)
  const circuit = withPeer.filter(a => a.includes('/p2p-circuit'))
  const direct = withPeer.filter(a => !a.includes('/p2p-circuit'))
  return [...circuit, ...direct].slice(0, MAX_LINK_ADDRS)
}

/** Options of {@link openLinkOffer}. */
export interface LinkOfferInit {
  node: Libp2p
  /** The new device's own X25519 key pair (persisted by the caller: it becomes the device's box key). */
  deviceKey: DeviceKeyPair
  /** This device's name, sent to the linking device for the binding it signs. */
  deviceName: string
  /** Stores what arrived (identity, rooms, ...) before the linking device is told it worked. */
  accept: (payload: LinkPayload, linkingPeer: string) => Promise<void>
  /** Validity (default LINK_OFFER_TTL_MS). */
  ttlMs?: number
  /** Wait this long for a relay circuit address when there is none yet (default 0: use what there is). */
  waitForCircuitMs?: number
}

/** An open offer on the new device. */
export interface LinkOffer {
  code: string
  expires: number
  /** Resolves with the payload once a device linked this one; rejects when the offer expires or is cancelled. */
  done: Promise<LinkPayload>
  cancel: () => Promise<void>
}

async function waitForCircuit (node: Libp2p, ms: number): Promise<void> {
  if (ms <= 0 || linkAddresses(node).some(a => a.includes('/p2p-circuit'))) return
  await new Promise<void>(resolve => {
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      node.removeEventListener('self:peer:update', check)
      resolve()
    }
    function check (): void { if (linkAddresses(node).some(a => a.includes('/p2p-circuit'))) done() }
    node.addEventListener('self:peer:update', check)
  })
}

/**
 * New device: registers the link handler and returns the code to show. One offer per node at a time; the offer
 * ends at the first successful link, after MAX_LINK_ATTEMPTS failed ones, at expiry, or on cancel.
 */
export async function openLinkOffer (init: LinkOfferInit): Promise<LinkOffer> {
  const { node, deviceKey } = init
  const deviceName = checkDeviceName(init.deviceName)
  await waitForCircuit(node, init.waitForCircuitMs ?? 0)
  const addrs = linkAddresses(node)
  if (addrs.length === 0) throw new InvalidArgumentError('this device has no address another device could dial (connect to a relay first)')
  const secret = randomBytes(LINK_SECRET_BYTES)
  const expires = Date.now() + (init.ttlMs ?? LINK_OFFER_TTL_MS)
  const code = encodeLinkCode({ peerId: node.peerId.toString(), addrs, secret, boxPublicKey: deviceKey.publicKey, expires })
  let finished = false
  let failures = 0
  let busy = false
  let resolveDone!: (p: LinkPayload) => void
  let rejectDone!: (err: Error) => void
  const done = new Promise<LinkPayload>((resolve, reject) => { resolveDone = resolve; rejectDone = reject })
  done.catch(() => {})
  const finish = async (err?: Error, payload?: LinkPayload): Promise<void> => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    await node.unhandle(LINK_PROTOCOL).catch(() => {})
    if (payload != null) resolveDone(payload)
    else rejectDone(err ?? new TimeoutError('link offer ended'))
  }
  const timer = setTimeout(() => { void finish(new TimeoutError('link code expired: create a new one')) }, Math.max(0, expires - Date.now()))
  ;(timer as { unref?: () => void }).unref?.()

  await node.handle(LINK_PROTOCOL, async (stream, connection) => {
    const signal = AbortSignal.timeout(LINK_TIMEOUT_MS)
    const ch = channel(stream, signal)
    let owner = false
    try {
      if (finished || Date.now() > expires) {
        await ch.write({ t: T_REFUSED, r: 'this link code was already used or expired' })
        await stream.close({ signal })
        return
      }
      const hello = await ch.read()
      if (hello.t !== T_HELLO || hello.v !== LINK_VERSION) throw new MalformedError('expected a link hello')
      const t: LinkTranscript = {
        existingPeer: connection.remotePeer.toString(),
        newPeer: node.peerId.toString(),
        ephemeralPublicKey: bytes(hello, 'e', PUBLIC_KEY_BYTES),
        existingNonce: bytes(hello, 'ne', LINK_NONCE_BYTES)
      }
      try {
        checkMac(hello.mac, helloMac(secret, t))
      } catch (err) {
        failures++
        await ch.write({ t: T_REFUSED, r: 'wrong link code' }).catch(() => {})
        if (failures >= MAX_LINK_ATTEMPTS) void finish(new BadSignatureError('too many wrong link attempts: link offer cancelled'))
        throw err
      }
      // Only a dialer that proved it holds the code can hold the offer: anyone who merely knows this peer id and
      // opens idle streams cannot block the real device.
      if (busy || finished) {
        await ch.write({ t: T_REFUSED, r: finished ? 'this link code was already used' : 'busy' })
        await stream.close({ signal })
        return
      }
      busy = true
      owner = true
      const nn = newLinkNonce()
      await ch.write({ t: T_CONFIRM, nn, n: deviceName, mac: confirmMac(secret, t, nn, deviceName) })
      const sealed = await ch.read()
      if (sealed.t !== T_PAYLOAD || !(sealed.c instanceof Uint8Array)) throw new MalformedError('expected the link payload')
      const payload = decodeLinkPayload(openLinkPayload(secret, deviceKey.secretKey, t, nn, bytes(sealed, 'n', 24), sealed.c))
      await init.accept(payload, t.existingPeer)
      await ch.write({ t: T_DONE })
      await stream.close({ signal }).catch(() => {})
      await finish(undefined, payload)
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    } finally {
      if (owner) busy = false
    }
  }, { runOnLimitedConnection: true })

  return { code, expires, done, cancel: async () => { await finish(new TimeoutError('link offer cancelled')) } }
}

/** What the linking device learns about the device it linked. */
export interface LinkedDevice {
  peerId: string
  name: string
  boxPublicKey: Uint8Array
}

/**
 * Existing device: dials the device of `code`, proves it saw the code, checks the new device did too, then sends
 * the payload `build` makes for it. Throws InvalidArgumentError (bad code), LinkRefusedError (refused, wrong code),
 * BadSignatureError (the other side does not know the code), or a dial error when the device cannot be reached.
 */
export async function linkWithCode (node: Libp2p, code: string, build: (device: LinkedDevice) => Promise<LinkPayload>): Promise<LinkedDevice> {
  const offer = parseLinkCode(code)
  if (offer.peerId === node.peerId.toString()) throw new InvalidArgumentError('this is the link code of this device: enter it on another device')
  const signal = AbortSignal.timeout(LINK_TIMEOUT_MS)
  const target = peerIdFromString(offer.peerId)
  const addrs = offer.addrs.map(a => multiaddr(a.endsWith(`/p2p/${offer.peerId}`) ? a : `${a}/p2p/${offer.peerId}`))
  await node.peerStore.merge(target, { multiaddrs: addrs }).catch(() => {})
  for (let attempt = 1; ; attempt++) {
    const state = { payloadSent: false }
    try {
      return await linkOnce(node, offer, target, signal, build, state)
    } catch (err) {
      // A relayed stream that breaks before the payload left (a busy relay, a slow negotiation) is tried again on a
      // new stream; refusals, wrong codes and protocol errors are final, and so is anything after the payload left.
      if (state.payloadSent || attempt >= LINK_DIAL_ATTEMPTS || signal.aborted || FINAL_ERRORS.has((err as Error).name)) throw err
      await new Promise(resolve => setTimeout(resolve, LINK_RETRY_DELAY_MS * attempt))
    }
  }
}

/** Dial attempts of one link when the stream breaks before the payload is sent. */
const LINK_DIAL_ATTEMPTS = 3
/** Wait before a new attempt (times the attempt number), so the new device can drop the broken stream. */
const LINK_RETRY_DELAY_MS = 300
const FINAL_ERRORS = new Set(['LinkRefusedError', 'BadSignatureError', 'MalformedError', 'InvalidArgumentError', 'OversizedError', 'DecryptionError'])

async function linkOnce (node: Libp2p, offer: LinkOfferCode, target: PeerId, signal: AbortSignal, build: (device: LinkedDevice) => Promise<LinkPayload>, state: { payloadSent: boolean }): Promise<LinkedDevice> {
  let stream: Stream
  try {
    stream = await node.dialProtocol(target, LINK_PROTOCOL, { signal, runOnLimitedConnection: true })
  } catch (err) {
    throw new LinkRefusedError(`could not reach the new device (is it still showing the code, and connected to a relay?): ${(err as Error).message}`)
  }
  const ch = channel(stream, signal)
  try {
    const eph = linkEphemeral()
    const t: LinkTranscript = { existingPeer: node.peerId.toString(), newPeer: offer.peerId, ephemeralPublicKey: eph.publicKey, existingNonce: newLinkNonce() }
    await ch.write({ t: T_HELLO, v: LINK_VERSION, e: t.ephemeralPublicKey, ne: t.existingNonce, mac: helloMac(offer.secret, t) })
    const confirm = await ch.read()
    // Busy: another session holds the offer (or our broken previous stream is not cleaned up yet): try again.
    if (confirm.t === T_REFUSED && confirm.r === 'busy') throw new Error('the new device is busy with another link session')
    if (confirm.t === T_REFUSED) throw new LinkRefusedError(`the new device refused: ${typeof confirm.r === 'string' ? confirm.r.slice(0, 200) : 'no reason'}`)
    if (confirm.t !== T_CONFIRM) throw new MalformedError('expected the link confirmation')
    const nn = bytes(confirm, 'nn', LINK_NONCE_BYTES)
    const name = checkDeviceName(confirm.n)
    checkMac(confirm.mac instanceof Uint8Array && confirm.mac.length === LINK_MAC_BYTES ? confirm.mac : undefined, confirmMac(offer.secret, t, nn, name))
    const device: LinkedDevice = { peerId: offer.peerId, name, boxPublicKey: offer.boxPublicKey }
    const payload = encodeLinkPayload(await build(device))
    const sealed = sealLinkPayload(offer.secret, eph.secretKey, offer.boxPublicKey, t, nn, payload)
    state.payloadSent = true
    await ch.write({ t: T_PAYLOAD, n: sealed.nonce, c: sealed.box })
    const ack = await ch.read()
    if (ack.t === T_REFUSED) throw new LinkRefusedError(`the new device refused: ${typeof ack.r === 'string' ? ack.r.slice(0, 200) : 'no reason'}`)
    if (ack.t !== T_DONE) throw new MalformedError('expected the link acknowledgement')
    await stream.close({ signal }).catch(() => {})
    return device
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}
