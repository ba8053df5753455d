import { describe, expect, it } from "@jest/globals";
import { graphScope, node, noTrace, ops } from "@trace-ts/core";
import { isTracing } from "@trace-ts/core/graph";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("tracing state under concurrency", () => {
  it("1000 concurrent async tasks build graphs without crossing names or tracing state", async () => {
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, task) =>
        graphScope(async () => {
          const p = node(task, { trainable: true, name: "p" });
          let x = ops.add(p, 1);
          await tick(task % 3);
          x = ops.multiply(x, 2);
          // every third task turns tracing off for a while; no other task may notice
          const untraced =
            task % 3 === 0
              ? await noTrace(async () => {
                  await tick(1);
                  return ops.add(x, 0);
                })
              : undefined;
          const tracingNow = isTracing();
          await tick((task * 7) % 4);
          const out = ops.add(x, task);
          return { task, p, out, untraced, tracingNow, names: [p.name, x.name, out.name] };
        }),
      ),
    );
    for (const r of results) {
      // the untraced add of every third task is a node too, so it takes add:1 there
      expect(r.names).toEqual(["p:0", "multiply:0", r.task % 3 === 0 ? "add:2" : "add:1"]);
      expect(r.out.data).toBe((r.task + 1) * 2 + r.task);
      expect(r.tracingNow).toBe(true);
      expect(r.out.parents[0]!.parents[0]!.parents[0]).toBe(r.p);
      if (r.untraced) expect(r.untraced.parents).toEqual([]);
    }
  });

  it("noTrace in one task does not switch tracing off in a concurrent task", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const inside = noTrace(async () => {
      await gate;
      return isTracing();
    });
    const outside = (async () => {
      await tick(1);
      const traced = ops.add(node(1), 1).parents.length;
      release();
      return traced;
    })();
    expect(await outside).toBe(2);
    expect(await inside).toBe(false);
    expect(isTracing()).toBe(true);
  });
});
