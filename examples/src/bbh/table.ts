/**
 * The per-task accuracy table printed at the end of a BBH run. It is a Markdown table whose
 * columns are padded so it also reads well in a terminal:
 *
 * ```text
 * | task                | n test | before |  after |   change |
 * | :------------------ | -----: | -----: | -----: | -------: |
 * | boolean_expressions |      7 |  57.1% | 100.0% | +42.9 pp |
 * | word_sorting        |      6 |  50.0% |  33.3% | -16.7 pp |
 * | mean (2 tasks)      |     13 |  53.6% |  66.7% | +13.1 pp |
 * ```
 *
 * - `task`: the task's name (left-aligned); `n test`: size of its test split.
 * - `before` / `after`: accuracy on the test split before and after training, in percent with
 *   one decimal.
 * - `change`: after − before in percentage points, one decimal, with its sign (`+57.1 pp`,
 *   `-14.3 pp`; no change is `0.0 pp`).
 * - The last row, `mean (N tasks)`: `n test` is the total, `before` and `after` are the plain
 *   (unweighted) means of the per-task accuracies, `change` the difference of those means.
 * - Every column is as wide as its widest cell; numbers are right-aligned.
 */

/** One task's line of the table. */
export interface AccuracyRow {
  /** The task's name. */
  readonly task: string;
  /** Size of its test split. */
  readonly nTest: number;
  /** Test accuracy before training, in [0, 1]. */
  readonly before: number;
  /** Test accuracy after training, in [0, 1]. */
  readonly after: number;
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function points(before: number, after: number): string {
  const text = (100 * (after - before)).toFixed(1);
  if (Number(text) === 0) return "0.0 pp";
  return `${text.startsWith("-") ? "" : "+"}${text} pp`;
}

/**
 * Formats the table (see the module comment), ending without a newline.
 * @param rows one per task, in the order to print
 */
export function formatAccuracyTable(rows: readonly AccuracyRow[]): string {
  const header = ["task", "n test", "before", "after", "change"];
  const cells = rows.map((r) => [
    r.task,
    String(r.nTest),
    percent(r.before),
    percent(r.after),
    points(r.before, r.after),
  ]);
  if (rows.length > 0) {
    const mean = (pick: (r: AccuracyRow) => number) =>
      rows.reduce((sum, r) => sum + pick(r), 0) / rows.length;
    const before = mean((r) => r.before);
    const after = mean((r) => r.after);
    cells.push([
      `mean (${rows.length} task${rows.length === 1 ? "" : "s"})`,
      String(rows.reduce((sum, r) => sum + r.nTest, 0)),
      percent(before),
      percent(after),
      points(before, after),
    ]);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (c === 0 ? `:${"-".repeat(w - 1)}` : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [line(header), rule, ...cells.map(line)].join("\n");
}
