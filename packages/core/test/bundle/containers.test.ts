// ParameterList and ParameterMap: containers that list the parameters they hold, alone or as fields
// of a model, nested in each other.
import { describe, expect, it } from "@jest/globals";
import {
  bundle,
  graphScope,
  Model,
  model,
  node,
  ParameterList,
  ParameterMap,
  TraceError,
} from "@trace-ts/core";
import { ParameterContainerError } from "@trace-ts/core/graph";

@model
class Expert {
  prompt = node("You are an expert.", { trainable: true });

  @bundle({ trainable: true })
  solve(x: string): string {
    return x;
  }
}

const trainable = (value: string) => node(value, { trainable: true });

describe("ParameterList", () => {
  it("lists trainable nodes, trainable bundled functions and models, each once, in order", () =>
    graphScope(() => {
      const a = trainable("a");
      const fixed = node("fixed");
      const fn = bundle((x: string) => x, { trainable: true });
      const expert = new Expert();
      const list = new ParameterList<unknown>([a, fixed, fn, expert, a]);
      expect(list.length).toBe(5);
      expect([...list.namedParameters().keys()]).toEqual(["0", "2", "3.prompt", "3.solve"]);
      const params = list.parameters();
      expect(params).toHaveLength(4);
      expect(params[0]).toBe(a);
      expect(params[1]).toBe(fn.parameter);
      expect(params[2]).toBe(expert.prompt);
      expect(list.namedParameters().get("3.solve")).toBe(params[3]);
    }));

  it("is built from items, never from a length", () => {
    expect(new ParameterList().length).toBe(0);
    expect(ParameterList.of(3)).toEqual(ParameterList.from([3]));
    expect([...ParameterList.of(3)]).toEqual([3]);
    expect([...ParameterList.from(new Set(["x", "y"]))]).toEqual(["x", "y"]);
    expect([...ParameterList.from([1, 2], (n) => n * 10)]).toEqual([10, 20]);
    expect(ParameterList.from([1])).toBeInstanceOf(ParameterList);
    const error = (() => {
      try {
        new ParameterList(3 as unknown as Iterable<number>);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ParameterContainerError);
    expect(error).toBeInstanceOf(TraceError);
    expect((error as TraceError).code).toBe("PARAMETER_CONTAINER");
    expect((error as Error).message).toMatch(/iterable of items, not number/);
  });

  it("derives plain arrays (Symbol.species is Array), and stays an Array", () => {
    const list = ParameterList.of(1, 2, 3);
    expect(Array.isArray(list)).toBe(true);
    const mapped = list.map((n) => n * 2);
    expect(mapped).not.toBeInstanceOf(ParameterList);
    expect(mapped).toEqual([2, 4, 6]);
    expect(list.filter((n) => n > 1)).not.toBeInstanceOf(ParameterList);
    expect(list.slice(1)).not.toBeInstanceOf(ParameterList);
    expect(list.concat([4])).not.toBeInstanceOf(ParameterList);
    list.push(4);
    expect(list.length).toBe(4);
  });
});

describe("ParameterMap", () => {
  it("lists what its values and object keys hold, keys before values, each once", () =>
    graphScope(() => {
      const keyNode = trainable("key");
      const math = new Expert();
      const map = new ParameterMap<unknown, unknown>([
        ["math", math],
        [keyNode, trainable("value")],
        ["again", math],
      ]);
      expect([...map.namedParameters().keys()]).toEqual(["math.prompt", "math.solve", "#key1", '["#1"]']);
      expect(map.parameters()[2]).toBe(keyNode);
      expect(map).toBeInstanceOf(Map);
    }));
});

describe("containers in models, nested", () => {
  it("a model's parameters() finds what its containers hold, once, and they nest in each other", () =>
    graphScope(() => {
      const shared = trainable("shared");
      const inner = new ParameterMap([["deep", ParameterList.of(shared, trainable("deep"))]]);
      class Agent extends Model {
        tools = ParameterList.of<unknown>(trainable("t0"), new Expert(), inner);
        experts = new ParameterMap([["writer", new Expert()]]);
        alias = shared;
      }
      const agent = new Agent();
      expect([...agent.namedParameters().keys()]).toEqual([
        "tools.0",
        "tools.1.prompt",
        "tools.1.solve",
        "tools.2.deep.0",
        "tools.2.deep.1",
        "experts.writer.prompt",
        "experts.writer.solve",
      ]);
      const params = agent.parameters();
      expect(new Set(params).size).toBe(params.length);
      expect(params).toContain(shared);
      // the container's own view of the same parameters
      expect(agent.tools.parameters()).toEqual(params.slice(0, 5));
      expect([...inner.namedParameters().keys()]).toEqual(["deep.0", "deep.1"]);
      // state uses the same names
      expect(Object.keys(agent.state().parameters)).toEqual([...agent.namedParameters().keys()]);
    }));
});
