/**
 * Bundle benchmark (issue [bundle]): the cost of calling a bundled function compared with the
 * plain function, for a non-trainable bundle, a trainable one running its original code, a
 * trainable one running recompiled (suggested) code, and the cost of recompiling a changed source.
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
  const addHard = bundle(
    function addH(a: number, b: number): number {
      return a + b;
    },
    { trainable: true, timeoutMs: 1000 },
  );
  addHard.setSource("addH(a, b) {\n  return b + a;\n}");
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
  await row("trainable bundle, recompiled code", (x, y) => () => addCompiled(x, y));
  await row(
    "trainable, recompiled, explicit timeoutMs (vm hard timeout)",
    (x, y) => () => addHard(x, y),
    2_000,
  );
  const traceFloor = rows[0]![1];
  console.log(
    `plain function: ${plain.toFixed(4)} µs per call; CPU time, ${CALLS} calls, fastest of ${REPEATS} runs`,
  );
  console.log("'over ops.add': the bundle's own cost beyond creating the output node any traced op creates");
  printTable(
    ["call", "µs/call", "overhead µs", "ratio", "over ops.add µs"],
    rows.map(([name, us]) => [name, us, us - plain, us / plain, us - traceFloor]),
  );

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
}
