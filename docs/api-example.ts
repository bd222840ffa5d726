// ChatSphere API example (README "Use it from code"). Run it against a relay:
//   npm start                                     # in one terminal: relay on http://localhost:8470
//   node scripts/node22.mjs docs/api-example.ts   # in another (CHATSPHERE_RELAY=http://host:port to use another)
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChat } from '../src/index.ts'

const relay = process.env.CHATSPHERE_RELAY ?? 'http://localhost:8470'
const dirA = await mkdtemp(join(tmpdir(), 'chatsphere-example-'))
const dirB = await mkdtemp(join(tmpdir(), 'chatsphere-example-'))
// Loopback-only options so the example also runs in a sandbox; drop them on a normal machine.
const net = { relays: [relay], mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

// Two peers, each with its own data dir (identity, rooms, history) and display name.
const ana = await createChat({ dataDir: dirA, displayName: 'Ana', ...net })
const ben = await createChat({ dataDir: dirB, displayName: 'Ben', ...net })

// Ana creates a room; whoever holds the invite link can join.
const room = await ana.createRoom('example')
await ben.joinRoom(room.invite)

// Ben prints what arrives.
const received = new Promise<void>(resolve => {
  ben.addEventListener('message', (event) => {
    for (const m of event.detail.messages) {
      console.log(`Ben sees: ${m.authorName ?? m.authorId}: ${m.text}`)
      if (m.text === 'hello from the API') resolve()
    }
  })
})

// send() resolves once the message is on disk and handed to the network; the relay then confirms it holds it.
const sent = await ana.send(room.id, 'hello from the API')
const held = await ana.waitForRelayHold(room.id, sent.id, 10_000)
console.log(`Ana sent ${sent.id}; held by relay: ${held}`)

await received
console.log('Ben now has', ben.messages(room.id).map(m => m.text))

await ana.close()
await ben.close()
await rm(dirA, { recursive: true, force: true })
await rm(dirB, { recursive: true, force: true })
