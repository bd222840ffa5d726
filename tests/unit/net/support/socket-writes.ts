/**
 * Records the writes this process makes on TCP sockets (net.Socket), for tests of how the libp2p stack frames its
 * bytes. `start` begins recording (each write's socket and size); `stop` puts the real write back.
 */
import net from 'node:net'

export interface SocketWrite { socket: net.Socket, bytes: number }

const proto = net.Socket.prototype as unknown as { write: (...a: unknown[]) => boolean }
const realWrite = proto.write

export function recordSocketWrites (): { writes: SocketWrite[], stop: () => void } {
  const writes: SocketWrite[] = []
  proto.write = function (this: net.Socket, ...args: unknown[]) {
    writes.push({ socket: this, bytes: (args[0] as { byteLength?: number, length?: number }).byteLength ?? (args[0] as { length: number }).length })
    return realWrite.apply(this, args)
  }
  return { writes, stop: () => { proto.write = realWrite } }
}

/** Puts the real write back (for afterEach, whatever a test left recording). */
export function stopRecordingSocketWrites (): void {
  proto.write = realWrite
}
