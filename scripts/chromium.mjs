// Finds a Chromium the browser tests can drive with playwright-core (which cannot download its own here).
import { existsSync } from 'node:fs'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium']

/** The Chromium executable to use, or undefined. CHROMIUM_PATH wins. */
export function findChromium () {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined
  return CANDIDATES.find((p) => existsSync(p))
}

export const CHROMIUM_MISSING = 'Chromium was not found, so the browser tests cannot run. Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`), ' +
  'or point CHROMIUM_PATH at a Chromium or Chrome binary, or skip the browser tests on purpose with CHATSPHERE_SKIP_BROWSER=1.'
