/**
 * Yamux receive-window updates once half the window is used, not after every frame. @libp2p/yamux 8 answers each
 * data frame a stream receives with a window update frame (`YamuxStream.sendWindowUpdate`, called from `handleData`),
 * so every chat message costs a second frame back on each hop: another noise encryption, socket write, wake-up and
 * decryption at the other end, for a window that is nowhere near used up (256 KiB for messages of ~600 bytes). Go's
 * yamux and the yamux spec's reference implementation send the update when the window is at least half consumed;
 * the sender then still has half a window in hand, so it never waits for one. This does the same for established
 * streams. Opening (SYN/ACK) and resuming a paused stream are left as they are, and so is the window growth on fast
 * links, which happens when an update goes out.
 *
 * It replaces the method on the class @libp2p/yamux exports (there is no option for it); if that method is ever
 * gone, nothing is changed (tests/unit/net/yamux-window.test.ts then fails).
 */
import { StreamState, YamuxStream } from '@libp2p/yamux/stream'

interface WindowFields { state: StreamState, recvWindow: number, recvWindowCapacity: number }

let installed = false

/** Installs the half-window rule for every yamux stream of this process (idempotent). */
export function installHalfWindowUpdates (): void {
  if (installed) return
  installed = true
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate?: (this: WindowFields) => void }
  const original = proto.sendWindowUpdate
  if (typeof original !== 'function') return
  proto.sendWindowUpdate = function (this: WindowFields): void {
    if (this.state === StreamState.Established && this.recvWindowCapacity * 2 > this.recvWindow) return
    original.call(this)
  }
}
