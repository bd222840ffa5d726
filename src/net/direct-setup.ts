/**
 * Tells a dead WebRTC set-up (`/p2p-circuit/webrtc`) from a slow one, at both ends, so that the dialling end does not
 * wait for the dial's timeout. @libp2p/webrtc 6.0.33 does not report a set-up whose RTCPeerConnection closes or fails
 * during ICE: `readCandidatesUntilConnected` (private-to-private/util.js) drops that error unless the dial's signal
 * aborted, and so does it for the end of the signalling stream. Then:
 * - the answering end goes on as if connected: it closes its writing on the signalling stream and opens a libp2p
 *   connection over the dead peer connection (it stays `open` until the connection monitor's next ping fails, up to
 *   10 s later);
 * - the dialling end waits for its init data channel to open (initiate-connection.js), which only its signal ends.
 *
 * The answering end's closing of its writing is no sign of failure: in a normal set-up it closes it as soon as its
 * peer connection is connected, which is before the dialling end's data channel opens (a few ms before on loopback;
 * the order is not fixed). A reset of the signalling stream is: @libp2p/webrtc resets it when its own part fails
 * (an SDP error, its inbound upgrade timeout), and the answering end's DirectUpgrader resets it once the connection
 * its part produced is found dead (`deadOnArrival`, or closed before the dialling end finished). The dialling end
 * aborts its dial on that reset (`watchDial`).
 */
import { WEBRTC_SIGNALING_PROTOCOL } from '../constants.ts'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

/** A dial's abort signal that also aborts when the other end resets the signalling stream this dial opened. */
export interface DialWatch {
  /** Pass as the dial's `signal`. */
  signal: AbortSignal
  /** Pass as the dial's `onProgress` (finds the signalling stream once the dial has opened it). */
  onProgress: (evt: { type: string }) => void
  /** Why the watch aborted the dial (undefined: it did not; a timeout is not reported here). */
  failure: () => string | undefined
  /** Stops watching (call once the dial settled). */
  stop: () => void
}

/** WebRTC signalling streams of the connections to `peerId` (the relayed ones carry them). */
export function signallingStreams (node: Libp2p, peerId: string, direction?: 'inbound' | 'outbound'): Stream[] {
  const out: Stream[] = []
  for (const c of node.getConnections()) {
    if (c.remotePeer.toString() !== peerId) continue
    for (const s of c.streams) {
      if (s.protocol === WEBRTC_SIGNALING_PROTOCOL && (direction == null || s.direction === direction)) out.push(s)
    }
  }
  return out
}

/**
 * Watches a WebRTC dial to `peerId`: its signal aborts after `timeoutMs`, or as soon as the other end resets the
 * signalling stream the dial opened (before the dial settled). The stream is the outbound signalling stream to the
 * peer that was not there when the watch began, looked for when @libp2p/webrtc reports the offer being sent.
 */
export function watchDial (node: Libp2p, peerId: string, timeoutMs: number): DialWatch {
  const before = new Set(signallingStreams(node, peerId, 'outbound'))
  const ctrl = new AbortController()
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ctrl.signal])
  const watched = new Set<Stream>()
  let failure: string | undefined
  let stopped = false
  const check = (s: Stream) => (): void => {
    if (stopped || s.status !== 'reset') return
    failure = 'the other end gave up the WebRTC set-up (it reset the signalling stream)'
    ctrl.abort(new Error(failure))
  }
  return {
    signal,
    onProgress: (evt) => {
      if (stopped || evt.type !== 'webrtc:send-sdp-offer') return
      for (const s of signallingStreams(node, peerId, 'outbound')) {
        if (before.has(s) || watched.has(s)) continue
        const onClose = check(s)
        watched.add(s)
        s.addEventListener('close', onClose, { once: true })
        onClose()
      }
    },
    failure: () => failure,
    stop: () => { stopped = true }
  }
}

/**
 * Inbound signalling streams from `peerId` whose answering part is over (our writing closed) while the dialling end
 * has not finished (its writing still open): set-ups waiting for the dialling end's data channel.
 */
export function waitingAnswers (node: Libp2p, peerId: string): Stream[] {
  return signallingStreams(node, peerId, 'inbound')
    .filter(s => s.status === 'open' && s.writeStatus === 'closed' && s.remoteWriteStatus === 'writable')
}

/**
 * True when the RTCPeerConnection under a WebRTC connection has already failed or closed. @libp2p/webrtc 6 opens the
 * answering end's connection even then (and only notices on the connection monitor's next ping). Read from the
 * connection's internals (libp2p's `Connection.maConn`, @libp2p/webrtc's `peerConnection`): when that shape is not
 * there, false (nothing is known, nothing is done).
 */
export function deadOnArrival (conn: Connection): boolean {
  const pc = (conn as unknown as { maConn?: { peerConnection?: { connectionState?: unknown } } }).maConn?.peerConnection
  const state = pc?.connectionState
  return state === 'failed' || state === 'closed'
}
