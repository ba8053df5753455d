/**
 * OptoPrime benchmark (issue 5): problem view + prompt rendering time and prompt size for graphs
 * of 10…10,000 operations, without budgets, with only the per-value budget, and with the
 * default budgets (2,000 characters per value, 32,000 estimated prompt tokens). Also the time
 * `parseSuggestion` takes on typical answers.
 * Run: `npm run bench -- optoprime`.
 */
import { graphScope, type Node, node, ops, type ParameterNode } from "@trace-ts/core";
import { OptoPrime, parseSuggestion, renderPrompt } from "@trace-ts/optoprime";
import { median, printTable, settle, timeMs } from "./util.js";

const TARGET_OPS = [10, 100, 1_000, 10_000];
const TEXT_CHARS = 1_000;

/**
 * One trainable text `prompt`; per round a 1,000-character input document, `concat(doc, prompt)`,
 * its `len`, and a running `add` of the lengths (3 operations per round); one output.
 */
function buildGraph(targetOps: number): { p: ParameterNode<string>; out: Node<number>; ops: number } {
  return graphScope(() => {
    const p = node("Summarize in one sentence.", { trainable: true, name: "prompt" });
    let sum: Node<number> = node(0, { name: "total" });
    const rounds = Math.ceil(targetOps / 3);
    const filler = "lorem ipsum dolor sit amet ".repeat(Math.ceil(TEXT_CHARS / 27));
    for (let i = 0; i < rounds; i++) {
      const doc = node(`document ${i}: ${filler}`.slice(0, TEXT_CHARS), { name: "doc" });
      sum = ops.add(sum, ops.len(ops.concat(doc, p)));
    }
    return { p, out: sum, ops: rounds * 3 };
  });
}

interface Config {
  readonly label: string;
  readonly valueCharBudget: number;
  readonly promptTokenBudget: number;
}

const CONFIGS: readonly Config[] = [
  {
    label: "no budget",
    valueCharBudget: Number.POSITIVE_INFINITY,
    promptTokenBudget: Number.POSITIVE_INFINITY,
  },
  { label: "200 chars/value", valueCharBudget: 200, promptTokenBudget: Number.POSITIVE_INFINITY },
  { label: "default budgets", valueCharBudget: 2_000, promptTokenBudget: 32_000 },
];

/** An integer with thousands separators (printTable would print small integers with a decimal). */
function count(n: number): string {
  return n.toLocaleString("en-US");
}

function kb(text: string): string {
  return `${Math.round(text.length / 1000)} KB`;
}

/** Runs the OptoPrime benchmark and prints its tables. */
export async function runOptoPrimeBench(): Promise<void> {
  console.log(
    `graph: 1 trainable text, ${TEXT_CHARS}-char input per round, concat/len/add per round; ` +
      "times are medians (ms); tokens are the library's estimate (about 4 characters a token)",
  );
  const rows: (string | number)[][] = [];
  for (const target of TARGET_OPS) {
    const { p, out, ops: opCount } = buildGraph(target);
    out.backward("The summaries are too long: keep each under 20 words.");
    const optimizer = new OptoPrime([p]);
    const repeats = target >= 10_000 ? 3 : 7;
    const viewTimes: number[] = [];
    let view = optimizer.problem();
    for (let r = 0; r < repeats; r++) {
      const t = timeMs(() => optimizer.problem());
      viewTimes.push(t.ms);
      view = t.result;
    }
    for (const config of CONFIGS) {
      const times: number[] = [];
      let result = renderPrompt(view, config);
      for (let r = 0; r < repeats; r++) {
        const t = timeMs(() => renderPrompt(view, config));
        times.push(t.ms);
        result = t.result;
        await settle();
      }
      rows.push([
        count(opCount),
        count(view.nodes.length),
        median(viewTimes),
        config.label,
        median(times),
        count(result.budget.characters),
        count(result.budget.estimatedTokens),
        result.budget.cuts.length === 0 ? "-" : String(result.budget.cuts.length),
      ]);
    }
  }
  printTable(
    ["ops", "view nodes", "view ms", "budget", "render ms", "prompt chars", "~tokens", "cuts"],
    rows,
  );

  const keys = ["prompt0", "__code0"];
  const small = JSON.stringify({
    reasoning: "The output is too long.",
    answer: "",
    suggestion: { prompt0: "Be brief." },
  });
  const body = Array.from({ length: 400 }, (_, i) => `  const v${i} = "line ${i}";`).join("\n");
  const code = `Here is my answer:\n\`\`\`json\n${JSON.stringify({
    reasoning: "Rewrote the function.",
    suggestion: { __code0: `run(x) {\n${body}\n  return x;\n}` },
  })}\n\`\`\``;
  const unescaped = `{"suggestion": {"__code0": "run(x) {\n${body.replaceAll('\\"', '"')}\n  return x;\n}"}}`;
  const parseRows: (string | number)[][] = [];
  for (const [label, text] of [
    ["plain JSON, 1 short value", small],
    [`prose + fence, ${kb(code)} code value`, code],
    [`${kb(unescaped)} code value, unescaped quotes`, unescaped],
  ] as const) {
    const times: number[] = [];
    let ok = false;
    for (let r = 0; r < 21; r++) {
      const t = timeMs(() => parseSuggestion(text, { keys }));
      times.push(t.ms);
      ok = Object.keys(t.result.suggestion).length === 1;
    }
    parseRows.push([label, count(text.length), median(times), ok ? "yes" : "NO"]);
  }
  console.log("");
  printTable(["parseSuggestion input", "chars", "ms", "read"], parseRows);
}
