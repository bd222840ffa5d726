import { describe, expect, it } from 'vitest'
import { baseMime, formatBytes, formatDuration, mediaKind, previewType } from '../../../web/src/lib/media-kind.ts'
import { parseIceServers } from '../../../web/src/core/ice-servers.ts'

describe('what a received file may be shown as', () => {
  it('inline only for allow-listed raster images, video and audio; SVG, HTML and unknown types are files', () => {
    expect(mediaKind('image/png')).toBe('image')
    expect(mediaKind('IMAGE/JPEG')).toBe('image')
    expect(mediaKind('video/webm')).toBe('video')
    expect(mediaKind('audio/webm;codecs=opus')).toBe('audio')
    for (const m of ['image/svg+xml', 'text/html', 'application/xhtml+xml', 'text/xml', 'image/x-icon', 'application/pdf', '', 'nonsense', 'image/svg+xml; charset=utf-8']) {
      expect(mediaKind(m)).toBe('file')
    }
    expect(baseMime(' Audio/Ogg ; codecs=opus')).toBe('audio/ogg')
  })

  it('previews are shown only when their bytes are JPEG, PNG or WebP', () => {
    expect(previewType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0]))).toBe('image/jpeg')
    expect(previewType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png')
    expect(previewType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp')
    expect(previewType(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBeUndefined()
    expect(previewType(new Uint8Array(0))).toBeUndefined()
  })

  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(10 * 1024 * 1024)).toBe('10.0 MiB')
    expect(formatDuration(61_000)).toBe('1:01')
    expect(formatDuration(3_725_000)).toBe('1:02:05')
    expect(formatDuration(Infinity)).toBe('–:––')
  })
})

describe('ICE servers from the settings', () => {
  it('keeps stun/turn/turns URLs (TURN with user name and password), drops anything else, none by default', () => {
    expect(parseIceServers([])).toEqual([])
    expect(parseIceServers(['stun:stun.example.org:3478', 'turn:turn.example.org:3478 alice s3cret', 'turns:t.example.org', 'http://x', 'javascript:alert(1)', ''])).toEqual([
      { urls: 'stun:stun.example.org:3478' },
      { urls: 'turn:turn.example.org:3478', username: 'alice', credential: 's3cret' },
      { urls: 'turns:t.example.org' }
    ])
    expect(parseIceServers(Array.from({ length: 20 }, (_, i) => `stun:s${i}.example`)).length).toBe(8)
  })
})
