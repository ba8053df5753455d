import { describe, expect, it } from "@jest/globals";
import { graphScope, node, ops } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { TextGrad, type TextGradDetails, textGradRequestInfo } from "@trace-ts/textgrad";

/**
 * The known graph (a, b chosen parameters; c trainable but not chosen; d chosen, unused):
 *
 *   x = concat(a, c)      y = multiply(b, 2)
 *   out1 = concat(x, y)   out2 = concat(x, "!")
 *   feedback on out1, out2 and y
 *
 * Nodes on a path to a chosen parameter: a, b, x, y, out1, out2.
 * Edges child → parent between them: out1→x, out1→y, out2→x, x→a, y→b
 * (x→c, y→2 and out2→"!" lead to no chosen parameter: no call).
 * concat is pass-through: out1→x, out1→y, out2→x, x→a cost nothing; y→b (multiply) = 1 gradient call.
 * Gradients arriving per node: out1 1, out2 1, x 2 (out1, out2), y 2 (feedback + out1), a 2 (x's),
 *   b 1 → x, y and a would be merged only with mergeOverTokens; by default they are concatenated.
 * Parameters with feedback: a, b (d got none)                             = 2 update calls
 * Total by default: 1 + 2 = 3. Without pass-through (`passThroughOps: []`): 5 + 2 = 7.
 */
function knownGraph() {
  return graphScope(() => {
    const a = node("Hello", { trainable: true, name: "a" });
    const b = node(2, { trainable: true, name: "b" });
    const c = node(" Ada", { trainable: true, name: "c" });
    const d = node("unused", { trainable: true, name: "d" });
    const x = ops.concat(a, c);
    const y = ops.multiply(b, 2);
    const out1 = ops.concat(x, y);
    const out2 = ops.concat(x, "!");
    return { a, b, c, d, x, y, out1, out2 };
  });
}

function scripted(values: Record<string, string>, malformedUpdates: Record<string, number> = {}) {
  const bad = { ...malformedUpdates };
  return new ScriptedModel((request) => {
    const info = textGradRequestInfo(request);
    if (info?.kind !== "update") return `Improve it (${info?.kind}).`;
    if ((bad[info.key] ?? 0) > 0) {
      bad[info.key]! -= 1;
      return "I am not sure.";
    }
    return `<new_value>${values[info.key]}</new_value>`;
  });
}

function kinds(model: ScriptedModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of model.calls) {
    const kind = textGradRequestInfo(call.request)?.kind ?? "unknown";
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

function feedKnownGraph(optimizer: TextGrad, g: ReturnType<typeof knownGraph>): void {
  optimizer.backward(g.out1, "Should be French with the number 6.");
  optimizer.backward(g.out2, "Too short.");
  optimizer.backward(g.y, "Too small.");
}

describe("TextGrad call count on a known graph", () => {
  it("by default: concat passes gradients through, no merge: 1 gradient + 2 update calls = 3", async () => {
    const g = knownGraph();
    const model = scripted({ [g.a.key]: "Bonjour", [g.b.key]: "3" });
    const optimizer = new TextGrad([g.a, g.b, g.d], { model });
    feedKnownGraph(optimizer, g);

    const plan = optimizer.plan();
    expect(plan.edges.map((e) => `${e.childKey}->${e.parentKey}`).sort()).toEqual(
      [
        `${g.out1.key}->${g.x.key}`,
        `${g.out1.key}->${g.y.key}`,
        `${g.out2.key}->${g.x.key}`,
        `${g.x.key}->${g.a.key}`,
        `${g.y.key}->${g.b.key}`,
      ].sort(),
    );
    expect(plan.gradientEdges.map((e) => `${e.childKey}->${e.parentKey}`)).toEqual([
      `${g.y.key}->${g.b.key}`,
    ]);
    expect(plan.combined).toEqual(expect.arrayContaining([g.x, g.y, g.a]));
    expect(plan.combined).toHaveLength(3);
    expect(plan.variables.map((v) => v.node)).toEqual([g.a, g.b]);
    expect(plan.calls).toBe(3);
    expect(plan.maxCalls).toBe(3);

    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    expect(model.callCount).toBe(plan.calls);
    expect(kinds(model)).toEqual({ gradient: 1, update: 2 });
    const details = report.details as TextGradDetails;
    expect(details.modelCalls).toBe(3);
    expect(details.plannedCalls).toEqual({ gradient: 1, combine: 0, update: 2, total: 3 });
    expect(details.passedThrough).toBe(4);
    expect(details.retries).toBe(0);
    expect(g.a.data).toBe("Bonjour");
    expect(g.b.data).toBe(3);
    expect(g.c.data).toBe(" Ada");
    expect(g.d.data).toBe("unused");
    expect(Object.keys(details.gradients).sort()).toEqual(
      [g.a.key, g.b.key, g.x.key, g.y.key, g.out1.key, g.out2.key].sort(),
    );
    // a's update shows both pieces of feedback that reached it through the concats, with their route
    const update = report.calls.find((c) => c.purpose === `update ${g.a.key}`)!;
    const text = update.messages.map((m) => m.content).join("\n");
    expect(text).toContain("Should be French with the number 6.");
    expect(text).toContain("Too short.");
    expect(text).toContain(`Forwarded unchanged through: ${g.out1.key} (concat) → ${g.x.key} (concat)`);
    expect(text).toContain(`Forwarded unchanged through: ${g.out2.key} (concat) → ${g.x.key} (concat)`);
    // b's update shows y's feedback and the gradient through multiply, both with context
    const updateB = report.calls.find((c) => c.purpose === `update ${g.b.key}`)!.messages[1]!.content;
    expect(updateB).toContain("## Feedback on this value (1)");
    expect(updateB).toContain(`About ${g.b.key} as an input of ${g.y.key}`);
  });

  it("without pass-through ops: 5 gradient + 2 update calls = 7, and no combining call", async () => {
    const g = knownGraph();
    const model = scripted({ [g.a.key]: "Bonjour", [g.b.key]: "3" });
    const optimizer = new TextGrad([g.a, g.b, g.d], { model, passThroughOps: [] });
    feedKnownGraph(optimizer, g);
    const plan = optimizer.plan();
    expect(plan.gradientEdges).toHaveLength(5);
    expect(plan.combined).toEqual(expect.arrayContaining([g.x, g.y]));
    expect(plan.combined).toHaveLength(2);
    expect(plan.calls).toBe(7);
    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    expect(model.callCount).toBe(plan.calls);
    expect(kinds(model)).toEqual({ gradient: 5, update: 2 });
    expect((report.details as TextGradDetails).plannedCalls).toEqual({
      gradient: 5,
      combine: 0,
      update: 2,
      total: 7,
    });
  });

  it("with mergeOverTokens, nodes whose gradients exceed it get one merging call each (maxCalls)", async () => {
    const g = knownGraph();
    const model = scripted({ [g.a.key]: "Bonjour", [g.b.key]: "3" });
    const optimizer = new TextGrad([g.a, g.b, g.d], { model, passThroughOps: [], mergeOverTokens: 1 });
    feedKnownGraph(optimizer, g);
    const plan = optimizer.plan();
    expect(plan.calls).toBe(7);
    expect(plan.maxCalls).toBe(9);
    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    expect(model.callCount).toBe(plan.maxCalls);
    expect(kinds(model)).toEqual({ gradient: 5, combine: 2, update: 2 });
    expect((report.details as TextGradDetails).plannedCalls).toEqual({
      gradient: 5,
      combine: 2,
      update: 2,
      total: 9,
    });
    // a high budget merges nothing
    const g2 = knownGraph();
    const model2 = scripted({ [g2.a.key]: "Bonjour", [g2.b.key]: "3" });
    const high = new TextGrad([g2.a, g2.b], { model: model2, passThroughOps: [], mergeOverTokens: 100_000 });
    feedKnownGraph(high, g2);
    await high.step();
    expect(kinds(model2)).toEqual({ gradient: 5, update: 2 });
  });

  it("counts re-asks on top of the plan", async () => {
    const g = knownGraph();
    const model = scripted({ [g.a.key]: "Bonjour", [g.b.key]: "3" }, { [g.b.key]: 1 });
    const optimizer = new TextGrad([g.a, g.b], { model, maxRetries: 2 });
    feedKnownGraph(optimizer, g);
    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    const details = report.details as TextGradDetails;
    expect(details.modelCalls).toBe(4);
    expect(details.retries).toBe(1);
    expect(report.calls.map((c) => c.purpose)).toContain(`update ${g.b.key} (retry 1)`);
  });

  it("a single output on a chain costs one call per edge plus one update", async () => {
    const { p, out } = graphScope(() => {
      const p = node(1, { trainable: true, name: "p" });
      const out = ops.add(ops.multiply(ops.add(p, 1), 3), 4);
      return { p, out };
    });
    const model = scripted({ [p.key]: "2" });
    const optimizer = new TextGrad([p], { model });
    optimizer.backward(out, "Should be 13.");
    expect(optimizer.plan().calls).toBe(4);
    const report = await optimizer.step();
    expect(model.callCount).toBe(4);
    expect(kinds(model)).toEqual({ gradient: 3, update: 1 });
    expect(p.data).toBe(2);
    expect(report.details).toMatchObject({ modelCalls: 4 });
  });

  it("walks a deep chain without recursion: 3000 operations, 3000 gradient calls + 1 update", async () => {
    const { p, out } = graphScope(() => {
      const p = node(0, { trainable: true, name: "p" });
      let x = ops.add(p, 1);
      for (let i = 1; i < 3000; i++) x = ops.add(x, 1);
      return { p, out: x };
    });
    const model = scripted({ [p.key]: "1" });
    const optimizer = new TextGrad([p], { model, concurrency: 8 });
    optimizer.backward(out, "Should be 3001.");
    expect(optimizer.plan().calls).toBe(3001);
    const report = await optimizer.step();
    expect(report.error).toBeUndefined();
    expect(model.callCount).toBe(3001);
    expect(p.data).toBe(1);
  });

  it("makes no call and reports why when no feedback reached a parameter", async () => {
    const p = node(1, { trainable: true });
    const model = scripted({});
    const report = await new TextGrad([p], { model }).step();
    expect(model.callCount).toBe(0);
    expect(report.error).toMatch(/call optimizer\.backward\(output, feedback\)/);
    expect(report.details).toMatchObject({ modelCalls: 0 });
  });
});
