import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import type { Plugin } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

/** Files from public/ that the service worker keeps for offline use besides the built chunks. */
const PUBLIC_PRECACHE = ['/', '/manifest.webmanifest', '/icon.svg', '/icon-maskable.svg']

/**
 * Emits sw.js from web/sw.js with the list of every built file and a version derived from their names, so a new
 * build replaces the old cache and the app works offline after its first load.
 */
function serviceWorkerPlugin (): Plugin {
  return {
    name: 'chatsphere-service-worker',
    apply: 'build',
    generateBundle (_options, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith('.map') && !f.endsWith('manifest.json')).map((f) => '/' + f)
      const all = [...PUBLIC_PRECACHE, ...files]
      const version = createHash('sha256').update(all.join('\n')).digest('hex').slice(0, 12)
      const source = readFileSync(new URL('./sw.js', import.meta.url), 'utf8')
        .replace('self.__PRECACHE__', JSON.stringify(all))
        .replace('self.__VERSION__', JSON.stringify(version))
      this.emitFile({ type: 'asset', fileName: 'sw.js', source })
    }
  }
}

/**
 * gossipsub builds its Prometheus metrics (a 21 kB function, 4.5 kB gzip) only when given a metrics registry, which
 * the browser peer never is. This keeps the module's enums (used by gossipsub itself) and replaces getMetrics with
 * one that throws; the build fails if the file stops ending with getMetrics, so an update cannot drop code silently.
 */
function gossipsubWithoutMetricsPlugin (): Plugin {
  const marker = '\nexport function getMetrics('
  return {
    name: 'chatsphere-gossipsub-without-metrics',
    apply: 'build',
    transform: {
      filter: { id: /@libp2p[\\/]gossipsub[\\/]dist[\\/]src[\\/]metrics\.js$/ },
      handler (code) {
        const at = code.indexOf(marker)
        const tail = code.slice(at).replace(/\n\/\/# sourceMappingURL=.*\s*$/, '')
        if (at < 0 || !tail.trimEnd().endsWith('\n}') || tail.includes('\nexport ', 1)) {
          this.error('gossipsub metrics.js no longer ends with getMetrics: update web/vite.config.ts')
        }
        return { code: code.slice(0, at) + '\nexport function getMetrics () { throw new Error(\'gossipsub metrics are not in the web build\') }\n', map: null }
      }
    }
  }
}

// The web app is built from web/ into web/dist, which the relay serves under a strict CSP
// (script-src 'self'; style-src 'self'; require-trusted-types-for 'script'): so nothing here may emit inline
// scripts or styles. CSS is extracted to files; Lit styles use adoptedStyleSheets, which CSP does not block.
export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  resolve: {
    // `#ed25519`, `#storage`, `#libp2p-node` pick their browser files through this condition.
    conditions: ['browser', 'module', 'import', 'default'],
    mainFields: ['browser', 'module', 'jsnext:main', 'jsnext'],
    // The core imports tweetnacl; in the browser the same functions come from the @noble code libp2p already ships
    // (byte-identical, tests/unit/crypto/nacl-noble.test.ts), which saves tweetnacl's 10 kB gzip.
    alias: [{ find: /^tweetnacl$/, replacement: fileURLToPath(new URL('../src/crypto/nacl-noble.ts', import.meta.url)) }]
  },
  server: { fs: { allow: ['..'] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2023',
    // No base64 inlining of assets as data: URLs, so img-src/font-src stay 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: true,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000
  },
  plugins: [serviceWorkerPlugin(), gossipsubWithoutMetricsPlugin()]
})
