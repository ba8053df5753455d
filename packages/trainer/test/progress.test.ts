import { Writable } from "node:stream";
import { describe, expect, it } from "@jest/globals";
import { type TrainConfig, train } from "@trace-ts/trainer";
import { closeness, multiplierSetup, scaled } from "./helpers/setup.js";

/** A writable stream that records what is written, pretending to be a terminal or not. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  }) as Writable & { isTTY?: boolean; columns?: number; cursorTo?: unknown; clearLine?: unknown };
  stream.isTTY = isTTY;
  stream.columns = 120;
  // cli-progress moves the cursor with these TTY methods
  stream.cursorTo = (_x: number, _y?: number, cb?: () => void) => {
    cb?.();
    return true;
  };
  stream.clearLine = (_dir: number, cb?: () => void) => {
    cb?.();
    return true;
  };
  return { stream, text: () => chunks.join("") };
}

async function run(
  progress: { stream: NodeJS.WritableStream },
  extra: Partial<TrainConfig<number, number, number>> = {},
) {
  const { agent, optimizer } = multiplierSetup(1, (c) => c + 1);
  await train({
    agent,
    optimizer,
    forward: agent.forward,
    guide: closeness,
    train: scaled(3, 6),
    validation: scaled(3, 2, 10),
    batchSize: 2,
    progress,
    ...extra,
  });
}

describe("progress bar", () => {
  it("draws steps and scores on a terminal", async () => {
    const tty = sink(true);
    await run({ stream: tty.stream });
    expect(tty.text()).toMatch(/train .* 3\/3 steps/);
    expect(tty.text()).toContain("best 1.000");
    expect(tty.text()).toContain("| score ");
  });

  it("names the objective its scores are the value of", async () => {
    const tty = sink(true);
    await run(
      { stream: tty.stream },
      { objective: { kind: "scalar", metric: "latencyMs", minimize: ["latencyMs"] } },
    );
    expect(tty.text()).toContain("| −latencyMs ");
  });

  it("writes nothing when the stream is not a terminal", async () => {
    const pipe = sink(false);
    await run({ stream: pipe.stream });
    expect(pipe.text()).toBe("");
  });
});
