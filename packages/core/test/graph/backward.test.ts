import { describe, expect, it } from "@jest/globals";
import {
  BackwardTwiceError,
  backward,
  type Feedback,
  InvalidFeedbackError,
  InvalidOptionError,
  type Node,
  NotANodeError,
  node,
  ops,
  type Propagator,
  PropagatorError,
  SumPropagator,
  zeroFeedback,
} from "@trace-ts/core";

describe("backward", () => {
  it("reaches every parameter the output depends on, and only those", () => {
    const a = node(1, { trainable: true, name: "a" });
    const b = node(2, { trainable: true, name: "b" });
    const unused = node(3, { trainable: true, name: "unused" });
    const side = ops.multiply(unused, 2); // computed, but not on the path to out
    const out = ops.add(ops.multiply(a, 10), b);
    const record = out.backward("too small");
    expect(a.feedback.map((f) => f.record)).toEqual([record]);
    expect(b.feedback.map((f) => f.value)).toEqual(["too small"]);
    expect(unused.feedback).toEqual([]);
    expect(side.feedback).toEqual([]);
    expect(record.output).toBe(out);
    expect(record.feedback).toBe("too small");
  });

  it("visits each node of a diamond once", () => {
    const x = node(1, { trainable: true });
    const left = ops.add(x, 1);
    const right = ops.multiply(x, 2);
    const out = ops.add(left, right);
    out.backward("ok", { retainGraph: true });
    expect(x.feedback).toHaveLength(1);
    expect(left.feedback).toHaveLength(1);
    expect(out.feedback).toHaveLength(1);
  });

  it("keeps several outputs' feedback distinct (a minibatch before one step)", () => {
    const w = node(0.5, { trainable: true });
    const out1 = ops.multiply(w, 2);
    const out2 = ops.multiply(w, 4);
    const r1 = backward(out1, "should be 3");
    const r2 = backward(out2, { score: 0.2, note: "too low" });
    expect(w.feedbackRecords()).toEqual([r1, r2]);
    expect(w.feedback.map((f) => [f.record.output, f.value])).toEqual([
      [out1, "should be 3"],
      [out2, { score: 0.2, note: "too low" }],
    ]);
  });

  it("shares one output among many outputs of one forward pass", () => {
    const p = node("prompt", { trainable: true });
    const mid = ops.concat(p, "!");
    const o1 = ops.upper(mid);
    const o2 = ops.lower(mid);
    o1.backward("A");
    o2.backward("B");
    expect(p.feedback.map((f) => f.value)).toEqual(["A", "B"]);
  });

  it("without retainGraph only parameters keep feedback and a second call throws", () => {
    const p = node(1, { trainable: true });
    const mid = ops.add(p, 1);
    const out = ops.add(mid, 1);
    out.backward("first");
    expect(mid.feedback).toEqual([]);
    expect(out.backwarded).toBe(true);
    expect(() => out.backward("second")).toThrow(BackwardTwiceError);
    try {
      out.backward("second");
    } catch (e) {
      expect((e as BackwardTwiceError).code).toBe("BACKWARD_TWICE");
      expect((e as Error).message).toMatch(/retainGraph/);
    }
    expect(p.feedback).toHaveLength(1); // the refused call left nothing behind
    out.zeroFeedback();
    out.backward("again");
    expect(p.feedback).toHaveLength(2);
  });

  it("with retainGraph intermediates keep feedback and the output can be sent feedback again", () => {
    const p = node(1, { trainable: true });
    const mid = ops.add(p, 1);
    const out = ops.add(mid, 1);
    out.backward("one", { retainGraph: true });
    out.backward("two", { retainGraph: true });
    expect(mid.feedback.map((f) => f.value)).toEqual(["one", "two"]);
    expect(p.feedback).toHaveLength(2);
  });

  it("zeroFeedback clears what nodes received", () => {
    const p = node(1, { trainable: true });
    const q = node(1, { trainable: true });
    ops.add(p, q).backward("x");
    zeroFeedback([p, q]);
    expect(p.feedback).toEqual([]);
    expect(q.feedback).toEqual([]);
    ops.add(p, 1).backward("y");
    zeroFeedback(p);
    expect(p.feedback).toEqual([]);
    expect(() => zeroFeedback([1 as unknown as Node])).toThrow(NotANodeError);
  });

  it("feedback to a parameter itself reaches it", () => {
    const p = node("v", { trainable: true });
    p.backward("change it");
    expect(p.feedback.map((f) => f.value)).toEqual(["change it"]);
  });

  describe("bad input", () => {
    it("rejects a non-node output", () => {
      expect(() => backward("out" as unknown as Node, "fb")).toThrow(NotANodeError);
      expect(() => backward({ data: 1 } as unknown as Node, "fb")).toThrow(/needs a Node/);
    });

    it.each([[undefined], [null], [() => 1], [[1, 2]], [Number.NaN], [new Date()]])(
      "rejects feedback %p",
      (bad) => {
        const p = node(1, { trainable: true });
        expect(() => backward(ops.add(p, 1), bad as unknown as Feedback)).toThrow(InvalidFeedbackError);
        expect(p.feedback).toEqual([]);
      },
    );

    it("suggests node.data when a node is passed as feedback", () => {
      const p = node(1, { trainable: true });
      expect(() => backward(p, node("fb") as unknown as Feedback)).toThrow(/node\.data/);
    });

    it("rejects bad options", () => {
      const p = node(1, { trainable: true });
      expect(() => backward(p, "x", { retainGraph: "yes" } as never)).toThrow(InvalidOptionError);
      expect(() => backward(p, "x", { propagater: {} } as never)).toThrow(/not a known option/);
      expect(() => backward(p, "x", { propagator: { name: "broken" } } as never)).toThrow(PropagatorError);
    });

    it("rejects a propagator result of the wrong shape and leaves no partial feedback", () => {
      const a = node(1, { trainable: true });
      const b = node(2, { trainable: true });
      const out = ops.add(ops.add(a, b), 1);
      const broken: Propagator<string> = {
        name: "broken",
        init: () => "f",
        aggregate: (_n, v) => v[0]!,
        propagate: (n) => (n === out ? ["only one"] : ["x", "y"]),
      };
      expect(() => out.backward("fb", { propagator: broken })).toThrow(PropagatorError);
      expect(() => out.backward("fb", { propagator: broken })).toThrow(/one value per parent \(2\)/);
      expect(a.feedback).toEqual([]);
      expect(b.feedback).toEqual([]);
      expect(out.backwarded).toBe(false);
    });
  });
});

describe("propagators", () => {
  it("a custom propagator sees every edge once, children before parents", () => {
    const a = node(1, { trainable: true, name: "a" });
    const b = node(2, { trainable: true, name: "b" });
    const m = ops.multiply(a, b);
    const out = ops.add(m, a);
    const visits: string[] = [];
    const depth: Propagator<number> = {
      name: "depth",
      init: () => 0,
      aggregate: (_n, values) => Math.min(...values),
      propagate: (n, v) => {
        visits.push(n.name);
        return n.parents.map(() => v + 1);
      },
    };
    out.backward("x", { propagator: depth, retainGraph: true });
    // out before m (m is a parent of out); a reached by two paths, aggregated to the shortest
    expect(visits.indexOf(out.name)).toBeLessThan(visits.indexOf(m.name));
    expect(a.feedback.map((f) => f.value)).toEqual([1]);
    expect(b.feedback.map((f) => f.value)).toEqual([2]);
    expect(a.feedback[0]!.record.propagator).toBe("depth");
  });

  it("SumPropagator adds numbers and joins texts where paths meet", () => {
    const a = node(1, { trainable: true });
    const out = ops.add(ops.multiply(a, 2), ops.multiply(a, 3));
    out.backward(1.5, { propagator: new SumPropagator() });
    expect(a.feedback.map((f) => f.value)).toEqual([3]);
    const s = node("s", { trainable: true });
    const out2 = ops.concat(ops.upper(s), ops.lower(s));
    out2.backward("more", { propagator: new SumPropagator() });
    expect(s.feedback.map((f) => f.value)).toEqual(["more"]);
  });
});
