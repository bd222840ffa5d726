/**
 * Noise with each encrypted frame handed to the transport as one buffer. @libp2p/noise 17 frames a message as a list
 * of two chunks, its 2-byte length and its ciphertext, and the transports write every chunk on its own
 * (@libp2p/tcp: one `socket.write` each, so with Nagle off two TCP segments; @libp2p/websockets: one WebSocket message
 * each). Every libp2p frame then cost two sends, and often two reads and two wake-ups at the other end, which first
 * gets the length alone. Joining the chunks costs a copy of the frame (at most 64 KiB, while it is encrypted anyway).
 * The bytes on the wire are the same, so peers with and without this talk as before.
 */
import { noise } from '@libp2p/noise'
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'

type NoiseInit = Parameters<typeof noise>[0]
type NoiseFactory = ReturnType<typeof noise>

/** A chunk list (uint8arraylist) as libp2p passes it around; a plain Uint8Array has no `bufs`. */
interface ChunkList { bufs: Uint8Array[], subarray: () => Uint8Array, byteLength: number }

function joined (data: unknown): unknown {
  const list = data as Partial<ChunkList>
  return Array.isArray(list.bufs) && list.bufs.length > 1 && typeof list.subarray === 'function' ? list.subarray() : data
}

/**
 * `target[prop]`, its methods bound to it (they may use internal slots or private fields a proxy does not have).
 * Functions kept as properties (a logger with its own members) are returned as they are.
 */
function own (target: object, prop: string | symbol): unknown {
  const value: unknown = Reflect.get(target, prop, target)
  if (typeof value !== 'function' || Object.prototype.hasOwnProperty.call(target, prop)) return value
  return (value as (...a: unknown[]) => unknown).bind(target)
}

/** `connection`, whose `send` gets one buffer per call; everything else is the connection's own. */
function oneWrite (connection: MessageStream): MessageStream {
  const send = (data: Parameters<MessageStream['send']>[0]): boolean => connection.send(joined(data) as typeof data)
  return new Proxy(connection, {
    get (target, prop) {
      if (prop === 'send') return send
      return own(target, prop)
    },
    set (target, prop, value) { return Reflect.set(target, prop, value, target) }
  })
}

/** `noise(init)` whose encrypted connections send each frame in one piece. */
export function noiseOneWrite (init?: NoiseInit): NoiseFactory {
  const make = noise(init)
  return (components) => {
    const inner: ConnectionEncrypter = make(components)
    return new Proxy(inner, {
      get (target, prop) {
        if (prop === 'secureInbound') return async (c: MessageStream, o?: Parameters<ConnectionEncrypter['secureInbound']>[1]) => await target.secureInbound(oneWrite(c), o)
        if (prop === 'secureOutbound') return async (c: MessageStream, o?: Parameters<ConnectionEncrypter['secureOutbound']>[1]) => await target.secureOutbound(oneWrite(c), o)
        return own(target, prop)
      }
    }) as ReturnType<NoiseFactory>
  }
}
