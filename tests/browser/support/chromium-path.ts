// Typed access to scripts/chromium.mjs (plain JS shared with the test runner script).
interface ChromiumModule {
  findChromium: () => string | undefined
  CHROMIUM_MISSING: string
}

const mod = await import(new URL('../../../scripts/chromium.mjs', import.meta.url).href) as ChromiumModule

export const findChromium = mod.findChromium
export const CHROMIUM_MISSING = mod.CHROMIUM_MISSING
