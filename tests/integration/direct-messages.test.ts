/**
 * Direct messages with a real relay process and Node peers: Ana sends a DM from the CLI to Ben's contact link while
 * Ben is offline and exits; Ben starts later and gets the knock and the message through the relay; a DM started from
 * both sides at once (two peers, same moment) is one conversation; safety numbers match across peers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/index.ts'
import { cleanupDirs, jsonLines, makePeer, startRelayProc, tempDir } from './support/processes.ts'
import type { Chat } from '../../src/index.ts'
import type { Peer, RelayProc } from './support/processes.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

async function until (check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('direct messages through a relay process', () => {
  let relay: RelayProc
  let ana: Peer
  let ben: Peer
  const open: Chat[] = []

  beforeAll(async () => {
    relay = await startRelayProc()
    ;[ana, ben] = await Promise.all([makePeer('Ana', [relay.url]), makePeer('Ben', [relay.url])])
  })

  afterAll(async () => {
    for (const c of open) await c.close().catch(() => {})
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('offline delivery: Ana DMs Ben from his contact link and exits; Ben starts later and reads it', async () => {
    const link = await ben.run(['--json', 'contact', 'link'])
    expect(link.code).toBe(0)
    const { userId: benId, link: benLink } = JSON.parse(link.stdout) as { userId: string, link: string }
    expect(benLink).toContain('#/contact/1/')
    const sent = await ana.run(['--json', 'dm', benLink, 'hello Ben, from the CLI'])
    expect(sent.stderr).toBe('')
    expect(sent.code).toBe(0)
    const s = JSON.parse(sent.stdout) as { id: string, room: string, to: string, delivery: { state: string } }
    expect(s.to).toBe(benId)
    expect(s.delivery.state).toBe('relay')
    // Ana knows Ben now: a second DM by user id alone reuses the room.
    const again = await ana.run(['--json', 'dm', benId, 'second'])
    expect(again.code).toBe(0)
    expect((JSON.parse(again.stdout) as { room: string }).room).toBe(s.room)

    // Ben was never online while Ana wrote: the relay holds the knock in his inbox and the DM history.
    const chat = await createChat({ dataDir: ben.data, relays: [relay.url], createIdentity: false, ...NET })
    open.push(chat)
    await until(() => chat.rooms().some(r => r.id === s.room))
    const room = chat.room(s.room)
    expect(room.direct?.userId).toBeDefined()
    expect(room.name).toBe('Ana')
    await until(() => chat.messages(s.room).length === 2)
    expect(chat.messages(s.room).map(m => m.text)).toEqual(['hello Ben, from the CLI', 'second'])
    const reply = await chat.send(s.room, 'hi Ana')
    expect(await chat.waitForRelayHold(s.room, reply.id, 10_000)).toBe(true)
    const anaId = room.direct?.userId as string
    const safety = chat.contact(anaId).safetyNumber
    await chat.close()
    open.pop()
    const listed = await ben.run(['--json', 'room', 'list'])
    expect(jsonLines<{ id: string, name: string, direct?: string }>(listed.stdout).find(r => r.id === s.room)).toMatchObject({ name: 'Ana', direct: anaId })

    // Ana reads the reply from the CLI, and both sides show the same safety number.
    const read = await ana.run(['read', s.room.slice(0, 12), '--json'])
    expect(read.code).toBe(0)
    expect(jsonLines<{ text: string }>(read.stdout).map(l => l.text)).toEqual(['hello Ben, from the CLI', 'second', 'hi Ana'])
    const shown = await ana.run(['--json', 'contact', 'show', benId])
    expect(shown.code).toBe(0)
    expect((JSON.parse(shown.stdout) as { safetyNumber: string }).safetyNumber).toBe(safety)
    const verified = await ana.run(['--json', 'contact', 'verify', benId, '--link', benLink])
    expect(verified.code).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({ verified: true, keyChanged: false })
    const human = await ana.run(['contact', 'show', benId])
    expect(human.stdout).toContain('✓ verified')
    expect(human.stdout).toMatch(/safety number: {2}(\d{5} ){11}\d{5}/u)
  })

  it('refuses a damaged contact link and an unknown user id with exit code 1 and a clear message', async () => {
    const bad = await ana.run(['dm', 'http://127.0.0.1/#/contact/1/AAAA', 'x'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/contact link is damaged/)
    const unknown = await ana.run(['dm', 'cs7yQ2o1ZjTe6q4mmuoGjE1ZWrYqGV3TXhJc1ChrLc6bH', 'x'])
    expect(unknown.code).toBe(1)
  })

  it('a DM started from both sides at the same moment is one conversation', async () => {
    const [cy, dee] = await Promise.all([
      createChat({ dataDir: await tempDir('cs-cy-'), relays: [relay.url], displayName: 'Cy', ...NET }),
      createChat({ dataDir: await tempDir('cs-dee-'), relays: [relay.multiaddrs.find(a => !a.includes('/ws')) as string], displayName: 'Dee', ...NET })
    ])
    open.push(cy, dee)
    expect(await cy.waitForRelay(10_000)).toBe(true)
    expect(await dee.waitForRelay(10_000)).toBe(true)
    const [cyLink, deeLink] = await Promise.all([cy.contactLink(), dee.contactLink()])
    const [a, b] = await Promise.all([cy.openDirect(deeLink), dee.openDirect(cyLink)])
    expect(a.id).toBe(b.id)
    await Promise.all([cy.send(a.id, 'from Cy'), dee.send(b.id, 'from Dee')])
    await until(() => cy.messages(a.id).length === 2 && dee.messages(b.id).length === 2)
    expect(cy.messages(a.id).map(m => m.text)).toEqual(dee.messages(b.id).map(m => m.text))
    expect(cy.rooms().filter(r => r.direct != null)).toHaveLength(1)
    expect(dee.rooms().filter(r => r.direct != null)).toHaveLength(1)
    expect(cy.contact(dee.user.userId).safetyNumber).toBe(dee.contact(cy.user.userId).safetyNumber)
  })
})
