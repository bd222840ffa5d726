// P10 detail: what each cut of the web build saves. Builds the web client once with web/vite.config.ts as it is and
// once more with each cut undone (a plugin or a resolve alias left out), and prints the gzip -9 size of the whole
// client (every emitted .js/.css/.html, as bench/p10-bundle-size.ts counts it) for each.
// Run: node scripts/node22.mjs bench/p10-cuts.ts
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'
import type { Alias, Plugin, UserConfig } from 'vite'
import config from '../web/vite.config.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

/** Each cut: a name, and how to recognise its plugin (by name) or its alias (by replacement file). */
const CUTS: Array<{ name: string, plugin?: string, alias?: RegExp }> = [
  { name: 'tweetnacl → @noble (src/crypto/nacl-noble.ts)', alias: /nacl-noble\.ts$/ },
  { name: 'gossipsub without Prometheus metrics', plugin: 'chatsphere-gossipsub-without-metrics' },
  { name: 'marked: lexer only', plugin: 'chatsphere-marked-lexer-only' },
  { name: 'secp256k1 keys refused', alias: /secp256k1-unsupported\.ts$/ },
  { name: 'libp2p loggers off (calls kept)', alias: /libp2p-logger-off\.ts$/ },
  { name: 'no /dnsaddr DNS client', alias: /dns-unsupported\.ts$/ },
  { name: 'netmask without IPv6', alias: /netmask-ipv4\.ts$/ },
  { name: 'libp2p Ed25519 through the cached-key module', plugin: 'chatsphere-libp2p-ed25519-cached-keys' }
]

function files (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : [p]
  })
}

async function wholeGzip (cfg: UserConfig): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'cs-p10-cuts-'))
  try {
    await build({ ...cfg, configFile: false, root: join(ROOT, 'web'), logLevel: 'error', build: { ...cfg.build, outDir: out, emptyOutDir: true } })
    return files(out).filter((f) => /\.(js|css|html)$/.test(f)).reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0)
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

const base = config as UserConfig
const aliases = (base.resolve?.alias ?? []) as Alias[]
const plugins = (base.plugins ?? []) as Plugin[]
const kb = (n: number): string => (n / 1000).toFixed(1)
const all = await wholeGzip(base)
console.log('\nP10 build cuts (gzip -9 of the whole client; each row: the build with only that cut undone)\n')
console.log('| cut | whole client without it, kB | saves kB |')
console.log('| --- | ---: | ---: |')
for (const cut of CUTS) {
  const cfg: UserConfig = {
    ...base,
    resolve: { ...base.resolve, alias: aliases.filter((a) => cut.alias === undefined || !cut.alias.test(String(a.replacement))) },
    plugins: plugins.filter((p) => p.name !== cut.plugin)
  }
  const without = await wholeGzip(cfg)
  console.log(`| ${cut.name} | ${kb(without)} | ${kb(without - all)} |`)
}
console.log(`| **all cuts (web/vite.config.ts)** | **${kb(all)}** | |`)
console.log(`\nload average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (sizes do not depend on it)`)
