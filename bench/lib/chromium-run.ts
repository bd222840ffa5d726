/** Bundles a bench module for the browser with Vite and runs its `run(...args)` in headless Chromium. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'vite'
import { chromium } from 'playwright-core'
// @ts-expect-error plain .mjs helper without types
import { findChromium } from '../../scripts/chromium.mjs'

/** A made-up https origin, served by request interception: WebCrypto needs a secure context. */
const ORIGIN = 'https://bench.chatsphere.test'

/**
 * Returns what `run(...args)` of `entry` resolves to in Chromium, or undefined (with the reason) when no
 * Chromium is installed.
 */
export async function runInChromium (entry: string, args: unknown[]): Promise<{ result?: unknown, skipped?: string }> {
  const executablePath = (findChromium as () => string | undefined)()
  if (executablePath === undefined) return { skipped: 'Chromium not found (set CHROMIUM_PATH)' }
  const outDir = mkdtempSync(join(tmpdir(), 'chatsphere-bench-'))
  try {
    await build({
      configFile: false,
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true, minify: true, lib: { entry, formats: ['es'], fileName: 'bench' } }
    })
    const code = readFileSync(join(outDir, 'bench.js'), 'utf8')
    const browser = await chromium.launch({ executablePath })
    try {
      const page = await browser.newPage()
      await page.route(`${ORIGIN}/**`, (route) => route.fulfill({ body: '<!doctype html><title>bench</title>', contentType: 'text/html' }))
      await page.goto(`${ORIGIN}/`)
      const result = await page.evaluate(async ([src, a]) => {
        const url = URL.createObjectURL(new Blob([src as string], { type: 'text/javascript' }))
        const mod = await import(url) as { run: (...x: unknown[]) => Promise<unknown> }
        return await mod.run(...(a as unknown[]))
      }, [code, args] as const)
      return { result }
    } finally {
      await browser.close()
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
}
