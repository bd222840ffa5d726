/**
 * Model-based convergence (issue 8, test 3): 5 real chat peers (createChat, libp2p on loopback) and 2 federated
 * relays, every path through a userland TCP proxy. fast-check generates sequences of send, join, leave, disconnect,
 * reconnect, restart, partition and heal; the model tracks membership and every message whose send() resolved.
 * During the run no peer may show a duplicate or a message nobody sent as a member; after healing (and everyone
 * rejoining) every peer must show exactly the acknowledged messages, in the same order.
 *
 * CONVERGENCE_RUNS sets the number of runs (default 3), CONVERGENCE_COMMANDS the most commands per run (default 25).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { World, until } from './world.ts'

const RUNS = Number(process.env.CONVERGENCE_RUNS ?? 3)
const MAX_COMMANDS = Number(process.env.CONVERGENCE_COMMANDS ?? 25)
const PEERS = 5
const HEAL_TIMEOUT_MS = Number(process.env.CONVERGENCE_HEAL_TIMEOUT_MS ?? 30_000)

interface Model {
  members: boolean[]
  offline: boolean[]
  partitioned: boolean
  /** message id → index of the peer that sent it (send() resolved). */
  acked: Map<string, number>
}

interface Real {
  world: World
  room: string
  invite: string
  log: string[]
}

type Cmd = fc.AsyncCommand<Model, Real>

/** Every command must finish: a hang is a bug to report, not a test timeout to guess at. */
const COMMAND_TIMEOUT_MS = 30_000
async function within<T> (what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS) })
  try { return await Promise.race([p, hang]) } finally { clearTimeout(timer) }
}

/** Every running peer shows no duplicate and nothing that was not acknowledged to a member. */
function checkSafety (m: Model, r: Real): void {
  for (const p of r.world.peers) {
    if (p.chat == null || !m.members[p.index]) continue
    const ids = p.chat.messages(r.room).map(x => x.id)
    expect(new Set(ids).size, `p${p.index} shows a duplicate`).toBe(ids.length)
    const foreign = ids.filter(id => !m.acked.has(id))
    expect(foreign, `p${p.index} shows messages nobody sent as a member`).toEqual([])
  }
}

class Send implements Cmd {
  readonly i: number
  readonly text: string
  constructor (i: number, text: string) { this.i = i; this.text = text }
  check (): boolean { return true }
  async run (m: Model, r: Real): Promise<void> {
    const chat = r.world.chat(this.i)
    if (m.members[this.i] === true) {
      const sent = await within(this.toString(), chat.send(r.room, this.text))
      m.acked.set(sent.id, this.i)
    } else {
      await expect(chat.send(r.room, this.text)).rejects.toHaveProperty('name', 'NotFoundError')
    }
    checkSafety(m, r)
  }
  toString (): string { return `send(p${this.i}, ${JSON.stringify(this.text)})` }
}

class Leave implements Cmd {
  readonly i: number
  constructor (i: number) { this.i = i }
  check (m: Readonly<Model>): boolean { return m.members[this.i] === true }
  async run (m: Model, r: Real): Promise<void> {
    await within(this.toString(), r.world.chat(this.i).leaveRoom(r.room))
    m.members[this.i] = false
    checkSafety(m, r)
  }
  toString (): string { return `leave(p${this.i})` }
}

class Join implements Cmd {
  readonly i: number
  constructor (i: number) { this.i = i }
  check (m: Readonly<Model>): boolean { return m.members[this.i] === false }
  async run (m: Model, r: Real): Promise<void> {
    await within(this.toString(), r.world.chat(this.i).joinRoom(r.invite))
    m.members[this.i] = true
    checkSafety(m, r)
  }
  toString (): string { return `join(p${this.i})` }
}

class Disconnect implements Cmd {
  readonly i: number
  readonly off: boolean
  constructor (i: number, off: boolean) { this.i = i; this.off = off }
  check (m: Readonly<Model>): boolean { return m.offline[this.i] !== this.off }
  async run (m: Model, r: Real): Promise<void> {
    r.world.setOffline(this.i, this.off)
    m.offline[this.i] = this.off
    checkSafety(m, r)
  }
  toString (): string { return `${this.off ? 'disconnect' : 'reconnect'}(p${this.i})` }
}

class Restart implements Cmd {
  readonly i: number
  constructor (i: number) { this.i = i }
  check (): boolean { return true }
  async run (m: Model, r: Real): Promise<void> {
    const chat = await within(this.toString(), r.world.restartPeer(this.i))
    // Membership and history survive a restart (the room list and the log are in the peer's storage).
    expect(chat.rooms().some(x => x.id === r.room)).toBe(m.members[this.i])
    checkSafety(m, r)
  }
  toString (): string { return `restart(p${this.i})` }
}

class Partition implements Cmd {
  readonly mask: number
  constructor (mask: number) { this.mask = mask }
  check (): boolean { return true }
  async run (m: Model, r: Real): Promise<void> {
    r.world.partition(this.mask)
    m.partitioned = true
    checkSafety(m, r)
  }
  toString (): string { return `partition(${[...Array(PEERS).keys()].filter(i => ((this.mask >> i) & 1) === 1).map(i => `p${i}`).join(',')} | rest)` }
}

/** Lets the network work for a while (gossip, syncs, reconnects) before the next command. */
class Pause implements Cmd {
  readonly ms: number
  constructor (ms: number) { this.ms = ms }
  check (): boolean { return true }
  async run (m: Model, r: Real): Promise<void> {
    await new Promise(resolve => setTimeout(resolve, this.ms))
    checkSafety(m, r)
  }
  toString (): string { return `pause(${this.ms})` }
}

class Heal implements Cmd {
  check (m: Readonly<Model>): boolean { return m.partitioned || m.offline.some(Boolean) }
  async run (m: Model, r: Real): Promise<void> {
    r.world.heal()
    m.partitioned = false
    m.offline.fill(false)
    checkSafety(m, r)
  }
  toString (): string { return 'heal()' }
}

const peer = fc.integer({ min: 0, max: PEERS - 1 })
const commands: Array<fc.Arbitrary<Cmd>> = [
  // Sends weigh most: the point is the messages.
  ...Array<fc.Arbitrary<Cmd>>(6).fill(fc.tuple(peer, fc.string({ minLength: 1, maxLength: 40 })).map(([i, t]) => new Send(i, t))),
  peer.map(i => new Leave(i)),
  peer.map(i => new Join(i)),
  fc.tuple(peer, fc.boolean()).map(([i, off]) => new Disconnect(i, off)),
  peer.map(i => new Restart(i)),
  fc.integer({ min: 1, max: (1 << PEERS) - 2 }).map(mask => new Partition(mask)),
  fc.constant(new Heal()),
  fc.integer({ min: 50, max: 800 }).map(ms => new Pause(ms))
]

/** Heals everything, brings every peer back into the room, and waits for identical histories. */
async function healAndConverge (m: Model, r: Real): Promise<{ ms: number, messages: number }> {
  r.world.heal()
  for (let i = 0; i < PEERS; i++) {
    if (m.members[i] === false) { await r.world.chat(i).joinRoom(r.invite); m.members[i] = true }
  }
  const expected = [...m.acked.keys()].sort()
  const view = (i: number): string[] => r.world.chat(i).messages(r.room).map(x => x.id)
  const ms = await until(() => {
    const first = view(0)
    if (first.length !== expected.length) return false
    return r.world.peers.every(p => {
      const ids = view(p.index)
      return ids.length === first.length && ids.every((id, k) => id === first[k])
    })
  }, HEAL_TIMEOUT_MS, () => r.world.peers.map(p => `p${p.index}: ${view(p.index).length}/${expected.length}`).join(', '))
  // Same set as acknowledged, no duplicates, and authored by the peer that sent it.
  for (const p of r.world.peers) {
    const msgs = r.world.chat(p.index).messages(r.room)
    expect(msgs.map(x => x.id).sort()).toEqual(expected)
    for (const x of msgs) expect(x.authorId).toBe(r.world.chat(m.acked.get(x.id) as number).user.userId)
  }
  return { ms, messages: expected.length }
}

describe('model-based convergence: 5 peers, 2 relays, proxies', () => {
  it(`converges after healing (${RUNS} runs of up to ${MAX_COMMANDS} commands)`, async () => {
    const stats: Array<{ commands: number, messages: number, healMs: number, refused: number }> = []
    await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS, size: 'max' }), async (cmds) => {
      const world = await World.start({ peers: PEERS })
      try {
        const room = await world.chat(0).createRoom('model')
        for (let i = 1; i < PEERS; i++) await world.chat(i).joinRoom(room.invite)
        const model: Model = { members: Array(PEERS).fill(true), offline: Array(PEERS).fill(false), partitioned: false, acked: new Map() }
        const real: Real = { world, room: room.id, invite: room.invite, log: [] }
        await fc.asyncModelRun(() => ({ model, real }), cmds)
        const { ms, messages } = await healAndConverge(model, real)
        stats.push({ commands: [...cmds].length, messages, healMs: ms, refused: world.refusedDirect })
      } finally {
        await world.stop()
      }
    }), { numRuns: RUNS, endOnFailure: true, verbose: 1 })
    const line = `convergence: ${stats.length} runs, ${stats.reduce((a, s) => a + s.commands, 0)} commands, ${stats.reduce((a, s) => a + s.messages, 0)} messages, heal→identical max ${Math.max(...stats.map(s => s.healMs))} ms, connections the relays closed as not through a live proxy ${stats.reduce((a, s) => a + s.refused, 0)}`
    process.stdout.write(line + '\n')
  }, 60_000 + RUNS * 60_000)
})
