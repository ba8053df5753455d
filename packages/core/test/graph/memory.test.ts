import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "@jest/globals";
import { type MessageNode, node, ops, zeroFeedback } from "@trace-ts/core";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const settle = () => new Promise((r) => setImmediate(r));

async function heapAfterGc(): Promise<number> {
  await settle(); // WeakRef targets are kept alive until the current job ends
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe("memory across training iterations", () => {
  it("5000 forward + backward + zeroFeedback steps on the same parameters keep a flat heap", async () => {
    const w = node(1, { trainable: true, name: "w" });
    const prompt = node("Answer in one word.", { trainable: true, name: "prompt" });
    const step = (i: number) => {
      let x = ops.multiply(w, i);
      for (let k = 0; k < 20; k++) x = ops.add(x, w);
      const text = ops.concat(prompt, ops.toString(x));
      text.backward(`iteration ${i}: too long`);
      zeroFeedback([w, prompt]);
    };
    let warmAt1000 = 0;
    for (let i = 0; i < 5000; i++) {
      step(i);
      if (i % 50 === 0) await settle();
      if (i % 250 === 249) {
        const heap = await heapAfterGc(); // a major GC now and then, as a real run has
        if (i === 999) warmAt1000 = heap;
      }
    }
    const end = await heapAfterGc();
    // Retaining past graphs costs ~17 MB per 1000 iterations of this loop (about 70 MB over the
    // measured 4000); a flat heap varies by about 1 MB with GC timing and jest's own allocations.
    expect((end - warmAt1000) / 1024 / 1024).toBeLessThan(8);
    expect(w.children.length).toBeLessThan(50);
    // the weak references to collected children are dropped too (5000 × 21 were created)
    expect(w._childRefCount).toBeLessThan(25_000);
    expect(w.feedback).toEqual([]);
    // 5000 steps and 42 full collections of jest's heap: a few seconds on an idle machine, but it
    // went past jest's 30 s default on a loaded one, so this test has its own, generous limit
  }, 180_000);

  it("a graph stays alive while its output is held, and goes when it is dropped", async () => {
    const w = node(2, { trainable: true });
    let out: MessageNode<number> | undefined = ops.add(ops.multiply(w, 3), 1);
    await heapAfterGc();
    expect(w.children).toHaveLength(1);
    expect(out.parents[0]!.parents[0]).toBe(w);
    out = undefined;
    await heapAfterGc();
    expect(w.children).toHaveLength(0);
  });
});
