/**
 * Parsers of model output benchmark (reliability issue 5): model answers are untrusted input, so
 * every parser must do work linear in the answer and refuse answers over its size cap
 * (1,000,000 characters by default). For each parser — the LLM judge's reply, OptoPrime's
 * suggestion, OptoPrimeMulti's choice, TextGrad's new value, OPRO's solution — this times a
 * normal answer and a set of hostile 1 MB inputs (only `{`, deep nesting, only `"`, openers
 * without closers, unterminated fences, alternating quotes and backslashes, …), and prints the
 * worst of them next to the same input at 100 KB and 500 KB (linear work gives ratios of about 10
 * and 2, quadratic work 100 and 4; at 100 KB the input and the parser's bookkeeping still fit the
 * CPU caches, so the first ratio comes out somewhat above 10) and the time to refuse an answer
 * just over the cap.
 * Run: `npm run bench -- parsers`.
 */

import { parseSolution } from "@trace-ts/opro";
import { parseSuggestion, readChoice } from "@trace-ts/optoprime";
import { extractNewValue } from "@trace-ts/textgrad";
import { parseJudgeResponse } from "@trace-ts/trainer";
import { median, printTable, settle, timeMs } from "./util.js";

const MB = 1_000_000;

/** `unit` repeated to exactly `n` characters. */
function fill(unit: string, n: number): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

type Make = (n: number) => string;

/** Hostile inputs every parser gets. */
const COMMON: Readonly<Record<string, Make>> = {
  "only {": (n) => fill("{", n),
  'nesting {"a":{"a":…': (n) => fill('{"a":', n),
  "nesting [[[…": (n) => fill("[", n),
  'only "': (n) => fill('"', n),
  'alternating "\\': (n) => fill('"\\', n),
  'open strings {"a": "…': (n) => fill('{"a": "', n),
  "unterminated ``` fences": (n) => fill("```\n", n),
  "only <": (n) => fill("<", n),
  "one run of digits": (n) => fill("1", n),
};

interface Parser {
  readonly name: string;
  readonly parse: (text: string) => unknown;
  readonly normal: string;
  readonly hostile: Readonly<Record<string, Make>>;
}

const PARSERS: readonly Parser[] = [
  {
    name: "judge (parseJudgeResponse)",
    parse: (text) => parseJudgeResponse(text, { min: 0, max: 10 }),
    normal:
      'Here is my grade:\n```json\n{"score": 7, "feedback": "Mostly right, but the unit is missing."}\n```',
    hostile: {
      ...COMMON,
      'nesting {"a":[[[…': (n) => `{"a":${fill("[", n - 5)}`,
      "many {} objects": (n) => fill("{}", n),
      "score, then spaces": (n) => `score${" ".repeat(n - 5)}`,
      "digits and dots": (n) => fill("1.", n),
    },
  },
  {
    name: "OptoPrime (parseSuggestion)",
    parse: (text) => parseSuggestion(text, { keys: ["prompt0", "__code0"] }),
    normal: `Sure:\n\`\`\`json\n${JSON.stringify({
      reasoning: "The output is too long.",
      answer: "",
      suggestion: { prompt0: "Be brief." },
    })}\n\`\`\``,
    hostile: {
      ...COMMON,
      "unclosed pairs in code": (n) => `{"suggestion": {"__code0": "${fill('a", "b": "c", ', n - 28)}`,
      "nested strings": (n) => fill('{"k": "v", "w": [1, "2", {"q": "', n),
      "a key of (((…": (n) => `{"suggestion": {"${fill("(", n - 23)}": 1}}`,
    },
  },
  {
    name: "OptoPrimeMulti (readChoice)",
    parse: (text) => readChoice(text),
    normal: '{"reasoning": "Candidate 2 fixes the unit and keeps the answer short.", "choice": 2}',
    hostile: {
      ...COMMON,
      'nesting {"choice":{…': (n) => fill('{"choice":', n),
      "nesting, then a choice word": (n) => `${fill('{"a":', n - 7)} choice`,
      "candidate, then spaces": (n) => `candidate${" ".repeat(n - 9)}`,
    },
  },
  {
    name: "TextGrad (extractNewValue)",
    parse: (text) => extractNewValue(text),
    normal: "The greeting should be in French.\n<new_value>\n```\nBonjour !\n```\n</new_value>",
    hostile: {
      ...COMMON,
      "<new_value> without closers": (n) => fill("<new_value>", n),
      "</new_value> only": (n) => fill("</new_value>", n),
      "fences in a block": (n) => `<new_value>${fill("```\n", n - 23)}</new_value>`,
    },
  },
  {
    name: "OPRO (parseSolution)",
    parse: (text) => parseSolution(text),
    normal: 'Because the outputs are too long.\n<value name="prompt0">\nBe brief.\n</value>',
    hostile: {
      ...COMMON,
      '<value name="a"> without closers': (n) => fill('<value name="a">', n),
      "openers, one closer at the end": (n) => `${fill('<value name="a">', n - 8)}</value>`,
      "</value> only": (n) => fill("</value>", n),
      "a long quoted name": (n) => `<value name="${fill("a", n - 24)}">x</value>`,
    },
  },
];

/** Median milliseconds of `runs` parses of `text`. */
async function timeParse(parse: (text: string) => unknown, text: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    times.push(timeMs(() => parse(text)).ms);
    await settle();
  }
  return median(times);
}

/** Runs the parsers benchmark and prints its table. */
export async function runParsersBench(): Promise<void> {
  console.log(
    "times are medians (ms); worst hostile = the slowest of the parser's hostile 1 MB inputs " +
      "(also timed at 100 KB and 500 KB); over cap = an answer of 1,000,001 characters, refused unread",
  );
  const rows: (string | number)[][] = [];
  const overCap = `${"x".repeat(MB)}{`;
  for (const parser of PARSERS) {
    // warm up, then time a normal answer
    await timeParse(parser.parse, parser.normal, 50);
    const normalMs = await timeParse(parser.parse, parser.normal, 201);
    // screen every hostile input once, then time the worst three times
    let worst = { name: "", ms: -1 };
    for (const [name, make] of Object.entries(parser.hostile)) {
      const ms = await timeParse(parser.parse, make(MB), 1);
      if (ms > worst.ms) worst = { name, ms };
    }
    const make = parser.hostile[worst.name]!;
    const bigMs = await timeParse(parser.parse, make(MB), 5);
    const smallMs = await timeParse(parser.parse, make(MB / 10), 15);
    const halfMs = await timeParse(parser.parse, make(MB / 2), 5);
    const capMs = await timeParse(parser.parse, overCap, 5);
    rows.push([
      parser.name,
      `${(normalMs * 1000).toFixed(1)} µs`,
      worst.name,
      bigMs,
      smallMs,
      `${(bigMs / smallMs).toFixed(1)}×`,
      halfMs,
      `${(bigMs / halfMs).toFixed(1)}×`,
      capMs,
    ]);
  }
  printTable(
    [
      "parser",
      "normal answer",
      "worst hostile 1 MB input",
      "1 MB ms",
      "100 KB ms",
      "1 MB/100 KB",
      "500 KB ms",
      "1 MB/500 KB",
      "over cap ms",
    ],
    rows,
  );
}
