/**
 * The tiny sample shipped in examples/data/bbh-sample/: three made-up tasks in the BBH file
 * layout, generated here from a fixed seed so that every answer is computed exactly. They are
 * NOT BigBench-Hard data; they only let the harness run offline. `make-sample.ts` writes them.
 *
 * - `boolean_expressions`: nested `not`/`and`/`or` over True/False; the target is the value.
 * - `word_sorting`: 4–7 words from a fixed list; the target is them sorted, space-separated.
 * - `date_arithmetic`: a date plus or minus 1–60 days; the target is MM/DD/YYYY.
 */
import { Rng } from "@trace-ts/trainer";

/** One example of a task file. */
export interface SampleExample {
  /** The question. */
  readonly input: string;
  /** The exactly computed answer. */
  readonly target: string;
}

/** The content of one task file. */
export interface SampleFile {
  /** The examples, in file order. */
  readonly examples: readonly SampleExample[];
}

/** Examples per sample task: enough that train (15), validation (5) and test are non-empty. */
export const SAMPLE_SIZES = { boolean_expressions: 27, word_sorting: 26, date_arithmetic: 24 } as const;

/** The sample's task names. */
export type SampleTask = keyof typeof SAMPLE_SIZES;

type BoolExpr =
  | { readonly kind: "literal"; readonly value: boolean }
  | { readonly kind: "not"; readonly operand: BoolExpr }
  | { readonly kind: "and" | "or"; readonly left: BoolExpr; readonly right: BoolExpr };

function randomExpr(rng: Rng, depth: number): BoolExpr {
  if (depth === 0 || rng.next() < 0.25) return { kind: "literal", value: rng.next() < 0.5 };
  if (rng.next() < 0.25) return { kind: "not", operand: randomExpr(rng, depth - 1) };
  return {
    kind: rng.next() < 0.5 ? "and" : "or",
    left: randomExpr(rng, depth - 1),
    right: randomExpr(rng, depth - 1),
  };
}

function evaluateExpr(e: BoolExpr): boolean {
  switch (e.kind) {
    case "literal":
      return e.value;
    case "not":
      return !evaluateExpr(e.operand);
    case "and":
      return evaluateExpr(e.left) && evaluateExpr(e.right);
    case "or":
      return evaluateExpr(e.left) || evaluateExpr(e.right);
  }
}

function renderExpr(e: BoolExpr, top = true): string {
  switch (e.kind) {
    case "literal":
      return e.value ? "True" : "False";
    case "not":
      return `not ${renderExpr(e.operand, false)}`;
    default: {
      const text = `${renderExpr(e.left, false)} ${e.kind} ${renderExpr(e.right, false)}`;
      return top ? text : `( ${text} )`;
    }
  }
}

/** Repeats `make` until `count` examples with distinct inputs are made. */
function distinct(count: number, make: () => SampleExample): SampleExample[] {
  const byInput = new Map<string, SampleExample>();
  while (byInput.size < count) {
    const e = make();
    if (!byInput.has(e.input)) byInput.set(e.input, e);
  }
  return [...byInput.values()];
}

function booleanExpressions(rng: Rng, count: number): SampleExample[] {
  return distinct(count, () => {
    let expr = randomExpr(rng, 3);
    while (expr.kind === "literal") expr = randomExpr(rng, 3);
    return {
      input: `Evaluate the boolean expression and answer True or False: ${renderExpr(expr)}`,
      target: evaluateExpr(expr) ? "True" : "False",
    };
  });
}

// biome-ignore format: a compact word list
const WORDS = [
  "anchor", "basket", "candle", "dolphin", "ember", "falcon", "garnet", "harbor", "island", "jasmine",
  "kettle", "lantern", "meadow", "nectar", "orchid", "pebble", "quartz", "ribbon", "saddle", "thistle",
  "umber", "velvet", "willow", "yarrow", "zephyr", "acorn", "bramble", "cobalt", "drizzle", "fennel",
  "glacier", "hazel", "indigo", "juniper", "kelp", "lilac", "maple", "nutmeg", "otter", "parsley",
];

function wordSorting(rng: Rng, count: number): SampleExample[] {
  return distinct(count, () => {
    const words = rng.sample(WORDS.length, 4 + rng.int(4)).map((i) => WORDS[i]!);
    return {
      input: `Sort the following words alphabetically and list them separated by single spaces: ${words.join(" ")}`,
      target: [...words].sort().join(" "),
    };
  });
}

const DAY_MS = 24 * 60 * 60 * 1000;

function formatDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()}`;
}

function dateArithmetic(rng: Rng, count: number): SampleExample[] {
  return distinct(count, () => {
    const start = Date.UTC(2015 + rng.int(10), rng.int(12), 1 + rng.int(28));
    const days = 1 + rng.int(60);
    const later = rng.next() < 0.5;
    return {
      input: `Today is ${formatDate(start)}. What is the date ${days} day${days === 1 ? "" : "s"} ${later ? "after" : "before"} today? Answer in the format MM/DD/YYYY.`,
      target: formatDate(start + (later ? days : -days) * DAY_MS),
    };
  });
}

/**
 * The sample's task files, generated from `seed` (the shipped files use the default, 2024).
 * @param seed seed of the generator
 */
export function makeSample(seed = 2024): Record<SampleTask, SampleFile> {
  const rng = Rng.fromSeed(seed);
  return {
    boolean_expressions: { examples: booleanExpressions(rng, SAMPLE_SIZES.boolean_expressions) },
    word_sorting: { examples: wordSorting(rng, SAMPLE_SIZES.word_sorting) },
    date_arithmetic: { examples: dateArithmetic(rng, SAMPLE_SIZES.date_arithmetic) },
  };
}

/**
 * The text of a task file: indented JSON ending in a newline (the checked-in files are then
 * formatted by biome; the tests compare their parsed content with `makeSample()`).
 * @param file the task's examples
 */
export function sampleFileText(file: SampleFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
