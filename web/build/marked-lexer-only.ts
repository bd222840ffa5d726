/**
 * marked ships one ESM file that ends by building a default `Marked` instance and the `marked` function with its
 * properties; those module-level effects keep the parser, renderer and hooks in every bundle, though the web app
 * only uses the Lexer (web/src/lib/markdown.ts). This cuts the file just before that default instance and exports
 * only the classes and defaults declared before it, so the bundler can leave out what the Lexer does not reach.
 * Importing anything else from marked (`marked`, `parse`, `lexer`, ...) then fails the build instead of
 * misbehaving. Throws when the file no longer has the expected shape, so an update cannot drop code silently.
 */
export function markedLexerOnly (code: string): string {
  const exportAt = code.lastIndexOf('export{')
  const exportEnd = exportAt < 0 ? -1 : code.indexOf('};', exportAt)
  if (exportEnd < 0) throw new Error('marked: no final export list')
  const pairs = new Map(code.slice(exportAt + 'export{'.length, exportEnd).split(',').map((p) => {
    const [local, name] = p.split(' as ')
    return [name ?? local ?? '', local ?? ''] as const
  }))
  const keep = ['Lexer', 'Tokenizer', 'Hooks', 'Marked', 'Parser', 'Renderer', 'TextRenderer', 'defaults', 'getDefaults']
  const markedClass = pairs.get('Marked')
  if (markedClass === undefined || !keep.every((k) => pairs.has(k))) throw new Error('marked: unexpected export list')
  const instance = new RegExp(`var [\\w$]+=new ${markedClass.replace(/\$/g, '\\$')};`).exec(code)
  if (instance === null) throw new Error('marked: default instance not found')
  const head = code.slice(0, instance.index)
  // Every kept name must be declared before the cut (a class, function or var), else the cut is in the wrong place.
  for (const k of keep) {
    const local = pairs.get(k) ?? ''
    if (!new RegExp(`(?:class|function|var|let|const) ${local.replace(/\$/g, '\\$')}\\b|[,;{]${local.replace(/\$/g, '\\$')}=`).test(head)) {
      throw new Error(`marked: ${k} is not declared before the default instance`)
    }
  }
  return head + `export{${keep.map((k) => `${pairs.get(k) ?? ''} as ${k}`).join(',')}};\n`
}
