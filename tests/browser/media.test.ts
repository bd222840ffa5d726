import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startPair, stopPair } from './support/pair.ts'
import type { AppServer } from './support/app-server.ts'
import { pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { describeUsersOnFailure } from './support/diagnose.ts'
import { DELIVERY_TIMEOUT_MS, createRoom, inviteLink, messages } from './support/flows.ts'
import { allowLoopbackWebRTC } from './support/media.ts'
import { relayWsAddr } from './support/harness.ts'
import { createChat } from '../../src/index.ts'

const TEN_MIB = 10 * 1024 * 1024
/** A 10 MiB transfer on a loaded 2-core machine. */
const TRANSFER_TIMEOUT_MS = 120_000

/** A small valid PNG (solid colour), built here so the test needs no fixture file. */
function png (width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0 })
  const crc = (buf: Buffer): number => { let c = 0xffffffff; for (const b of buf) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0 }
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td))
    return Buffer.concat([len, td, c])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from([40, 120, 200]))])
  const raw = Buffer.concat(Array.from({ length: height }, () => row))
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))])
}

// Two browsers through a real relay whose circuits carry at most 1 MiB: a 10 MiB file can only arrive over the direct
// WebRTC connection the two set up by themselves.
describe('media between two browsers', () => {
  let relay: AppServer
  let alice: User
  let bob: User

  beforeAll(async () => {
    ;({ relay, alice, bob } = await startPair({ names: ['Alice', 'Bob'], relayArgs: ['--circuit-data', '1'] }))
    await Promise.all([allowLoopbackWebRTC(alice.page), allowLoopbackWebRTC(bob.page)])
    await createRoom(alice.page, 'Media')
    await bob.page.goto(await inviteLink(alice.page))
    await bob.page.getByRole('heading', { name: 'Media', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
  }, 120_000)

  afterAll(async () => {
    await stopPair({ relay, alice, bob })
  })

  beforeEach((ctx) => { describeUsersOnFailure(ctx, () => ({ alice, bob })) })

  it('they upgrade to a direct WebRTC connection', async () => {
    await alice.page.locator('cs-connection-banner li[data-transport="webrtc"]').waitFor({ timeout: 45_000 })
    await bob.page.locator('cs-connection-banner li[data-transport="webrtc"]').waitFor({ timeout: 45_000 })
  }, 60_000)

  it('an image is shown inline, opens larger, and Escape closes the viewer', async () => {
    await alice.page.locator('cs-composer input[type=file]').setInputFiles({ name: 'blue.png', mimeType: 'image/png', buffer: png(64, 48) })
    const img = messages(bob.page).getByRole('img', { name: 'Image: blue.png' })
    await img.waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await expect.poll(async () => await img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBe(64)
    expect(await img.getAttribute('src')).toMatch(/^blob:/)
    await bob.page.getByRole('button', { name: 'Open blue.png larger' }).click()
    const viewer = bob.page.getByRole('dialog', { name: 'Image viewer: blue.png' })
    await viewer.waitFor()
    await screenshot(bob.page, 'media-viewer')
    await bob.page.keyboard.press('Escape')
    await viewer.waitFor({ state: 'detached' })
  }, 60_000)

  it('a video pasted into the composer plays inline; an image dropped on the room is sent', async () => {
    // A one-second WebM made in the page (canvas + MediaRecorder), pasted as a file into the message box.
    await bob.page.evaluate(async () => {
      const canvas = document.createElement('canvas')
      canvas.width = 64; canvas.height = 48
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D
      const rec = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' })
      const parts: Blob[] = []
      rec.ondataavailable = (e) => { parts.push(e.data) }
      const stopped = new Promise((resolve) => { rec.onstop = resolve })
      rec.start(100)
      for (let i = 0; i < 25; i++) { ctx.fillStyle = `hsl(${i * 14} 80% 50%)`; ctx.fillRect(0, 0, 64, 48); await new Promise((resolve) => setTimeout(resolve, 40)) }
      rec.stop()
      await stopped
      const dt = new DataTransfer()
      dt.items.add(new File(parts, 'clip.webm', { type: 'video/webm' }))
      const box = document.querySelector('cs-app')?.shadowRoot?.querySelector('cs-chat-view')?.shadowRoot?.querySelector('cs-composer')?.shadowRoot?.querySelector('textarea')
      if (box == null) throw new Error('no composer')
      box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, composed: true, cancelable: true }))
    })
    const video = messages(alice.page).locator('video[aria-label="Video: clip.webm"]')
    await video.waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await expect.poll(async () => await video.evaluate((el) => (el as HTMLVideoElement).videoWidth), { timeout: 10_000 }).toBe(64)
    // Drag and drop anywhere on the room's view.
    const bytes = [...png(30, 30)]
    await bob.page.evaluate((data) => {
      const dt = new DataTransfer()
      dt.items.add(new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }))
      const view = document.querySelector('cs-app')?.shadowRoot?.querySelector('cs-chat-view')
      if (view == null) throw new Error('no chat view')
      view.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, composed: true, cancelable: true }))
      view.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, composed: true, cancelable: true }))
    }, bytes)
    await messages(alice.page).getByRole('img', { name: 'Image: dropped.png' }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
  }, 60_000)

  it('SVG and HTML are download cards, never inline', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>window.__pwned=1</script><circle r="5"/></svg>'
    await alice.page.locator('cs-composer input[type=file]').setInputFiles([
      { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(svg) },
      { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<script>window.__pwned=1</script>') }
    ])
    await messages(bob.page).getByRole('button', { name: 'Download logo.svg' }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await messages(bob.page).getByRole('button', { name: 'Download page.html' }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    expect(await messages(bob.page).getByRole('img', { name: /logo\.svg/ }).count()).toBe(0)
    const download = bob.page.waitForEvent('download')
    await messages(bob.page).getByRole('button', { name: 'Download logo.svg' }).click()
    expect(readFileSync(await (await download).path()).toString()).toBe(svg)
    expect(await bob.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
  }, 60_000)

  it('a 10 MiB file arrives byte-identical over the direct connection (the relay allows 1 MiB per circuit)', async () => {
    const bytes = randomBytes(TEN_MIB)
    await alice.page.locator('cs-composer input[type=file]').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: bytes })
    const button = messages(bob.page).getByRole('button', { name: 'Download big.bin' })
    await button.waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    const download = bob.page.waitForEvent('download', { timeout: TRANSFER_TIMEOUT_MS })
    await button.click()
    // Progress shows while it comes, with the path.
    const got = readFileSync(await (await download).path())
    expect(got.length).toBe(TEN_MIB)
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
    const status = messages(bob.page).locator('cs-attachment p.status[data-path]').last()
    expect(await status.getAttribute('data-path')).toBe('direct')
    expect(await bob.page.locator('cs-connection-banner li[data-transport="webrtc"]').count()).toBeGreaterThan(0)
  }, TRANSFER_TIMEOUT_MS + 90_000)

  it('a voice note recorded with the fake microphone plays at the other end', async () => {
    await bob.page.getByRole('button', { name: 'Record voice note' }).click()
    await bob.page.getByText(/Recording 0:0[1-9]/).waitFor({ timeout: 10_000 })
    await bob.page.getByRole('button', { name: 'Stop and send voice note' }).click()
    const audio = messages(alice.page).locator('cs-attachment audio').last()
    await audio.waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await messages(alice.page).getByText(/Voice note, 0:0\d/).first().waitFor()
    // The player learns the duration (MediaRecorder's WebM has none in its header; the app makes the browser scan it).
    await expect.poll(async () => await audio.evaluate((el) => (el as HTMLAudioElement).duration), { timeout: 10_000 }).toBeGreaterThan(0.5)
    expect(Number.isFinite(await audio.evaluate((el) => (el as HTMLAudioElement).duration))).toBe(true)
    const played = await audio.evaluate(async (el) => {
      const a = el as HTMLAudioElement
      a.muted = true
      await a.play()
      const start = performance.now()
      while (a.currentTime === 0 && performance.now() - start < 10_000) await new Promise((resolve) => setTimeout(resolve, 50))
      a.pause()
      return { currentTime: a.currentTime, error: a.error?.code ?? null }
    })
    expect(played.error).toBeNull()
    expect(played.currentTime).toBeGreaterThan(0)
  }, 60_000)

  it('progress (bytes, rate, time left) shows while a file comes, Cancel stops it, and it resumes', async () => {
    const size = 40 * 1024 * 1024
    // From a file on disk: a 40 MiB buffer is too slow to pass through the automation protocol.
    const dir = mkdtempSync(join(tmpdir(), 'cs-huge-'))
    const path = join(dir, 'huge.bin')
    writeFileSync(path, randomBytes(size))
    await alice.page.locator('cs-composer input[type=file]').setInputFiles(path)
    rmSync(dir, { recursive: true, force: true })
    const button = messages(bob.page).getByRole('button', { name: 'Download huge.bin' })
    // Alice hashes and stores 40 MiB before the message goes out: slower than a text under a loaded CI.
    await button.waitFor({ timeout: 3 * DELIVERY_TIMEOUT_MS })
    await button.click()
    const card = messages(bob.page).locator('cs-attachment').filter({ hasText: 'huge.bin' })
    await card.getByText(/ of 40\.0 MiB · .+\/s · .+ left/).waitFor({ timeout: 30_000 })
    await card.getByRole('button', { name: 'Cancel transfer' }).click()
    await card.getByText('Transfer cancelled.').waitFor({ timeout: 10_000 })
    const download = bob.page.waitForEvent('download', { timeout: TRANSFER_TIMEOUT_MS })
    await card.getByRole('button', { name: 'Download huge.bin' }).click()
    expect(readFileSync(await (await download).path()).length).toBe(size)
  }, TRANSFER_TIMEOUT_MS + 90_000)

  it('when no direct connection can be made, the app says so and offers the relay', async () => {
    // Carol is a Node peer without WebRTC: she can only be reached through the relay.
    const dir = mkdtempSync(join(tmpdir(), 'cs-carol-'))
    const carol = await createChat({ dataDir: dir, relays: [await relayWsAddr(relay.url)], mdns: false, webrtc: false, listen: ['/p2p-circuit'], displayName: 'Carol' })
    try {
      expect(await carol.waitForRelay(20_000)).toBe(true)
      const room = await carol.joinRoom(await inviteLink(alice.page))
      await carol.sendFile(room.id, { name: 'carol.png', mime: 'image/png', bytes: png(20, 20) })
      const alert = messages(alice.page).getByRole('alert').filter({ hasText: 'No direct connection to a peer that has this file could be made' })
      await alert.waitFor({ timeout: 60_000 })
      await alice.page.locator('cs-connection-banner').getByText(/No direct connection to Carol could be made/).waitFor({ timeout: 60_000 })
      await screenshot(alice.page, 'media-relay-offer')
      await messages(alice.page).getByRole('button', { name: 'Get it through the relay' }).click()
      const img = messages(alice.page).getByRole('img', { name: 'Image: carol.png' })
      await img.waitFor({ timeout: DELIVERY_TIMEOUT_MS })
      expect(await messages(alice.page).locator('cs-attachment p.status[data-path="relayed"]').count()).toBeGreaterThan(0)
    } finally {
      await carol.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it('passes axe with attachments, and nothing broke the CSP', async () => {
    await screenshot(alice.page, 'media-chat')
    expect(await seriousViolations(alice.page)).toEqual([])
    expect(await seriousViolations(bob.page)).toEqual([])
    for (const u of [alice, bob]) {
      const problems = await pageProblems(u.page)
      expect(problems.csp).toEqual([])
      expect(problems.errors).toEqual([])
    }
  }, 60_000)
})
