// Map keys are searched for parameters in model walks: a trainable node, bundled function or model
// used as a key has no string to be named by, so it is named by its entry's position.
import { describe, expect, it } from "@jest/globals";
import { bundle, graphScope, Model, model, node } from "@trace-ts/core";

@model
class Tool {
  prompt = node("Use the tool.", { trainable: true });
}

describe("Map keys in model walks", () => {
  it("finds trainable nodes, models and bundled functions used as keys, named #keyN, before the entry's value", () =>
    graphScope(() => {
      const keyNode = node("key prompt", { trainable: true });
      const keyTool = new Tool();
      const keyFn = bundle((x: string) => x, { trainable: true });
      const valueNode = node("value prompt", { trainable: true });
      class Agent extends Model {
        byNode = new Map<unknown, unknown>([[keyNode, valueNode]]);
        byModel = new Map([[keyTool, "plain value"]]);
        mixed = new Map<unknown, unknown>([
          ["named", node("named value", { trainable: true })],
          [keyFn, 1],
        ]);
      }
      const agent = new Agent();
      const named = agent.namedParameters();
      expect([...named.keys()]).toEqual([
        "byNode.#key0",
        'byNode["#0"]',
        "byModel.#key0.prompt",
        "mixed.named",
        "mixed.#key1",
      ]);
      expect(named.get("byNode.#key0")).toBe(keyNode);
      expect(named.get('byNode["#0"]')).toBe(valueNode);
      expect(named.get("byModel.#key0.prompt")).toBe(keyTool.prompt);
      expect(named.get("mixed.#key1")).toBe(keyFn.parameter);
      // an unnamed key node is named after the field that holds the Map
      expect(keyNode.name).toBe("byNode:0");
      // state round-trips through the position names
      keyNode.data = "changed";
      const state = agent.state();
      expect(state.parameters["byNode.#key0"]?.value).toBe("changed");
      keyNode.data = "reset";
      agent.loadState(state);
      expect(keyNode.data).toBe("changed");
    }));

  it("a parameter reached both as a key and as a value is listed once, under its first name", () =>
    graphScope(() => {
      const shared = node("shared", { trainable: true });
      class Agent extends Model {
        first = shared;
        lookup = new Map([[shared, shared]]);
      }
      expect([...new Agent().namedParameters().keys()]).toEqual(["first"]);
    }));

  it("primitive keys and non-trainable key nodes add nothing", () =>
    graphScope(() => {
      class Agent extends Model {
        lookup = new Map<unknown, number>([
          [node("fixed"), 1],
          [Symbol("s"), 2],
          [true, 3],
        ]);
      }
      expect(new Agent().parameters()).toEqual([]);
    }));
});
