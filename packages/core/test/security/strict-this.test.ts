/**
 * `this` in the strict tier: a deep-frozen snapshot of the instance's JSON-like data fields; graph
 * nodes appear as frozen `{ data }` objects read through the host when the code reads them.
 */
import { describe, expect, it } from "@jest/globals";
import { parseFunction } from "../../src/code/parse.js";
import type { CallEnvironment, CodeRunner, RunLimits } from "../../src/code/runner.js";
import { createStrictRunner } from "../../src/code/strict/index.js";
import { Node } from "../../src/graph/node.js";

const LIMITS: RunLimits = { cpuMs: 2000, wallMs: 20_000, memoryBytes: 32 << 20 };
const ENV: CallEnvironment = { readNode: () => undefined };

function strict(source: string): CodeRunner {
  return createStrictRunner({
    name: "method",
    parsed: parseFunction(source, "method"),
    scope: {},
    limits: LIMITS,
  });
}

class Agent {
  prompt = "be brief";
  settings = { temperature: 0.2, tags: ["a"] };
  notes = new Map([["k", "v"]]);
  helper = (): number => 1;
  doc: Node<string>;
  count: Node<number>;
  constructor() {
    this.doc = new Node("the document", { name: "doc" });
    this.count = new Node(3, { name: "count" });
  }
  get computed(): string {
    return "getter";
  }
  method(): string {
    return "method";
  }
}

describe("strict runner: this", () => {
  it("sees the instance's own JSON-like data fields only", () => {
    const runner = strict("fields() { return Object.keys(this).sort(); }");
    expect(runner.call(new Agent(), [], ENV)).toEqual(["count", "doc", "prompt", "settings"]);
    const values = strict(
      "fields() { return [this.prompt, this.settings.temperature, this.settings.tags[0], typeof this.method]; }",
    );
    expect(values.call(new Agent(), [], ENV)).toEqual(["be brief", 0.2, "a", "undefined"]);
    runner.dispose();
    values.dispose();
  });

  it("reads a node field's data through the environment when the code reads it", () => {
    const reads: string[] = [];
    const agent = new Agent();
    const env: CallEnvironment = {
      readNode(node) {
        reads.push(node === agent.doc ? "doc" : node === agent.count ? "count" : "other");
        return (node as Node).data;
      },
    };
    const runner = strict(`summarize(flag) {
      if (!flag) return "skipped";
      const first = this.doc.data;
      const again = this.doc.data;
      return [first, again, this.count.data * 2, Object.isFrozen(this.doc)];
    }`);
    expect(runner.call(agent, [false], env)).toBe("skipped");
    expect(reads).toEqual([]);
    expect(runner.call(agent, [true], env)).toEqual(["the document", "the document", 6, true]);
    expect(reads).toEqual(["doc", "doc", "count"]);
    runner.dispose();
  });

  it("refuses writes to this, nested fields and node data (strict mode TypeError)", () => {
    const runner = strict(`write(kind) {
      if (kind === "field") this.prompt = "changed";
      if (kind === "nested") this.settings.tags.push("b");
      if (kind === "add") this.extra = 1;
      if (kind === "node") this.doc.data = "changed";
      if (kind === "delete") delete this.prompt;
      return "unreachable";
    }`);
    for (const kind of ["field", "nested", "add", "node", "delete"]) {
      expect(() => runner.call(new Agent(), [kind], ENV)).toThrow(TypeError);
    }
    runner.dispose();
  });

  it("gives undefined this when there is no instance, and plain values as they are", () => {
    const runner = strict("function f() { return this === undefined ? 'none' : this; }");
    expect(runner.call(undefined, [], ENV)).toBe("none");
    expect(runner.call("text", [], ENV)).toBe("text");
    expect(runner.call(() => 1, [], ENV)).toBe("none");
    runner.dispose();
  });

  it("reports node data that cannot cross as a SandboxDataError naming the field", () => {
    const runner = strict("read() { return this.doc.data; }");
    const env: CallEnvironment = { readNode: () => new Map() };
    expect(() => runner.call(new Agent(), [], env)).toThrow(
      /the data of node this\.doc cannot cross the sandbox: it is a Map/,
    );
    runner.dispose();
  });
});
