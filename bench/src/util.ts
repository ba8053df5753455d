/** Helpers shared by benchmark suites: timing, heap measurement, table printing. */

/** Runs the garbage collector twice (needs node --expose-gc). */
export function fullGc(): void {
  const gc = globalThis.gc;
  if (typeof gc !== "function") throw new Error("run with node --expose-gc");
  gc();
  gc();
}

/** Lets pending jobs finish so WeakRef targets of earlier work can be collected. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Heap in use after a full collection, in MB. */
export async function heapMb(): Promise<number> {
  await settle();
  fullGc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

/** Milliseconds `fn` takes (one run). */
export function timeMs<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

/** Median of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Prints rows as an aligned text table. */
export function printTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => String(r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, i) => String(c).padStart(widths[i]!)).join("  ");
  console.log(line(headers));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of cells) console.log(line(r as string[]));
}

/** Compact number formatting for tables. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) && Math.abs(n) >= 1000) return n.toLocaleString("en-US");
  const a = Math.abs(n);
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toFixed(3);
}
