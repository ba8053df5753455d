import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "@jest/globals";
import {
  asModel,
  bundle,
  DecoratorUsageError,
  isModel,
  Model,
  type ModelState,
  model,
  NotAModelError,
  node,
  ParameterNode,
  StateFormatError,
  StateMismatchError,
  StateValueError,
  traced,
} from "@trace-ts/core";
import { tempDirsRemovedAfterEach } from "./helpers.js";

const tempDir = tempDirsRemovedAfterEach();

class Client {
  calls = 0;
}

class Tool extends Model {
  hint = node("use the calculator", { trainable: true, name: "hint" });
}

@model
class Memory {
  notes = node(["a"], { trainable: true, name: "notes" });
  frozen = node("fixed", { name: "frozen" });
}

class Agent extends Model {
  prompt = node("Answer briefly.", { trainable: true, name: "prompt" });
  temperature = node(0.2, { trainable: true, name: "temperature" });
  constant = node(42);
  tools = [new Tool(), new Tool()];
  experts = new Map<string, Tool>([
    ["math", new Tool()],
    ["a.b", new Tool()],
  ]);
  settings = { style: node("plain", { trainable: true, name: "style" }) };
  memory = new Memory();
  helper = { notAModel: true };
  client = new Client();
  polish = bundle(
    function polish(this: Agent, text: string): string {
      return text.trim();
    },
    { trainable: true },
  );
  untrainable = bundle((x: number) => x);

  @bundle({ trainable: true })
  answer(question: string): string {
    return `answer to ${question}`;
  }

  @bundle()
  fixed(x: number): number {
    return x;
  }
}

describe("parameters()", () => {
  it("lists own trainable nodes, nested models, arrays, maps, plain objects and trainable code, in a stable order", () => {
    const agent = new Agent();
    const names = [...agent.namedParameters().keys()];
    expect(names).toEqual([
      "prompt",
      "temperature",
      "tools.0.hint",
      "tools.1.hint",
      "experts.math.hint",
      'experts["a.b"].hint',
      "settings.style",
      "memory.notes",
      "polish",
      "answer",
    ]);
    const params = agent.parameters();
    expect(params).toHaveLength(10);
    expect(params[0]).toBe(agent.prompt);
    expect(params[8]).toBe(agent.polish.parameter);
    expect(params[9]).toBe(traced(agent).answer.parameter);
    expect(params.every((p) => p.trainable)).toBe(true);
    expect(agent.parameters()).toEqual(params); // same nodes on every call
  });

  it("a node reachable twice is listed once, under its first name", () => {
    class Shared extends Model {
      a = node("x", { trainable: true });
      b = this.a;
      list = [this.a];
    }
    expect([...new Shared().namedParameters().keys()]).toEqual(["a"]);
  });

  it("each instance has its own parameters", () => {
    const a = new Agent();
    const b = new Agent();
    const pa = a.parameters();
    const pb = b.parameters();
    pa.forEach((p, i) => {
      expect(p).not.toBe(pb[i]);
      expect(p.data).toEqual(pb[i]!.data);
    });
  });

  it("@model installs the model methods on a class that does not extend Model", () => {
    const memory = new Memory();
    expect(isModel(memory)).toBe(true);
    const m = asModel(memory);
    expect([...m.namedParameters().keys()]).toEqual(["notes"]);
    expect(m.state().parameters).toEqual({ notes: { kind: "value", value: ["a"] } });
    expect(() => asModel({})).toThrow(NotAModelError);
    const decorate = model as unknown as (v: unknown, c: unknown) => unknown;
    expect(() => decorate(() => 1, { kind: "method", name: "m" })).toThrow(DecoratorUsageError);
  });
});

describe("state() and loadState()", () => {
  it("state() is plain JSON with values and code; loadState() restores them into another instance", () => {
    const a = new Agent();
    a.prompt.data = "Think step by step.";
    a.tools[1]!.hint.data = "use the search tool";
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the string is source code
    traced(a).answer.setSource("answer(question) {\n  return `A: ${question}`;\n}");
    a.polish.setSource("function polish(text) { return text.toUpperCase(); }");
    const state = a.state();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(state.format).toBe("trace-ts/model-state");
    expect(state.version).toBe(1);
    expect(state.model).toBe("Agent");
    expect(state.parameters.prompt).toEqual({ kind: "value", value: "Think step by step." });
    expect(state.parameters.answer).toEqual({
      kind: "code",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the string is source code
      value: "answer(question) {\n  return `A: ${question}`;\n}",
    });

    const b = new Agent();
    b.loadState(JSON.stringify(state));
    expect(b.prompt.data).toBe("Think step by step.");
    expect(b.tools[1]!.hint.data).toBe("use the search tool");
    expect(traced(b).answer("q").data).toBe("A: q");
    expect(b.polish(" x ").data).toBe(" X ");
    expect(b.state()).toEqual(state);
  });

  it("unknown and missing names are a clear error, and nothing changes", () => {
    const a = new Agent();
    const state = a.state();
    const extra = {
      ...state,
      parameters: { ...state.parameters, bogus: { kind: "value" as const, value: 1 } },
    };
    const { prompt: _dropped, ...rest } = state.parameters;
    const missing = {
      ...state,
      parameters: { ...rest, temperature: { kind: "value" as const, value: 0.9 } },
    };
    const b = new Agent();
    expect(() => b.loadState(extra)).toThrow(StateMismatchError);
    expect(() => b.loadState(extra)).toThrow(/unknown parameter\(s\) bogus/);
    expect(() => b.loadState(missing)).toThrow(/missing parameter\(s\) prompt.*allowMissing/);
    expect(b.temperature.data).toBe(0.2);
    b.loadState(missing, { allowMissing: true });
    expect(b.temperature.data).toBe(0.9);
    expect(b.prompt.data).toBe("Answer briefly.");
    try {
      b.loadState(extra);
    } catch (error) {
      expect((error as StateMismatchError).code).toBe("STATE_MISMATCH");
      expect((error as StateMismatchError).unknown).toEqual(["bogus"]);
    }
  });

  it("broken code, wrong kinds and malformed states are rejected before anything is applied", () => {
    const a = new Agent();
    const state = a.state();
    const badCode: ModelState = {
      ...state,
      parameters: {
        ...state.parameters,
        prompt: { kind: "value", value: "changed" },
        answer: { kind: "code", value: "answer(question) { return question +; }" },
      },
    };
    expect(() => a.loadState(badCode)).toThrow(StateValueError);
    expect(() => a.loadState(badCode)).toThrow(/answer was rejected: code for answer does not compile/);
    expect(a.prompt.data).toBe("Answer briefly.");
    const wrongSignature = {
      ...state,
      parameters: {
        ...state.parameters,
        answer: { kind: "code" as const, value: "answer(a, b) { return a; }" },
      },
    };
    expect(() => a.loadState(wrongSignature)).toThrow(/must keep the signature/);
    const wrongKind = {
      ...state,
      parameters: { ...state.parameters, prompt: { kind: "code" as const, value: "x" } },
    };
    expect(() => a.loadState(wrongKind)).toThrow(/prompt is a value in the model but code in the state/);
    expect(() => a.loadState("{not json")).toThrow(StateFormatError);
    expect(() => a.loadState({ parameters: {} } as unknown as ModelState)).toThrow(
      /not a trace-ts model state/,
    );
    expect(() => a.loadState({ ...state, version: 2 } as unknown as ModelState)).toThrow(
      /unsupported model state version 2/,
    );
    expect(() => a.loadState({ ...state, parameters: { prompt: "x" } } as unknown as ModelState)).toThrow(
      /must be \{ "kind"/,
    );
    expect(traced(a).answer("q").data).toBe("answer to q");
  });

  it("state() refuses values JSON cannot hold, naming the parameter", () => {
    // node() refuses such values (NotJsonValueError); a ParameterNode made directly still reaches state()
    class Bad extends Model {
      when = new ParameterNode(new Date(0));
      lookup = new ParameterNode(new Map([[1, 2]]));
    }
    expect(() => new Bad().state()).toThrow(StateValueError);
    expect(() => new Bad().state()).toThrow(/parameter when holds a Date.*parameter lookup holds a Map/);
  });
});

describe("save() and load()", () => {
  it("writes the state atomically as JSON and reads it back", async () => {
    const dir = tempDir("trace-model-");
    const file = join(dir, "agent.json");
    const a = new Agent();
    a.prompt.data = "saved";
    traced(a).answer.setSource("answer(question) { return question + '?'; }");
    await a.save(file);
    expect(readdirSync(dir)).toEqual(["agent.json"]); // no temporary file left behind
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(a.state());
    const b = new Agent();
    await b.load(file);
    expect(b.prompt.data).toBe("saved");
    expect(traced(b).answer("x").data).toBe("x?");
    // saving again replaces the file in one step
    a.prompt.data = "saved again";
    await a.save(file);
    expect(JSON.parse(readFileSync(file, "utf8")).parameters.prompt.value).toBe("saved again");
  });

  it("load() of a missing or corrupt file is a StateFormatError and changes nothing", async () => {
    const dir = tempDir("trace-model-");
    const b = new Agent();
    const missing = b.load(join(dir, "nope.json"));
    await expect(missing).rejects.toBeInstanceOf(StateFormatError);
    // says the file does not exist, with its path; no advice to pass a state object
    const message = await missing.then(
      () => "",
      (e: unknown) => (e as Error).message,
    );
    expect(message).toContain(`the state file ${join(dir, "nope.json")} does not exist`);
    expect(message).toMatch(
      /Check the path: load\(path\) reads a file written by save\(path\); nothing was changed\.$/,
    );
    expect(message).not.toMatch(/Pass the object returned by state/);
    writeFileSync(join(dir, "bad.json"), "{ truncated");
    await expect(b.load(join(dir, "bad.json"))).rejects.toBeInstanceOf(StateFormatError);
    expect(b.prompt.data).toBe("Answer briefly.");
  });
});

describe("clone()", () => {
  it("copies parameters by default: training the clone does not change the original", () => {
    const a = new Agent();
    traced(a).answer.setSource("answer(question) { return 'copied ' + question; }");
    const b = a.clone();
    expect(b).toBeInstanceOf(Agent);
    expect(b.prompt).not.toBe(a.prompt);
    expect(b.prompt.data).toBe(a.prompt.data);
    expect(b.prompt.name.split(":")[0]).toBe("prompt");
    expect(b.tools[0]).not.toBe(a.tools[0]);
    expect(traced(b).answer("q").data).toBe("copied q");
    expect(traced(b).answer.parameter).not.toBe(traced(a).answer.parameter);
    b.prompt.data = "clone only";
    traced(b).answer.setSource("answer(question) { return 'clone ' + question; }");
    b.polish.setSource("function polish(text) { return 'P'; }");
    expect(a.prompt.data).toBe("Answer briefly.");
    expect(traced(a).answer("q").data).toBe("copied q");
    expect(a.polish("x").data).toBe("x");
    expect(b.polish("x").data).toBe("P");
    expect(b.parameters()).toHaveLength(a.parameters().length);
    expect(b.helper).not.toBe(a.helper); // plain objects are copied (they may hold parameters)
    expect(b.helper).toEqual(a.helper);
    expect(b.client).toBe(a.client); // instances of other classes are shared references
  });

  it("shares parameters when asked: both learn together", () => {
    const a = new Agent();
    const b = a.clone({ parameters: "share" });
    expect(b.prompt).toBe(a.prompt);
    expect(traced(b).answer.parameter).toBe(traced(a).answer.parameter);
    traced(b).answer.setSource("answer(question) { return 'shared'; }");
    expect(traced(a).answer("q").data).toBe("shared");
    expect(b.parameters()).toEqual(a.parameters());
  });

  it("create() builds the fresh instance, for classes with #private fields", () => {
    class Secretive extends Model {
      #salt = "s";
      word = node("w", { trainable: true });
      @bundle()
      salted(x: string): string {
        return x + this.#salt;
      }
    }
    const a = new Secretive();
    const b = a.clone({ create: () => new Secretive() });
    expect(traced(b).salted("x").data).toBe("xs");
    expect(b.word).not.toBe(a.word);
    const broken = a.clone();
    expect(() => traced(broken).salted("x")).toThrow(/Cannot read private member #salt/);
  });
});

describe("exportSource()", () => {
  it("exports the learned values and code as a runnable ES module", async () => {
    const LIMIT = 3;
    class Calc extends Model {
      base = node(10, { trainable: true, name: "base" });
      @bundle({ trainable: true, scope: () => ({ LIMIT }) })
      compute(x: number): number {
        return Math.min(x, LIMIT);
      }
    }
    const c = new Calc();
    traced(c).compute.setSource("compute(x: number): number {\n  return x * LIMIT + this.base;\n}");
    const text = c.exportSource();
    expect(text).toContain("export const values");
    expect(text).toContain("const { LIMIT } = scope;");
    const dir = tempDir("trace-export-");
    const file = join(dir, "learned.mjs");
    writeFileSync(file, text);
    expect(existsSync(file)).toBe(true);
    const mod = (await import(pathToFileURL(file).href)) as {
      values: Record<string, unknown>;
      code: (scope: Record<string, unknown>) => Record<string, (this: unknown, x: number) => number>;
    };
    expect(mod.values).toEqual({ base: 10 });
    expect(mod.code({ LIMIT }).compute!.call({ base: 1 }, 2)).toBe(7);
  });
});

describe("typing (checked by tsc, no casts)", () => {
  it("model methods are typed on subclasses of Model", () => {
    const a = new Agent();
    const params: ParameterNode[] = a.parameters();
    const state: ModelState = a.state();
    const copy: Agent = a.clone();
    expect([params.length > 0, state.version, copy instanceof Agent]).toEqual([true, 1, true]);
  });
});
