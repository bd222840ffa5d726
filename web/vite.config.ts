import { defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { parseSync } from 'vite'
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

/** Whether evaluating `node` can have no effect (so dropping it changes nothing): names, literals, plain reads. */
function isPlainValue (node: unknown): boolean {
  const n = node as { type?: string, expressions?: unknown[], object?: unknown, property?: unknown, computed?: boolean }
  switch (n.type) {
    case 'Identifier': case 'Literal': case 'ThisExpression': return true
    case 'TemplateLiteral': return (n.expressions ?? []).every(isPlainValue)
    case 'MemberExpression': return isPlainValue(n.object) && (n.computed !== true || isPlainValue(n.property))
    default: return false
  }
}

/** `log(…)`, `log.trace(…)`, `this.log(…)`, `this.log.trace(…)`, `x.log(…)`: a libp2p debug logger call (not `.error`). */
function isDebugLogCall (node: unknown): boolean {
  const call = node as { type?: string, callee?: { type?: string, name?: string, object?: unknown, property?: { name?: string }, computed?: boolean }, arguments?: unknown[] }
  if (call.type !== 'CallExpression' || call.callee === undefined) return false
  let callee = call.callee
  if (callee.type === 'MemberExpression' && callee.computed !== true && callee.property?.name === 'trace') callee = callee.object as typeof callee
  const isLog = (callee.type === 'Identifier' && callee.name === 'log') ||
    (callee.type === 'MemberExpression' && callee.computed !== true && callee.property?.name === 'log' &&
      ((callee.object as { type?: string }).type === 'ThisExpression' || ((callee.object as { type?: string, name?: string }).type === 'Identifier' && (callee.object as { name?: string }).name !== 'console')))
  return isLog && (call.arguments ?? []).every(isPlainValue)
}

/**
 * libp2p's debug logging is off in a browser unless a developer sets localStorage.debug, yet its calls and their
 * message strings are a good part of the libp2p code (about 5 kB gzip). In the web build, statements that only call
 * a libp2p debug logger (`log(…)`, `log.trace(…)`, `this.log(…)`) with plain arguments (names, literals, property
 * reads: nothing that can have an effect) are removed; `log.error(…)` stays.
 */
function dropLibp2pDebugLogsPlugin (): Plugin {
  return {
    name: 'chatsphere-drop-libp2p-debug-logs',
    apply: 'build',
    transform: {
      filter: { id: /[\\/]node_modules[\\/](?:libp2p|@libp2p[\\/][^\\/]+)[\\/]dist[\\/].*\.js$/ },
      handler (code, id) {
        if (!/\blog\b/.test(code)) return null
        const { program, errors } = parseSync(id, code)
        if (errors.length > 0) return null
        const cut: Array<[number, number]> = []
        const visit = (node: unknown): void => {
          if (node === null || typeof node !== 'object') return
          if (Array.isArray(node)) { for (const child of node) visit(child); return }
          const n = node as { type?: string, expression?: unknown, start?: number, end?: number }
          if (n.type === 'ExpressionStatement' && isDebugLogCall(n.expression) && n.start !== undefined && n.end !== undefined) {
            cut.push([n.start, n.end])
            return
          }
          for (const key in n) if (key !== 'type' && key !== 'start' && key !== 'end') visit((n as Record<string, unknown>)[key])
        }
        visit(program)
        if (cut.length === 0) return null
        let out = ''
        let at = 0
        for (const [start, end] of cut) {
          // The parser's offsets must point at the call itself; if not, leave the file as it is.
          if (!/^(?:this\.|[\w$]+\.)?log\b[\s\S]*\)\s*;?$/.test(code.slice(start, end))) return null
          out += code.slice(at, start) + ';'
          at = end
        }
        return { code: out + code.slice(at), map: null }
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
  plugins: [serviceWorkerPlugin(), gossipsubWithoutMetricsPlugin(), dropLibp2pDebugLogsPlugin()]
})
