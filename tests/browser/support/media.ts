// Media and WebRTC helpers for the browser tests and benchmarks (test harness only).
import type { Page } from 'playwright-core'

/**
 * Headless Chromium gathers no ICE candidate on loopback unless the page holds a media capture (with the flags set in
 * browser.ts); a fake microphone stream is opened and kept for the page's lifetime. Call it after each navigation,
 * before a direct connection is dialled.
 */
export async function allowLoopbackWebRTC (page: Page): Promise<void> {
  await page.evaluate(async () => {
    const w = window as unknown as { __csMic?: MediaStream }
    w.__csMic ??= await navigator.mediaDevices.getUserMedia({ audio: true })
  })
}
