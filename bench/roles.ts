/**
 * Roles and key epochs: CPU cost of the membership fold on large rooms, of boxing an epoch key to many recipients
 * and of opening one's grant; and, through a relay process, how long `kick` takes and how long until the other
 * member holds the new epoch key. Prints tables and writes bench/results/roles.json. Numbers from a busy shared
 * machine are noisy.
 *
 *   node scripts/node22.mjs bench/roles.ts [rounds=3]
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import nacl from 'tweetnacl'
import { createChat } from '../src/index.ts'
import { toHex } from '../src/crypto/encoding.ts'
import { userIdFromPublicKey } from '../src/identity/user-id.ts'
import { boxEpochKey, newEpochKey, openGrant } from '../src/roles/epoch-keys.ts'
import { foldRoles } from '../src/roles/fold.ts'
import { printTable, writeResults } from './lib/report.ts'
import { percentile, spawnRelay } from './p1-support.ts'
import type { Body, OpenedMessage } from '../src/envelope/types.ts'
import type { Chat } from '../src/chat/index.ts'

const ROUNDS = Number(process.argv[2] ?? '3')
const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

function median (xs: number[]): number { return percentile(xs, 50) }

function time (fn: () => void, reps = 5): number {
  const out: number[] = []
  for (let i = 0; i < reps; i++) { const t = performance.now(); fn(); out.push(performance.now() - t) }
  return median(out)
}

/** A room of `n` messages from 50 authors: genesis, profiles, a role op every 1000 messages, texts. */
function room (n: number): OpenedMessage[] {
  const users = Array.from({ length: 50 }, () => { const key = Uint8Array.from(randomBytes(32)); return { key, id: userIdFromPublicKey(key) } })
  const out: OpenedMessage[] = []
  const push = (u: { key: Uint8Array, id: string }, body: Body): void => {
    const id = Uint8Array.from(randomBytes(16))
    out.push({ id, idText: toHex(id), kind: 1, epoch: 0, author: u.key, authorId: u.id, device: 1, seq: out.length + 1, time: out.length, body })
  }
  const owner = users[0] as { key: Uint8Array, id: string }
  push(owner, { k: 'genesis' })
  for (const u of users) push(u, { k: 'profile', name: 'x', box: Uint8Array.from(randomBytes(32)) })
  while (out.length < n) {
    const u = users[out.length % users.length] as { key: Uint8Array, id: string }
    if (out.length % 1000 === 0) push(owner, { k: 'role', user: u.key, role: 'moderator' })
    else push(u, { k: 'text', text: 'hello there' })
  }
  return out
}

const cpuRows: Array<Record<string, number | string>> = []
for (const n of [10_000, 100_000]) {
  const msgs = room(n)
  cpuRows.push({ what: `foldRoles, ${n} messages`, ms: time(() => { foldRoles(msgs) }) })
}
for (const k of [10, 48, 200]) {
  const recipients = Array.from({ length: k }, () => nacl.box.keyPair())
  const key = newEpochKey()
  cpuRows.push({ what: `boxEpochKey to ${k} box keys`, ms: time(() => { boxEpochKey(key, recipients.map(r => r.publicKey)) }) })
  const [op] = boxEpochKey(key, recipients.map(r => r.publicKey))
  // The last grant of the first op (the worst case of the linear search).
  const me = recipients[Math.min(k, 48) - 1] as nacl.BoxKeyPair
  const grants = { epoch: 1, rekey: true, by: 'x', epk: op?.epk as Uint8Array, grants: op?.grants ?? [], index: 0 }
  cpuRows.push({ what: `openGrant, last of ${Math.min(k, 48)} grants`, ms: time(() => { openGrant(grants, [me]) }, 50) })
}
printTable('CPU (median of repeated runs)', cpuRows)

async function until (check: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

const tmp = await mkdtemp(join(tmpdir(), 'cs-rolesbench-'))
const relay = await spawnRelay(join(tmp, 'relay'))
const netRows: Array<Record<string, number | string>> = []
try {
  for (let round = 0; round < ROUNDS; round++) {
    const base = { relays: [relay.url], ...NET }
    const chats: Chat[] = []
    for (const name of ['Ana', 'Ben', 'Cy']) chats.push(await createChat({ ...base, dataDir: join(tmp, `${name}-${round}`), displayName: name }))
    const [ana, ben, cy] = chats as [Chat, Chat, Chat]
    for (const c of chats) await c.waitForRelay(20_000)
    const r = await ana.createRoom('bench')
    await ben.joinRoom(r.invite)
    await cy.joinRoom(r.invite)
    await until(() => ana.members(r.id).length === 3 && ben.members(r.id).length === 3)
    const t0 = performance.now()
    await ana.kick(r.id, cy.user.userId)
    const kicked = performance.now() - t0
    await until(() => ben.keyEpoch(r.id).held.includes(1))
    const benHasKey = performance.now() - t0
    await until(() => cy.moderationLog(r.id).some(e => e.action === 'rekey'))
    netRows.push({ round, 'kick() ms': kicked, 'other member holds new key ms': benHasKey, 'kicked peer sees rekey ms': performance.now() - t0 })
    for (const c of chats) await c.close()
  }
} finally {
  await relay.stop()
  await rm(tmp, { recursive: true, force: true })
}
printTable('Kick through a relay process (3 peers in one process)', netRows)
const p50 = (k: string): number => median(netRows.map(r => r[k] as number))
console.log(`\nmedian kick() ${p50('kick() ms').toFixed(1)} ms; other member holds the new key after ${p50('other member holds new key ms').toFixed(1)} ms`)
console.log(`results: ${writeResults('roles', { cpu: cpuRows, kick: netRows })}`)
