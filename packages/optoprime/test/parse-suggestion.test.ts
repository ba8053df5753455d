import { describe, expect, it } from "@jest/globals";
import { keyResolver, parseSuggestion, scanValueAt } from "@trace-ts/optoprime";
import { readSuggestion } from "../src/parse/parse-suggestion.js";

const KEYS = ["int0", "str0", "__code0", "flag0", "obj0"];

interface Case {
  readonly name: string;
  readonly text: string;
  readonly keys?: readonly string[];
  readonly aliases?: Readonly<Record<string, string>>;
  readonly suggestion?: Record<string, unknown>;
  readonly terminate?: boolean;
  /** true: at least one problem; a RegExp: some problem matches it; false/absent: none */
  readonly problems?: boolean | RegExp;
  readonly reasoning?: string;
  readonly answer?: string;
  readonly note?: RegExp;
}

const CODE = 'greet(name) {\n  return "Hello, " + name;\n}';
const json = (v: unknown) => JSON.stringify(v);

const CASES: readonly Case[] = [
  {
    name: "plain JSON",
    text: json({ reasoning: "r", answer: "", suggestion: { int0: 5 } }),
    suggestion: { int0: 5 },
    reasoning: "r",
  },
  {
    name: "prose around the JSON",
    text: `Sure! Here is my answer:\n${json({ reasoning: "r", suggestion: { str0: "hi" } })}\nLet me know if this helps.`,
    suggestion: { str0: "hi" },
  },
  {
    name: "markdown json fence",
    text: `\`\`\`json\n${json({ reasoning: "r", suggestion: { int0: 2 } })}\n\`\`\``,
    suggestion: { int0: 2 },
    note: /fences/,
  },
  {
    name: "fence without language, prose before and after",
    text: `My answer:\n\`\`\`\n{"suggestion": {"int0": 3}}\n\`\`\`\nDone.`,
    suggestion: { int0: 3 },
  },
  {
    name: "two objects with suggestions: the last one counts",
    text: `Draft: {"suggestion": {"int0": 1}}\nOn reflection, final answer: {"reasoning": "better", "suggestion": {"int0": 2}}`,
    suggestion: { int0: 2 },
    reasoning: "better",
    note: /2 JSON objects; used object 2/,
  },
  {
    name: "an object with a suggestion wins over a later unrelated object",
    text: `{"reasoning": "x", "suggestion": {"int0": 3}}\nFor reference the config is {"a": 1, "b": 2}.`,
    suggestion: { int0: 3 },
  },
  {
    name: "a suggestion object wins over a flat object of variables",
    text: `{"int0": 9}\n{"reasoning": "r", "suggestion": {"int0": 4}}\n{"int0": 8}`,
    suggestion: { int0: 4 },
  },
  {
    name: "flat object without suggestion",
    text: json({ reasoning: "flat", int0: 7, str0: "x" }),
    suggestion: { int0: 7, str0: "x" },
    reasoning: "flat",
    note: /no "suggestion" field/,
  },
  {
    name: "flat object: other keys are ignored",
    text: json({ int0: 7, confidence: 0.9, foo: 1 }),
    suggestion: { int0: 7 },
  },
  {
    name: "key written as the node name int:0",
    text: '{"suggestion": {"int:0": 5}}',
    suggestion: { int0: 5 },
  },
  { name: "key with spaces", text: '{"suggestion": {" int0 ": 5}}', suggestion: { int0: 5 } },
  { name: "key in backticks", text: '{"suggestion": {"`int0`": 5}}', suggestion: { int0: 5 } },
  { name: "key in another case", text: '{"suggestion": {"INT0": 5}}', suggestion: { int0: 5 } },
  { name: "key with nested quotes", text: `{"suggestion": {"'int0'": 5}}`, suggestion: { int0: 5 } },
  { name: "key with its type", text: '{"suggestion": {"int0 (number)": 5}}', suggestion: { int0: 5 } },
  {
    name: "key without leading underscores",
    text: json({ suggestion: { code0: CODE } }),
    suggestion: { __code0: CODE },
  },
  {
    name: "alias (node name) given by the caller",
    text: '{"suggestion": {"prompt:0": "hi"}}',
    keys: ["prompt0"],
    aliases: { "prompt:0": "prompt0" },
    suggestion: { prompt0: "hi" },
  },
  {
    name: "keys that differ only by separators are never confused",
    text: '{"suggestion": {"x1_0": 1, "x10": 2, "x1:0": 3}}',
    keys: ["x1_0", "x10"],
    suggestion: { x1_0: 1, x10: 2, "x1:0": 3 },
  },
  { name: "unknown key kept as written", text: '{"suggestion": {"nope": 1}}', suggestion: { nope: 1 } },
  {
    name: "code with escaped quotes and newlines",
    text: json({ reasoning: "English", suggestion: { __code0: CODE } }),
    suggestion: { __code0: CODE },
  },
  {
    name: "raw line breaks inside a string",
    text: '{"suggestion": {"__code0": "greet(name) {\n  return \\"Hello, \\" + name;\n}"}}',
    suggestion: { __code0: CODE },
  },
  {
    name: "trailing commas",
    text: '{"reasoning": "r", "suggestion": {"int0": 5, "str0": "a",},}',
    suggestion: { int0: 5, str0: "a" },
  },
  {
    name: "single-quoted JSON-ish",
    text: "{'reasoning': 'r', 'suggestion': {'int0': 5, 'str0': 'it\\'s'}}",
    suggestion: { int0: 5, str0: "it's" },
    reasoning: "r",
  },
  {
    name: "Python literals",
    text: "{'suggestion': {'flag0': True, 'obj0': None}}",
    suggestion: { flag0: true, obj0: null },
  },
  {
    name: "TERMINATE in the reasoning with an empty suggestion",
    text: json({ reasoning: "All outputs are right. TERMINATE", suggestion: {} }),
    suggestion: {},
    terminate: true,
  },
  {
    name: "TERMINATE in the reasoning next to a suggestion: not terminate",
    text: json({ reasoning: "Almost done, then TERMINATE", suggestion: { int0: 1 } }),
    suggestion: { int0: 1 },
    terminate: false,
  },
  { name: "the bare word TERMINATE", text: "TERMINATE", suggestion: {}, terminate: true },
  {
    name: "suggestion given as TERMINATE",
    text: '{"reasoning": "done", "suggestion": "TERMINATE"}',
    suggestion: {},
    terminate: true,
  },
  {
    name: "terminate flag with no suggestion",
    text: '{"reasoning": "done", "terminate": true, "suggestion": {}}',
    terminate: true,
  },
  {
    name: "lower-case terminate is just a word",
    text: '{"reasoning": "no reason to terminate", "suggestion": {}}',
    suggestion: {},
    terminate: false,
  },
  { name: "empty response", text: "", suggestion: {}, problems: /empty/ },
  { name: "whitespace only", text: "  \n\t ", problems: /empty/ },
  { name: "prose without JSON", text: "I would increase the number a bit.", problems: /no JSON object/ },
  {
    name: "JSON cut off before the suggestion",
    text: '{"reasoning": "a long explanation that never end',
    problems: /no JSON object/,
  },
  {
    name: "JSON cut off after a complete suggestion",
    text: '{"suggestion": {"int0": 4}, "reasoning": "because it was too sm',
    suggestion: { int0: 4 },
  },
  {
    name: "JSON without suggestion and without variables",
    text: '{"reasoning": "r", "answer": "42"}',
    problems: /no "suggestion" field/,
    answer: "42",
    reasoning: "r",
  },
  {
    name: "explicit empty suggestion without TERMINATE: no change, no problem",
    text: '{"reasoning": "nothing to do", "suggestion": {}}',
    suggestion: {},
    terminate: false,
    problems: false,
  },
  {
    name: "suggestion nested in a wrapper object",
    text: json({ response: { reasoning: "r", suggestion: { int0: 1 } } }),
    suggestion: { int0: 1 },
    reasoning: "r",
  },
  {
    name: "suggestion as a JSON string",
    text: json({ suggestion: json({ int0: 3 }) }),
    suggestion: { int0: 3 },
  },
  {
    name: "suggestion as a list of key/value pairs",
    text: json({
      suggestion: [
        { key: "int0", value: 3 },
        { variable: "str0", new_value: "b" },
      ],
    }),
    suggestion: { int0: 3, str0: "b" },
  },
  {
    name: "suggestion as prose",
    text: '{"suggestion": "increase int0 to 5"}',
    problems: /must be an object/,
  },
  {
    name: "comments inside the JSON",
    text: '{\n  // my reasoning\n  "reasoning": "r", /* the change */ "suggestion": {"int0": 6}\n}',
    suggestion: { int0: 6 },
  },
  {
    name: "unescaped quotes inside code",
    text: '{"reasoning": "r", "suggestion": {"__code0": "greet(name) { return "Hi, " + name; }"}}',
    suggestion: { __code0: 'greet(name) { return "Hi, " + name; }' },
    note: /not escaped/,
  },
  {
    name: "unescaped quotes before closing braces inside code",
    text: '{"suggestion": {"__code0": "f(a) {\n  if (a) { return "x"}\n  return "y";\n}"}, "reasoning": "r"}',
    suggestion: { __code0: 'f(a) {\n  if (a) { return "x"}\n  return "y";\n}' },
    reasoning: "r",
  },
  {
    name: "numbers written as text are kept as written",
    text: '{"suggestion": {"int0": "5"}}',
    suggestion: { int0: "5" },
  },
  {
    name: "nested objects and arrays",
    text: '{"suggestion": {"obj0": {"a": [1, 2.5, {"b": null}], "c": "d"}}}',
    suggestion: { obj0: { a: [1, 2.5, { b: null }], c: "d" } },
  },
  {
    name: "unknown escape (a regex) kept as written",
    text: '{"suggestion": {"str0": "\\d+\\s"}}',
    suggestion: { str0: "\\d+\\s" },
  },
  { name: "unicode escapes", text: '{"suggestion": {"str0": "caf\\u00e9"}}', suggestion: { str0: "café" } },
  {
    name: "the same key twice: the last wins",
    text: '{"suggestion": {"int0": 1, "int:0": 2}}',
    suggestion: { int0: 2 },
    note: /given twice/,
  },
  {
    name: "the whole answer is a JSON string",
    text: json(json({ suggestion: { int0: 2 } })),
    suggestion: { int0: 2 },
  },
  {
    name: "braces in prose before the JSON",
    text: 'Changing {x} would help; {} is empty.\n{"suggestion": {"int0": 1}}',
    suggestion: { int0: 1 },
  },
  {
    name: "a JavaScript block before the JSON",
    text: '```js\nconst a = { b: 1 };\nfunction f() { return { c: 2 }; }\n```\n{"suggestion": {"int0": 1}}',
    suggestion: { int0: 1 },
  },
  {
    name: "code value that holds a fence",
    text: json({ suggestion: { __code0: "```js\nf() {}\n```" } }),
    suggestion: { __code0: "```js\nf() {}\n```" },
  },
  {
    name: "missing commas between lines",
    text: '{\n  "reasoning": "r"\n  "suggestion": {\n    "int0": 1\n    "str0": "s"\n  }\n}',
    suggestion: { int0: 1, str0: "s" },
  },
  {
    name: "keys without quotes",
    text: "{suggestion: {int0: 4, str0: 'x'}}",
    suggestion: { int0: 4, str0: "x" },
  },
  {
    name: "answer field",
    text: '{"reasoning": "r", "answer": "42", "suggestion": {}}',
    answer: "42",
    suggestion: {},
  },
  {
    name: "negative, exponent and leading-plus numbers",
    text: '{"suggestion": {"int0": -1.5e2, "obj0": [+3, .5]}}',
    suggestion: { int0: -150, obj0: [3, 0.5] },
  },
  {
    name: "unquoted word value",
    text: "{suggestion: {str0: hello world}}",
    suggestion: { str0: "hello world" },
  },
  {
    name: "garbage with many braces",
    text: `${"{".repeat(5000)}${"}".repeat(10)} noise { : } [ ] "`,
    problems: true,
  },
];

describe("parseSuggestion", () => {
  it("has a table of at least 40 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const r = parseSuggestion(c.text, { keys: c.keys ?? KEYS, ...(c.aliases ? { aliases: c.aliases } : {}) });
    if (c.suggestion !== undefined) expect(r.suggestion).toEqual(c.suggestion);
    expect(r.terminate).toBe(c.terminate ?? false);
    if (c.problems === undefined || c.problems === false) expect(r.problems).toEqual([]);
    else if (c.problems === true) expect(r.problems.length).toBeGreaterThan(0);
    else expect(r.problems.join("\n")).toMatch(c.problems);
    if (c.reasoning !== undefined) expect(r.reasoning).toBe(c.reasoning);
    if (c.answer !== undefined) expect(r.answer).toBe(c.answer);
    if (c.note !== undefined) expect(r.notes.join("\n")).toMatch(c.note);
    if (r.terminate) expect(Object.keys(r.suggestion)).toEqual([]);
  });

  it("is pure: the same input gives the same output", () => {
    const text = '{"suggestion": {"int:0": 1}}';
    expect(parseSuggestion(text, { keys: KEYS })).toEqual(parseSuggestion(text, { keys: KEYS }));
  });

  it.each([
    ["open strings", `${'{"a": "'.repeat(2000)}${'"}'.repeat(100)}`],
    ["unclosed pairs", `{"suggestion": {"__code0": "${'a", "b": "c", '.repeat(4000)}`],
    ["deep nesting", `${'{"a": '.repeat(3000)}"x"`],
    ["nested strings", '{"k": "v", "w": [1, "2", {"q": "'.repeat(2000)],
    ["open brackets", `{"a": ${"[".repeat(40_000)}`],
  ])("does bounded work on a large hostile input: %s", (_name, text) => {
    // work is counted, not timed: the scanner's allowance is 8 steps a character plus 50,000
    const meter = { steps: 0 };
    const r = readSuggestion(text, { keys: KEYS }, meter);
    expect(meter.steps).toBeLessThanOrEqual(24 * text.length + 50_000);
    expect(r.suggestion).toEqual({});
    expect(r.problems.length).toBeGreaterThan(0);
  });
});

describe("scanValueAt", () => {
  it("reads standard JSON exactly like JSON.parse", () => {
    const value = { a: [1, "two", { three: null, four: true }], 'k"ey': "v\\al\nue", e: 1e-3 };
    const text = JSON.stringify(value, null, 2);
    expect(scanValueAt(text, 0)?.value).toEqual(JSON.parse(text));
    expect(scanValueAt(text, 0)?.notes).toEqual([]);
    expect(scanValueAt(text, 0)?.end).toBe(text.length);
  });

  it("returns undefined where no value starts", () => {
    expect(scanValueAt("  ", 0)).toBeUndefined();
    expect(scanValueAt("{ return x; }", 0)).toBeUndefined();
  });
});

describe("keyResolver", () => {
  it("matches exactly, by alias, then by normalized form, refusing ambiguous forms", () => {
    const r = keyResolver(["int0", "x1_0", "x10", "__code0"], { "int:0": "int0" });
    expect(r.resolve("int0")).toBe("int0");
    expect(r.resolve("int:0")).toBe("int0");
    expect(r.resolve(" INT0 ")).toBe("int0");
    expect(r.resolve("code0")).toBe("__code0");
    expect(r.resolve("x1_0")).toBe("x1_0");
    expect(r.resolve("X10")).toBe("x10");
    expect(r.resolve("x1-0")).toBeUndefined();
    expect(r.resolve("y0")).toBeUndefined();
  });
});
