// P10: gzipped size of the web client: what the first paint needs (entry chunk, its static imports, CSS, HTML)
// and the whole client (every file the build emits). Goal: whole client ≤ 250 kB gzip.
// Run: node scripts/node22.mjs bench/p10-bundle-size.ts
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const GOAL_WHOLE_KB = 250

interface ManifestEntry { file: string, isEntry?: boolean, imports?: string[], css?: string[] }

function files (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : [p]
  })
}

const gz = (p: string): number => gzipSync(readFileSync(p), { level: 9 }).length
const kb = (n: number): string => (n / 1000).toFixed(1)

export async function run (): Promise<Record<string, unknown>> {
  const out = mkdtempSync(join(tmpdir(), 'cs-p10-'))
  try {
    await build({
      root: join(ROOT, 'web'),
      configFile: join(ROOT, 'web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: out, emptyOutDir: true, manifest: 'manifest.json' }
    })
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Record<string, ManifestEntry>
    const entryKey = Object.keys(manifest).find((k) => manifest[k]?.isEntry === true)
    if (entryKey === undefined) throw new Error('no entry in the Vite manifest')
    const initial = new Set<string>(['index.html'])
    const visit = (key: string): void => {
      const e = manifest[key]
      if (e === undefined || initial.has(e.file)) return
      initial.add(e.file)
      for (const c of e.css ?? []) initial.add(c)
      for (const i of e.imports ?? []) visit(i)
    }
    visit(entryKey)
    const all = files(out).map((p) => relative(out, p)).filter((f) => f !== 'manifest.json')
    const code = all.filter((f) => /\.(js|css|html)$/.test(f))
    const sizes = Object.fromEntries(code.map((f) => [f, { raw: statSync(join(out, f)).size, gzip: gz(join(out, f)) }]))
    const sum = (list: string[]): { raw: number, gzip: number } => list.reduce((a, f) => ({ raw: a.raw + (sizes[f]?.raw ?? 0), gzip: a.gzip + (sizes[f]?.gzip ?? 0) }), { raw: 0, gzip: 0 })
    const initialSum = sum([...initial])
    const wholeSum = sum(code)
    const rows = code.sort((a, b) => (sizes[b]?.gzip ?? 0) - (sizes[a]?.gzip ?? 0))
    console.log('\nP10 web bundle (gzip -9)\n')
    console.log('| file | raw kB | gzip kB | initial |')
    console.log('| --- | ---: | ---: | :---: |')
    for (const f of rows) console.log(`| ${f} | ${kb(sizes[f]?.raw ?? 0)} | ${kb(sizes[f]?.gzip ?? 0)} | ${initial.has(f) ? 'yes' : ''} |`)
    console.log(`| **initial (first paint)** | ${kb(initialSum.raw)} | **${kb(initialSum.gzip)}** | |`)
    console.log(`| **whole client** | ${kb(wholeSum.raw)} | **${kb(wholeSum.gzip)}** | goal ≤ ${GOAL_WHOLE_KB} |`)
    const result = {
      bench: 'P10',
      date: new Date().toISOString(),
      initialGzipBytes: initialSum.gzip,
      wholeGzipBytes: wholeSum.gzip,
      initialRawBytes: initialSum.raw,
      wholeRawBytes: wholeSum.raw,
      goalWholeGzipBytes: GOAL_WHOLE_KB * 1000,
      meetsGoal: wholeSum.gzip <= GOAL_WHOLE_KB * 1000,
      files: sizes
    }
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true })
    writeFileSync(join(ROOT, 'bench/results/p10-bundle-size.json'), JSON.stringify(result, null, 2))
    return result
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run()
