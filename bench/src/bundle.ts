/**
 * Bundle benchmark: the cost of calling a bundled function compared with the plain function, for a
 * non-trainable bundle, a trainable one running its original code, suggested (recompiled) code in
 * the `realm` and `strict` isolation tiers (a trivial, a CPU-heavy and an object-heavy call), and
 * the cost of compiling a new version in each tier.
 * Prints CPU µs per call (robust to other processes on the machine), the overhead over the plain
 * call and the ratio.
 * Run: `npm run bench -- bundle`.
 */
import { bundle, type MessageNode, type Node, node, noTrace, ops } from "@trace-ts/core";
import { fullGc, median, printTable, settle } from "./util.js";

const CALLS = 20_000;
const REPEATS = 9;

/**
 * CPU time of this process in µs. The benchmark reports CPU time, not wall-clock time, so that
 * other processes competing for the cores (a shared CI machine) do not distort the figures.
 */
function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Per-call CPU time in µs of `body`: the fastest of REPEATS runs of CALLS calls, after a warm-up
 * run (the minimum is the statistic least disturbed by other work on a shared machine).
 */
function perCallUs(body: (i: number) => unknown, calls = CALLS): number {
  let sink = 0;
  const run = (): number => {
    const t0 = cpuUs();
    for (let i = 0; i < calls; i++) if (body(i) === undefined) sink++;
    return (cpuUs() - t0) / calls;
  };
  run();
  const samples: number[] = [];
  for (let r = 0; r < REPEATS; r++) samples.push(run());
  if (sink < 0) console.log(sink);
  return Math.min(...samples);
}

async function perAsyncCallUs(body: (i: number) => Promise<unknown>, calls = CALLS / 4): Promise<number> {
  const run = async (): Promise<number> => {
    const t0 = cpuUs();
    for (let i = 0; i < calls; i++) await body(i);
    return (cpuUs() - t0) / calls;
  };
  await run();
  const samples: number[] = [];
  for (let r = 0; r < REPEATS; r++) samples.push(await run());
  return Math.min(...samples);
}

function plainAdd(a: number, b: number): number {
  return a + b;
}

async function plainAddAsync(a: number, b: number): Promise<number> {
  return a + b;
}

/** Runs the bundle benchmark and prints its tables. */
export async function runBundleBench(): Promise<void> {
  const add = bundle(function add(a: number, b: number): number {
    return a + b;
  });
  const addTrainable = bundle(
    function addT(a: number, b: number): number {
      return a + b;
    },
    { trainable: true },
  );
  const addCompiled = bundle(
    function addC(a: number, b: number): number {
      return a + b;
    },
    { trainable: true },
  );
  addCompiled.setSource("addC(a, b) {\n  return b + a;\n}");
  const addStrict = bundle(
    function addS(a: number, b: number): number {
      return a + b;
    },
    { trainable: true, isolation: "strict" },
  );
  addStrict.setSource("addS(a, b) {\n  return b + a;\n}");
  const addAsync = bundle(async function addA(a: number, b: number): Promise<number> {
    return a + b;
  });
  // each row gets fresh input nodes (a long-lived node's child list grows with every call)
  const fresh = async (): Promise<[Node<number>, Node<number>]> => {
    await settle();
    fullGc();
    return [node(1), node(2)];
  };
  const plain = perCallUs((i) => plainAdd(i, 2));
  const rows: Array<[string, number]> = [];
  const row = async (
    name: string,
    make: (x: Node<number>, y: Node<number>) => (i: number) => unknown,
    calls?: number,
  ) => {
    const [x, y] = await fresh();
    rows.push([name, perCallUs(make(x, y), calls)]);
  };
  await row("ops.add(x, y) (a built-in traced op, for reference)", (x, y) => () => ops.add(x, y));
  await row("bundle, nodes in", (x, y) => () => add(x, y));
  await row("bundle, plain values in (wraps 2 constants)", () => (i) => add(i, 2));
  await row("bundle inside noTrace", (x, y) => () => noTrace(() => add(x, y)));
  await row("trainable bundle, original code", (x, y) => () => addTrainable(x, y));
  await row("trainable bundle, recompiled code (realm)", (x, y) => () => addCompiled(x, y));
  await row("trainable bundle, recompiled code (strict)", (x, y) => () => addStrict(x, y), 5_000);
  const traceFloor = rows[0]![1];
  console.log(
    `plain function: ${plain.toFixed(4)} µs per call; CPU time, ${CALLS} calls, fastest of ${REPEATS} runs`,
  );
  console.log("'over ops.add': the bundle's own cost beyond creating the output node any traced op creates");
  printTable(
    ["call", "µs/call", "overhead µs", "ratio", "over ops.add µs"],
    rows.map(([name, us]) => [name, us, us - plain, us / plain, us - traceFloor]),
  );

  await containerBench(plain, rows[1]![1]);

  const plainAsync = await perAsyncCallUs((i) => plainAddAsync(i, 2));
  const [x, y] = await fresh();
  const bundledAsync = await perAsyncCallUs(() => addAsync(x, y) as Promise<MessageNode<number>>);
  console.log("");
  printTable(
    ["async call (awaited)", "µs/call", "overhead µs", "ratio"],
    [
      ["plain async function", plainAsync, 0, 1],
      ["async bundle, nodes in", bundledAsync, bundledAsync - plainAsync, bundledAsync / plainAsync],
    ],
  );
  await settle();

  // recompiling: each distinct source is compiled once; setting a seen source again is a cache hit
  const recompile = bundle(
    function scale(v: number): number {
      return v * 2;
    },
    { trainable: true },
  );
  const v = node(5);
  const DISTINCT = 40;
  const sources = Array.from({ length: DISTINCT }, (_, k) => `scale(v) {\n  return v * ${k + 3};\n}`);
  const tsSources = Array.from(
    { length: DISTINCT },
    (_, k) => `scale(v: number): number {\n  const f: number = ${k + 100};\n  return v * f;\n}`,
  );
  const timeEach = (list: readonly string[]): { validate: number; firstCall: number } => {
    const validate: number[] = [];
    const firstCall: number[] = [];
    for (const src of list) {
      let t0 = cpuUs();
      recompile.setSource(src); // parse + checks + strict-mode compile (what an optimizer's validate() does)
      validate.push((cpuUs() - t0) / 1000);
      t0 = cpuUs();
      recompile(v); // instantiates the compiled code in a fresh sandbox realm
      firstCall.push((cpuUs() - t0) / 1000);
    }
    return { validate: median(validate), firstCall: median(firstCall) };
  };
  const js = timeEach(sources);
  const ts = timeEach(tsSources);
  const revisit = timeEach(sources); // all cached now
  const steady = perCallUs(() => recompile(v));
  console.log("");
  printTable(
    ["recompiling a changed source (CPU)", "setSource ms", "first call ms"],
    [
      [`JavaScript, ${DISTINCT} distinct sources (median)`, js.validate, js.firstCall],
      [`TypeScript (type-stripped by swc), ${DISTINCT} distinct (median)`, ts.validate, ts.firstCall],
      ["a source seen before (cache hit, median)", revisit.validate, revisit.firstCall],
    ],
  );
  console.log(
    `steady state after the last change: ${steady.toFixed(3)} µs per call (no recompilation per call)`,
  );
  await tierBench();
}

function sumFirstTwo(list: readonly number[]): number {
  return list[0]! + list[1]!;
}

/**
 * Nodes inside containers: arguments are searched for nodes (arrays, plain objects, Maps, Sets)
 * and copied only when they hold one. Rows: calls whose arguments hold no node (a 100-number
 * array, 10 chat messages) — the search is the only extra cost — and a 100-item array holding two
 * nodes (copied, two more inputs). `scalars` is the "bundle, nodes in" row of the table above, the
 * call without containers, whose cost the search must leave alone.
 */
async function containerBench(plain: number, scalars: number): Promise<void> {
  const sum = bundle(sumFirstTwo);
  const numbers = Array.from({ length: 100 }, (_, i) => i);
  const messages = Array.from({ length: 10 }, (_, i) => ({ role: "user", content: `message ${i}` }));
  const count = bundle(function count(list: readonly { role: string; content: string }[]): number {
    return list.length;
  });
  const rows: Array<[string, number]> = [];
  await settle();
  fullGc();
  rows.push(["bundle, 100-number array in (no node inside)", perCallUs(() => sum(numbers))]);
  rows.push(["bundle, 10 chat messages in (no node inside)", perCallUs(() => count(messages))]);
  await settle();
  fullGc();
  const [a, b] = [node(1), node(2)];
  const withNodes: (number | Node<number>)[] = [a, b, ...numbers.slice(2)];
  rows.push(["bundle, 100-item array holding 2 nodes (copied)", perCallUs(() => sum(withNodes))]);
  console.log("");
  console.log(
    `containers: 'over scalar call' compares with "bundle, nodes in" (${scalars.toFixed(3)} µs), a call without containers`,
  );
  printTable(
    ["call", "µs/call", "ratio to plain", "over scalar call µs"],
    rows.map(([name, us]) => [name, us, us / plain, us - scalars]),
  );
}

const FIB = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }";
function fibPlain(n: number): number {
  return n < 2 ? n : fibPlain(n - 1) + fibPlain(n - 2);
}
function objectPlain(o: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(o)) out[k] = o[k]! + 1;
  return out;
}

type Tier = "realm" | "strict";
interface Trainable {
  setSource(source: string): void;
  (arg: never): unknown;
}

/**
 * Suggested code in each tier against the plain function, inside `noTrace` (so the figures are the
 * tier's own cost, not the graph's): a trivial call, fib(20), and a call that takes and returns a
 * 50-item object; then the cost of compiling a new version (setSource plus the first call).
 */
async function tierBench(): Promise<void> {
  const input = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
  const cases: Array<{
    name: string;
    plain: () => unknown;
    source: string;
    make: (isolation: Tier) => Trainable;
    call: (f: Trainable) => unknown;
    calls: number;
  }> = [
    {
      name: "trivial (a + 2)",
      plain: () => plainAdd(1, 2),
      source: "t(a) {\n  return a + 2;\n}",
      make: (isolation) =>
        bundle(
          function t(a: number): number {
            return a + 2;
          },
          { trainable: true, isolation },
        ),
      call: (f) => (f as unknown as (a: number) => unknown)(1),
      calls: 20_000,
    },
    {
      name: "CPU-heavy (fib(20))",
      plain: () => fibPlain(20),
      source: `c(n) {\n  ${FIB}\n  return fib(n);\n}`,
      make: (isolation) =>
        bundle(
          function c(n: number): number {
            return n;
          },
          { trainable: true, isolation },
        ),
      call: (f) => (f as unknown as (n: number) => unknown)(20),
      calls: 200,
    },
    {
      name: "object-heavy (50-item object in and out)",
      plain: () => objectPlain(input),
      source:
        "o(obj) {\n  const out = {};\n  for (const k of Object.keys(obj)) out[k] = obj[k] + 1;\n  return out;\n}",
      make: (isolation) =>
        bundle(
          function o(obj: Record<string, number>): Record<string, number> {
            return obj;
          },
          { trainable: true, isolation },
        ),
      call: (f) => (f as unknown as (o: Record<string, number>) => unknown)(input),
      calls: 5_000,
    },
  ];
  const rows: Array<[string, number, number, number, number, number]> = [];
  for (const c of cases) {
    const plain = perCallUs(c.plain, c.calls);
    const us: Record<string, number> = {};
    for (const isolation of ["realm", "strict"] as const) {
      const f = c.make(isolation);
      f.setSource(c.source);
      us[isolation] = perCallUs(() => noTrace(() => c.call(f)), c.calls);
    }
    rows.push([c.name, plain, us.realm!, us.strict!, us.realm! / plain, us.strict! / plain]);
  }
  console.log("");
  console.log("suggested code by isolation tier, inside noTrace (CPU µs per call, fastest of 9 runs)");
  printTable(["call", "plain µs", "realm µs", "strict µs", "realm ratio", "strict ratio"], rows);

  const compileRows: Array<[string, number, number]> = [];
  for (const isolation of ["realm", "strict"] as const) {
    const f = cases[0]!.make(isolation);
    const validate: number[] = [];
    const first: number[] = [];
    for (let k = 0; k < 20; k++) {
      let t0 = cpuUs();
      f.setSource(`t(a) {\n  return a + ${k + 1000};\n}`);
      validate.push((cpuUs() - t0) / 1000);
      t0 = cpuUs();
      noTrace(() => cases[0]!.call(f));
      first.push((cpuUs() - t0) / 1000);
    }
    compileRows.push([isolation, median(validate), median(first)]);
  }
  console.log("");
  printTable(["compiling a new version (CPU, median of 20)", "setSource ms", "first call ms"], compileRows);
}
