/**
 * A bundled function (or a bundled method through `traced(obj)`) as a module: its parameters, its
 * code as a versioned state, saved and loaded through a file, and the states it refuses.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import {
  bundle,
  Model,
  node,
  StateFormatError,
  StateMismatchError,
  StateValueError,
  traced,
} from "@trace-ts/core";
import { tempDirsRemovedAfterEach } from "./helpers.js";

const makeTempDir = tempDirsRemovedAfterEach();
const tempDir = (): string => makeTempDir("bundle-module-");

/** A fresh trainable bundle named `score` (each call makes a new code parameter). */
function makeScore() {
  return bundle(
    function score(answer: string, expected: string): number {
      return answer.trim() === expected ? 1 : 0;
    },
    { trainable: true },
  );
}
const LENIENT =
  "function score(answer, expected) { return answer.trim().toLowerCase() === expected.toLowerCase() ? 1 : 0; }";

class Agent extends Model {
  prompt = node("Answer briefly.", { trainable: true });
  polish = bundle(
    function polish(this: Agent, t: string): string {
      return t.trim();
    },
    { trainable: true },
  );
  @bundle({ trainable: true }) answer(q: string): string {
    return q.toUpperCase();
  }
}

describe("parameters of a bundle", () => {
  it("lists the code parameter of a trainable bundle, by the bundle's name", () => {
    const score = makeScore();
    const params = score.parameters();
    expect(params).toEqual([score.parameter]);
    expect(params[0].info.code).toBe(true);
    expect([...score.namedParameters()]).toEqual([["score", score.parameter]]);
  });

  it("lists nothing for a bundle that is not trainable", () => {
    const plain = bundle(function plain(x: number): number {
      return x;
    });
    expect(plain.parameters()).toEqual([]);
    expect(plain.namedParameters().size).toBe(0);
    expect(plain.state().parameters).toEqual({});
  });

  it("gives each instance's own code for a @bundle method seen through traced()", () => {
    const a = new Agent();
    const b = new Agent();
    const pa = traced(a).answer.parameters();
    expect(pa).toHaveLength(1);
    expect(pa[0]).not.toBe(traced(b).answer.parameters()[0]);
    expect(a.namedParameters().get("answer")).toBe(pa[0]);
  });

  it("a bundled function in a model field is still listed by the model exactly once", () => {
    const agent = new Agent();
    const code = agent.polish.parameters()[0];
    const listed = agent.parameters();
    expect(listed.filter((p) => p === code)).toHaveLength(1);
    expect([...agent.namedParameters().keys()]).toEqual(["prompt", "polish", "answer"]);
  });
});

describe("state and loadState", () => {
  it("writes the versioned model-state format with one code entry", () => {
    const score = makeScore();
    expect(score.state()).toEqual({
      format: "trace-ts/model-state",
      version: 1,
      model: "score",
      parameters: { score: { kind: "code", value: score.getSource() } },
    });
  });

  it("moves learned code from one bundle to another (object and JSON text)", () => {
    const trained = makeScore();
    trained.setSource(LENIENT);
    const fresh = makeScore();
    expect(fresh(" Paris", "paris").data).toBe(0);
    fresh.loadState(trained.state());
    expect(fresh.getSource()).toBe(LENIENT);
    expect(fresh(" Paris", "paris").data).toBe(1);
    const other = makeScore();
    other.loadState(JSON.stringify(trained.state()));
    expect(other.getSource()).toBe(LENIENT);
  });

  it("refuses a state of another shape with StateMismatchError and changes nothing", () => {
    const score = makeScore();
    const before = score.getSource();
    const agentState = new Agent().state();
    expect(() => score.loadState(agentState)).toThrow(StateMismatchError);
    try {
      score.loadState(agentState);
    } catch (error) {
      expect(error).toMatchObject({
        code: "STATE_MISMATCH",
        unknown: ["prompt", "polish", "answer"],
        missing: ["score"],
      });
      expect((error as Error).message).toContain("the same bundled function (score)");
    }
    // a bundle of another name
    const polishState = new Agent().polish.state();
    expect(() => score.loadState(polishState)).toThrow(StateMismatchError);
    // code saved as a value
    const asValue = { ...score.state(), parameters: { score: { kind: "value", value: LENIENT } } };
    expect(() => score.loadState(JSON.stringify(asValue))).toThrow(
      /score is code in the bundle but value in the state/,
    );
    // a bundle's state does not fit a model either
    const agent = new Agent();
    expect(() => agent.loadState(score.state())).toThrow(/unknown parameter\(s\) score/);
    expect(score.getSource()).toBe(before);
    expect(score(" a", "a").data).toBe(1);
  });

  it("refuses a wrong format or version with StateFormatError", () => {
    const score = makeScore();
    const state = score.state();
    expect(() => score.loadState({ ...state, format: "other" } as never)).toThrow(StateFormatError);
    expect(() => score.loadState({ ...state, version: 2 } as never)).toThrow(
      /unsupported model state version 2 \(this trace-ts reads version 1\)/,
    );
    expect(() => score.loadState("{ not json")).toThrow(/the state text is not JSON/);
    expect(() => score.loadState({ ...state, parameters: { score: "x" } } as never)).toThrow(
      /parameter score must be/,
    );
    try {
      score.loadState({ ...state, version: 2 } as never);
    } catch (error) {
      expect(error).toMatchObject({ code: "STATE_FORMAT" });
    }
  });

  it("refuses code that does not compile or changes the signature, and changes nothing", () => {
    const score = makeScore();
    const before = score.getSource();
    const bad = (value: string) => ({
      ...score.state(),
      parameters: { score: { kind: "code" as const, value } },
    });
    expect(() => score.loadState(bad("function score(answer) { return 1; }"))).toThrow(StateValueError);
    expect(() => score.loadState(bad("function score(answer, expected) { return ( }"))).toThrow(
      StateValueError,
    );
    try {
      score.loadState(bad("function score(a, b) { return 1; }"));
    } catch (error) {
      expect(error).toMatchObject({ code: "STATE_VALUE" });
      expect((error as StateValueError).problems[0]).toMatch(/^score was rejected: /);
    }
    expect(score.getSource()).toBe(before);
    expect(score.lastWorkingSource).toBe(before);
    expect(score("x ", "x").data).toBe(1);
  });

  it("without allowMissing, an empty state is missing the code; with it, nothing changes", () => {
    const score = makeScore();
    const empty = { ...score.state(), parameters: {} };
    expect(() => score.loadState(empty)).toThrow(/missing parameter\(s\) score/);
    const before = score.getSource();
    score.loadState(empty, { allowMissing: true });
    expect(score.getSource()).toBe(before);
  });
});

describe("save and load", () => {
  it("saves the code to a JSON file and loads it into another bundle", async () => {
    const dir = tempDir();
    const path = join(dir, "score.json");
    const trained = makeScore();
    trained.setSource(LENIENT);
    await trained.save(path);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(trained.state());
    const fresh = makeScore();
    await fresh.load(path);
    expect(fresh.getSource()).toBe(LENIENT);
    expect(fresh("Yes ", "yes").data).toBe(1);
  });

  it("saves and loads a @bundle method's code per instance", async () => {
    const dir = tempDir();
    const path = join(dir, "answer.json");
    const a = new Agent();
    traced(a).answer.setSource("answer(q) { return q.toLowerCase(); }");
    await traced(a).answer.save(path);
    const b = new Agent();
    await traced(b).answer.load(path);
    expect(b.answer("HeLLo")).toBe("hello");
    expect(new Agent().answer("HeLLo")).toBe("HELLO");
  });

  it("refuses missing, non-JSON and ill-fitting files and changes nothing", async () => {
    const dir = tempDir();
    const score = makeScore();
    const before = score.getSource();
    await expect(score.load(join(dir, "absent.json"))).rejects.toThrow(StateFormatError);
    await expect(score.load(join(dir, "absent.json"))).rejects.toThrow(/does not exist/);
    const garbage = join(dir, "garbage.json");
    writeFileSync(garbage, "not json");
    await expect(score.load(garbage)).rejects.toThrow(/is not JSON/);
    const polish = join(dir, "polish.json");
    await new Agent().polish.save(polish);
    await expect(score.load(polish)).rejects.toThrow(StateMismatchError);
    expect(score.getSource()).toBe(before);
  });
});
