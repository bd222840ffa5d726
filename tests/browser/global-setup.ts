// Browser tests: find Chromium (fail with CHROMIUM_MISSING when there is none) and build the web app once.
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { findChromium, CHROMIUM_MISSING } from './support/chromium-path.ts'

export default async function setup (): Promise<void> {
  if (findChromium() === undefined) throw new Error(CHROMIUM_MISSING)
  const root = fileURLToPath(new URL('../../web/', import.meta.url))
  await build({ root, configFile: fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url)), logLevel: 'warn' })
}
