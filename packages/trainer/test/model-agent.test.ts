import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { Model, node, ops } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { type Agent, readCheckpoint, resume, train } from "@trace-ts/trainer";
import { JsonOptimizer, promptVariables, userText } from "./helpers/agents.js";
import { closeness, scaled } from "./helpers/setup.js";
import { tempDirs } from "./helpers/tmp.js";

const tempDir = tempDirs("trainer-model-");

/** A model-class agent: checkpointed through its own state()/loadState(). */
class Scaler extends Model {
  factor = node(1, { trainable: true, name: "factor", description: "multiplies the input" });
  offset = node(0, { trainable: true, name: "offset" });
  run(x: number) {
    return ops.add(ops.multiply(this.factor, x), this.offset);
  }
}

function setup(dir: string) {
  const agent = new Scaler();
  const model = new ScriptedModel((request) => {
    const vars = promptVariables(userText(request.messages));
    const current = vars[agent.factor.key] as number;
    return JSON.stringify({ suggestion: current < 4 ? { [agent.factor.key]: current + 1 } : {} });
  });
  const optimizer = new JsonOptimizer(agent.parameters(), { model });
  const config = {
    agent: agent satisfies Agent,
    optimizer,
    forward: (x: number) => agent.run(x),
    guide: closeness,
    train: scaled(4, 8),
    validation: scaled(4, 2, 20),
    batchSize: 2,
    checkpoint: join(dir, "cp.json"),
    log: join(dir, "log.jsonl"),
    progress: false as const,
  };
  return { agent, config };
}

describe("training a Model-class agent", () => {
  it("checkpoints the model's own state and resumes into a new instance", async () => {
    const dir = tempDir();
    const a = setup(dir);
    const controller = new AbortController();
    const first = await train({
      ...a.config,
      signal: controller.signal,
      onRecord: (r) => {
        if (r.type === "step" && r.step === 2) controller.abort();
      },
    });
    expect(first.reason).toBe("cancelled");
    const cp = await readCheckpoint(a.config.checkpoint);
    expect(cp.agentState).toEqual(a.agent.state());
    // a new instance in the same process: its node names differ, its state paths do not
    const b = setup(dir);
    expect(b.agent.factor.name).not.toBe(a.agent.factor.name);
    const result = await resume(b.config);
    expect(result.reason).toBe("completed");
    expect(b.agent.factor.data).toBe(4);
    expect(b.agent.offset.data).toBe(0);
  });
});
