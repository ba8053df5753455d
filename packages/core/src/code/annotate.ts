/** Lines shown on each side of the marked line when a source is too long to show whole. */
const CONTEXT_LINES = 40;
/** Sources up to this many lines are shown whole. */
const MAX_WHOLE_LINES = 120;

/**
 * A function's source with line numbers and the given line marked with `>>`, as optimizers see
 * it in error feedback:
 *
 * ```text
 *    1 | add(a, b) {
 * >> 2 |   return a.b.c;
 *    3 | }
 * ```
 *
 * Very long sources are cut to a window around the marked line.
 *
 * @param source the function's source
 * @param line 1-based line to mark (no mark when out of range or undefined)
 * @param note an extra line appended after the source (e.g. where a helper raised the error)
 */
export function annotateSource(source: string, line: number | undefined, note?: string): string {
  const lines = source.split("\n");
  const width = String(lines.length).length;
  let from = 0;
  let to = lines.length;
  if (lines.length > MAX_WHOLE_LINES && line !== undefined) {
    from = Math.max(0, line - 1 - CONTEXT_LINES);
    to = Math.min(lines.length, line + CONTEXT_LINES);
  }
  const out: string[] = [];
  if (from > 0) out.push(`   ${" ".repeat(width)} | … (${from} lines above)`);
  for (let i = from; i < to; i++) {
    const marker = i + 1 === line ? ">> " : "   ";
    out.push(`${marker}${String(i + 1).padStart(width)} | ${lines[i]}`);
  }
  if (to < lines.length) out.push(`   ${" ".repeat(width)} | … (${lines.length - to} lines below)`);
  if (note) out.push(note);
  return out.join("\n");
}
