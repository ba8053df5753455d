/**
 * Graph engine benchmark (issue [core]): building, backward and the problem view for
 *  - a chain: `x = add(x, y)` N times with one trainable `y`;
 *  - a balanced tree: N trainable leaves summed pairwise.
 * Prints time, time per node, retained heap, and the ratio to the same loop without tracing.
 * Run: `npm run bench -- graph`.
 */
import { type Node, node, noTrace, ops, type ParameterNode, problemView } from "@trace-ts/core";
import { heapMb, median, printTable, settle, timeMs } from "./util.js";

const SIZES = [100, 1_000, 10_000, 100_000];
const REPEATS = 5;

interface Sample {
  build: number;
  backward: number;
  view: number;
  plain: number;
  untraced: number;
  heap: number;
}

function buildChain(n: number): { out: Node; params: ParameterNode[] } {
  const y = node(1, { trainable: true, name: "y" });
  let x: Node<number> = node(0, { name: "x" });
  for (let i = 0; i < n; i++) x = ops.add(x, y);
  return { out: x, params: [y] };
}

function buildTree(n: number): { out: Node; params: ParameterNode[] } {
  const params = Array.from({ length: n }, (_, i) => node(i, { trainable: true, name: "leaf" }));
  let level: Node<number>[] = params;
  while (level.length > 1) {
    const next: Node<number>[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(ops.add(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return { out: level[0]!, params };
}

function plainChain(n: number): number {
  let x = 0;
  const y = 1;
  for (let i = 0; i < n; i++) x = x + y;
  return x;
}

function plainTree(n: number): number {
  let level = Array.from({ length: n }, (_, i) => i);
  while (level.length > 1) {
    const next: number[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(level[i]! + level[i + 1]!);
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

async function measure(
  n: number,
  build: (n: number) => { out: Node; params: ParameterNode[] },
  plain: (n: number) => number,
): Promise<Sample> {
  const samples: Omit<Sample, "heap">[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const b = timeMs(() => build(n));
    const bw = timeMs(() => b.result.out.backward("feedback"));
    const v = timeMs(() => problemView(b.result.params));
    if (v.result.variables.length !== b.result.params.length) throw new Error("problem view lost parameters");
    const p = timeMs(() => plain(n));
    const u = timeMs(() => noTrace(() => build(n)));
    samples.push({ build: b.ms, backward: bw.ms, view: v.ms, plain: p.ms, untraced: u.ms });
    await settle();
  }
  const pick = (k: keyof Omit<Sample, "heap">) => median(samples.map((s) => s[k]));
  return {
    build: pick("build"),
    backward: pick("backward"),
    view: pick("view"),
    plain: pick("plain"),
    untraced: pick("untraced"),
    heap: await retainedHeapMb(n, build),
  };
}

/**
 * Heap held by one graph with its feedback and problem view, measured in a frame of its own (an
 * async function's suspended frame can keep a previous iteration's graph alive).
 */
async function retainedHeapMb(
  n: number,
  build: (n: number) => { out: Node; params: ParameterNode[] },
): Promise<number> {
  const before = await heapMb();
  const held: unknown[] = [];
  const g = build(n);
  g.out.backward("feedback");
  held.push(g, problemView(g.params));
  const after = await heapMb();
  if (held.length !== 2) throw new Error("unreachable");
  return after - before;
}

/** Runs the graph benchmark and prints one table per graph shape. */
export async function runGraphBench(): Promise<void> {
  for (const [shape, build, plain] of [
    ["chain x = add(x, y)", buildChain, plainChain],
    ["balanced tree of N trainable leaves", buildTree, plainTree],
  ] as const) {
    console.log(`\n### ${shape} (median of ${REPEATS})`);
    const rows: (string | number)[][] = [];
    const perNode: Record<number, { backward: number; view: number }> = {};
    for (const n of SIZES) {
      const s = await measure(n, build, plain);
      const nodes = shape.startsWith("chain") ? n + 2 : 2 * n - 1; // chain: x, y and n adds; tree: n leaves, n-1 adds
      const total = s.build + s.backward + s.view;
      perNode[n] = { backward: (s.backward * 1000) / nodes, view: (s.view * 1000) / nodes };
      rows.push([
        n,
        nodes,
        s.build,
        s.backward,
        s.view,
        total,
        (total * 1000) / nodes,
        s.heap,
        s.plain,
        total / Math.max(s.plain, 1e-3),
        s.untraced,
      ]);
    }
    printTable(
      [
        "N",
        "nodes",
        "build ms",
        "backward ms",
        "view ms",
        "total ms",
        "µs/node",
        "heap MB",
        "plain ms",
        "total/plain",
        "noTrace ms",
      ],
      rows,
    );
    const ratio = (k: "backward" | "view") => perNode[100_000]![k] / perNode[1_000]![k];
    console.log(
      `linearity: per-node time at N=1e5 / N=1e3 — backward ${ratio("backward").toFixed(2)}x, view ${ratio("view").toFixed(2)}x (target ≤ 3x)`,
    );
  }
}
