import { describe, expect, it } from "@jest/globals";
import {
  BudgetExceededError,
  backward,
  bundle,
  CodeMemoryError,
  CodeTimeoutError,
  ExecutionError,
  type MessageNode,
  Model,
  node,
  SandboxDataError,
  traced,
} from "@trace-ts/core";
import { outcome, outcomeAsync, suggested } from "./helpers.js";

// The strict tier through the bundle layer: the same typed errors and ExceptionNodes as realm.

describe("strict tier through bundles", () => {
  it("runs suggested code and returns plain data", () => {
    const f = suggested("fmt(answer) { return { words: answer.split(' '), n: answer.length }; }", {
      isolation: "strict",
    });
    expect(f("a b").data).toEqual({ words: ["a", "b"], n: 3 });
  });

  it("a runtime error marks the failing line of the suggested source", () => {
    const f = suggested("fmt(answer) {\n  const x = answer.length;\n  return x.nope.deeper;\n}", {
      isolation: "strict",
    });
    try {
      f("abc");
      throw new Error("expected a failure");
    } catch (error) {
      expect(error).toBeInstanceOf(ExecutionError);
      const ex = (error as ExecutionError).exceptionNode;
      expect(ex.error).toBeInstanceOf(TypeError);
      expect(ex.annotatedSource).toContain(">> 3 |   return x.nope.deeper;");
    }
  });

  it("limits end with the same typed errors as realm, and the bundle works afterwards", () => {
    const f = suggested("fmt(answer) { while (true) {} }", { isolation: "strict", timeoutMs: 200 });
    expect(outcome(() => f("x")).error).toBeInstanceOf(CodeTimeoutError);
    f.setSource("fmt(answer) { const all = []; for (;;) all.push(answer.repeat(100000)); }");
    expect(outcome(() => f("x")).error).toBeInstanceOf(CodeMemoryError);
    f.setSource("fmt(answer) { return answer + '!'; }");
    expect(f("ok").data).toBe("ok!");
  });

  it("values that are not JSON-like do not cross", () => {
    const f = suggested("fmt(answer) { return answer; }", { isolation: "strict" });
    expect(outcome(() => f(new Map([[1, 2]]))).error).toBeInstanceOf(SandboxDataError);
    expect(outcome(() => f(() => 1)).error).toBeInstanceOf(SandboxDataError);
  });

  it("this is a read-only snapshot; reading a node field is an input of the call, so feedback reaches it", () => {
    class Agent extends Model {
      threshold = 3;
      prompt = node("Be brief.", { trainable: true, name: "prompt" });
      @bundle({ trainable: true, isolation: "strict", allowExternalDependencies: true })
      classify(x: number): string {
        return `${x > this.threshold ? "high" : "low"} ${this.prompt.data}`;
      }
    }
    const agent = new Agent();
    const t = traced(agent);
    t.classify.setSource(`classify(x) {
      let wrote = "no";
      try { this.threshold = 0; wrote = "yes"; } catch (e) { wrote = e.name; }
      return (x > this.threshold ? "high" : "low") + " " + this.prompt.data + " " + wrote;
    }`);
    const out = t.classify(5) as MessageNode<string>;
    expect(out.data).toBe("high Be brief. TypeError");
    expect(agent.threshold).toBe(3);
    expect(Object.values(out.inputs)).toContain(agent.prompt);
    backward(out, "too short");
    expect(agent.prompt.feedback.length).toBeGreaterThan(0);
  });

  it("an async method awaiting a slow helper is not timed out; stop errors cross intact", async () => {
    const slow = (q: string) => new Promise<string>((resolve) => setTimeout(() => resolve(`${q}?`), 300));
    const f = bundle(
      async function ask(q: string): Promise<string> {
        return q;
      },
      { trainable: true, isolation: "strict", timeoutMs: 100, scope: () => ({ slow }) },
    );
    f.setSource("async ask(q) { return (await slow(q)) + (await slow(q)); }");
    expect((await outcomeAsync(() => f("a") as Promise<MessageNode<string>>)).value).toBe("a?a?");

    const spent = async (): Promise<string> => {
      throw new BudgetExceededError("spent", { limit: "tokens", max: 1, used: 1, requested: 1 });
    };
    const g = bundle(
      async function ask2(q: string): Promise<string> {
        return q;
      },
      { trainable: true, isolation: "strict", scope: () => ({ spent }) },
    );
    g.setSource(
      "async ask2(q) { try { return await spent(); } catch (e) { return 'swallowed ' + e.message; } }",
    );
    await expect(g("x") as Promise<unknown>).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it("state, clone and exportSource do not depend on the tier", () => {
    class Tool extends Model {
      @bundle({ trainable: true, isolation: "strict" })
      run(x: number): number {
        return x;
      }
    }
    const tool = new Tool();
    traced(tool).run.setSource("run(x) { return x * 3; }");
    const copy = tool.clone();
    const restored = new Tool();
    restored.loadState(tool.state());
    expect(traced(copy).run(2).data).toBe(6);
    expect(traced(restored).run(2).data).toBe(6);
    expect(tool.exportSource()).toContain("return x * 3;");
  });
});
