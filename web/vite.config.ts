import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import type { Plugin } from 'vite'
import { markedLexerOnly } from './build/marked-lexer-only.ts'

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

/**
 * libp2p's browser Ed25519 module re-imports the key into WebCrypto for every signature and verification (gossipsub
 * signs each publish and verifies each received message); this makes that module re-export web/src/build/libp2p-ed25519.ts,
 * which uses the app's cached-key Ed25519. The build fails if libp2p stops having that module.
 */
function libp2pEd25519CachedKeysPlugin (): Plugin {
  let seen = false
  return {
    name: 'chatsphere-libp2p-ed25519-cached-keys',
    apply: 'build',
    transform: {
      filter: { id: /@libp2p[\\/]crypto[\\/]dist[\\/]src[\\/]keys[\\/]ed25519[\\/]index\.browser\.js$/ },
      handler () {
        seen = true
        return { code: `export * from ${JSON.stringify(here('./src/build/libp2p-ed25519.ts'))}\n`, map: null }
      }
    },
    buildEnd (err) {
      if (err === undefined && !seen) this.error('libp2p Ed25519 browser module not found: update web/vite.config.ts')
    }
  }
}

/** marked without its default instance, so only the Lexer and what it reaches ship (web/build/marked-lexer-only.ts). */
function markedLexerOnlyPlugin (): Plugin {
  return {
    name: 'chatsphere-marked-lexer-only',
    apply: 'build',
    transform: {
      filter: { id: /[\\/]node_modules[\\/]marked[\\/]lib[\\/]marked\.esm\.js$/ },
      handler (code) {
        try {
          return { code: markedLexerOnly(code), map: null }
        } catch (err) {
          this.error(`${(err as Error).message}: update web/build/marked-lexer-only.ts`)
        }
      }
    }
  }
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

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
    alias: [
      { find: /^tweetnacl$/, replacement: here('../src/crypto/nacl-noble.ts') },
      // Every ChatSphere peer has an Ed25519 peer key; secp256k1 keys are refused in the browser (−7 kB gzip).
      { find: /^@noble\/curves\/secp256k1(?:\.js)?$/, replacement: here('./src/build/secp256k1-unsupported.ts') },
      // libp2p debug output is never turned on in the web app: disabled loggers without weald/ms (−3 kB gzip).
      { find: /^@libp2p\/logger$/, replacement: here('./src/build/libp2p-logger-off.ts') },
      // Only /dnsaddr/ addresses need it; relays announce /dns/ or IP WebSocket addresses (−2 kB gzip).
      { find: /^@multiformats\/dns$/, replacement: here('./src/build/dns-unsupported.ts') },
      // @libp2p/utils checks IPv4 ranges only with it: netmask's IPv4 code without its IPv6 half (−1.6 kB gzip).
      { find: /^netmask$/, replacement: here('./src/build/netmask-ipv4.ts') }
    ]
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
  plugins: [serviceWorkerPlugin(), gossipsubWithoutMetricsPlugin(), markedLexerOnlyPlugin(), libp2pEd25519CachedKeysPlugin()]
})
