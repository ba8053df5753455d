/**
 * Unnamed trainable fields of a model are named after the field when the model's parameters are
 * listed, so optimizers show `systemPrompt0` instead of `str0`; saved state is keyed by field path.
 */
import { describe, expect, it } from "@jest/globals";
import { graphScope, Model, node, ops, problemView } from "@trace-ts/core";

class Agent extends Model {
  systemPrompt = node("Answer briefly.", { trainable: true });
  named = node("Be kind.", { trainable: true, name: "tone" });
  prompt2 = node("x", { trainable: true });
  examples = [node("a", { trainable: true }), node("b", { trainable: true })];
  experts = new Map([["math", node("Use numbers.", { trainable: true })]]);
  constant = node("fixed");
}

describe("naming unnamed trainable fields", () => {
  it("gives each unnamed trainable field its field name as name base, once, with unique keys", () =>
    graphScope(() => {
      const agent = new Agent();
      expect(agent.systemPrompt.name).toBe("str:0");
      const params = agent.parameters();
      expect(params.map((p) => p.key)).toEqual([
        "systemPrompt0",
        "tone0",
        "prompt2_0",
        "examples0",
        "examples1",
        "math0",
      ]);
      expect(agent.systemPrompt.name).toBe("systemPrompt:0");
      // not trainable: left alone
      expect(agent.constant.key).toMatch(/^str\d+$/);
      // listing again changes nothing
      expect(agent.parameters().map((p) => p.key)).toEqual(params.map((p) => p.key));
      // a second instance counts on
      expect(new Agent().parameters()[0]!.key).toBe("systemPrompt1");
    }));

  it("keeps namedParameters() and state() keyed by field path; state moves between instances", () =>
    graphScope(() => {
      const a = new Agent();
      expect([...a.namedParameters().keys()]).toEqual([
        "systemPrompt",
        "named",
        "prompt2",
        "examples.0",
        "examples.1",
        "experts.math",
      ]);
      a.systemPrompt.data = "Answer in one word.";
      const state = a.state();
      expect(Object.keys(state.parameters)).toEqual([...a.namedParameters().keys()]);
      const b = new Agent();
      b.loadState(state);
      expect(b.systemPrompt.data).toBe("Answer in one word.");
      expect(b.systemPrompt.key).toBe("systemPrompt1");
    }));

  it("a key already read (shown by an optimizer) is kept", () =>
    graphScope(() => {
      const agent = new Agent();
      expect(agent.systemPrompt.key).toBe("str0");
      expect(agent.parameters().map((p) => p.key)).toEqual([
        "str0",
        "tone0",
        "prompt2_0",
        "examples0",
        "examples1",
        "math0",
      ]);
    }));

  it("a parameter shared by two fields takes the first field's name", () =>
    graphScope(() => {
      class Shared extends Model {
        first = node("p", { trainable: true });
        second = this.first;
      }
      const s = new Shared();
      expect(s.parameters().map((p) => p.key)).toEqual(["first0"]);
    }));

  it("a clone of an unnamed field is named after the field too", () =>
    graphScope(() => {
      const a = new Agent();
      const b = a.clone();
      expect(b.parameters()[0]!.key).toBe("systemPrompt0");
      expect(a.parameters()[0]!.key).toBe("systemPrompt1");
    }));

  it("the problem view shows the field name", () =>
    graphScope(() => {
      const agent = new Agent();
      const params = agent.parameters();
      ops.concat(agent.systemPrompt, node("Hello", { name: "greeting" })).backward("too long");
      const view = problemView(params);
      expect(view.variables.map((v) => v.key)).toEqual(["systemPrompt0"]);
      expect(view.code).toEqual(["concat0 = concat(x=systemPrompt0, y=greeting0)"]);
    }));
});
