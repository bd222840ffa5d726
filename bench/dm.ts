/**
 * Direct messages: how long from `openDirect` + first message on one side until the other side lists the direct
 * room and shows the message (both online, through a relay process), how long an offline recipient needs after
 * starting (knock + history through the relay), and the sizes of a contact link and a knock. Prints a table and
 * writes bench/results/dm.json. Numbers from a busy shared machine are noisy.
 *
 *   node scripts/node22.mjs bench/dm.ts [rounds=5]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChat } from '../src/index.ts'
import { createIdentity } from '../src/identity/identity.ts'
import { sealKnock } from '../src/dm/inbox.ts'
import { safetyNumber } from '../src/dm/safety-number.ts'
import { encodeCbor } from '../src/envelope/codec.ts'
import { printTable, writeResults } from './lib/report.ts'
import { spawnRelay } from './p1-support.ts'
import type { Chat } from '../src/chat/index.ts'

const ROUNDS = Number(process.argv[2] ?? '5')
const WAIT_MS = 60_000
const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

async function until (check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

const tmp = await mkdtemp(join(tmpdir(), 'cs-dmbench-'))
const relay = await spawnRelay(join(tmp, 'relay'))
const rows: Array<Record<string, number | string>> = []
try {
  for (let round = 0; round < ROUNDS; round++) {
    const base = { relays: [relay.url], ...NET }
    const ana: Chat = await createChat({ ...base, dataDir: join(tmp, `ana-${round}`), displayName: 'Ana' })
    const ben: Chat = await createChat({ ...base, dataDir: join(tmp, `ben-${round}`), displayName: 'Ben' })
    await Promise.all([ana.waitForRelay(WAIT_MS), ben.waitForRelay(WAIT_MS)])
    const link = await ben.contactLink()
    // Online: A opens the DM from B's link and writes; B learns of the room through the knock in its inbox.
    const t0 = performance.now()
    const room = await ana.openDirect(link)
    const tOpened = performance.now()
    await ana.send(room.id, 'hello')
    await until(() => ben.rooms().some(r => r.id === room.id))
    const tListed = performance.now()
    await until(() => ben.messages(room.id).length > 0)
    const tShown = performance.now()
    await ben.close()

    // Offline: Cy writes to Ben (from his contact link) while Ben is away; Ben starts again and catches up.
    const cy: Chat = await createChat({ ...base, dataDir: join(tmp, `cy-${round}`), displayName: 'Cy' })
    await cy.waitForRelay(WAIT_MS)
    const dm = await cy.openDirect(link, { waitForRelayMs: 10_000 })
    const sent = await cy.send(dm.id, 'while you were away')
    await cy.waitForRelayHold(dm.id, sent.id, 10_000)
    const t1 = performance.now()
    const back: Chat = await createChat({ ...base, dataDir: join(tmp, `ben-${round}`) })
    await until(() => back.rooms().some(r => r.id === dm.id) && back.messages(dm.id).length > 0)
    const tOffline = performance.now()
    rows.push({
      round,
      'openDirect ms': Math.round(tOpened - t0),
      'other side lists the room ms': Math.round(tListed - t0),
      'other side shows the message ms': Math.round(tShown - t0),
      'offline: start → message shown ms': Math.round(tOffline - t1)
    })
    await Promise.all([ana.close(), cy.close(), back.close()])
  }
  const a = createIdentity()
  const b = createIdentity()
  const n = 2000
  const s0 = performance.now()
  for (let i = 0; i < n; i++) safetyNumber(a, b)
  const safetyUs = (performance.now() - s0) * 1000 / n
  const chat = await createChat({ dataDir: join(tmp, 'sizes'), offline: true, displayName: 'A name of average length' })
  const linkChars = (await chat.contactLink()).length
  await chat.close()
  const knockBytes = encodeCbor((await sealKnock(a, b, { name: 'A name of average length' })).body).length
  printTable('direct messages (through a relay process, loopback)', rows)
  printTable('sizes and costs', [{ 'contact link chars (default origin)': linkChars, 'knock body bytes (CBOR, before sealing)': knockBytes, 'safety number µs': Number(safetyUs.toFixed(1)) }])
  writeResults('dm', { rounds: rows, linkChars, knockBytes, safetyUs })
} finally {
  await relay.stop()
  await rm(tmp, { recursive: true, force: true })
}
