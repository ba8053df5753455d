import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "@jest/globals";
import type { GenerateRequest } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { Board, BoardSetupError, DEFAULT_SHIPS } from "../src/battleship/board.js";
import { parseBattleshipArgs, UsageError } from "../src/battleship/cli.js";
import { evaluatePolicy } from "../src/battleship/evaluate.js";
import { readMove, shotFeedback } from "../src/battleship/feedback.js";
import { BattleshipPolicy, policyCode } from "../src/battleship/policy.js";
import {
  HUNT_ACT,
  HUNT_REASON,
  NAIVE_ACT,
  NAIVE_REASON,
  scriptedBattleshipModel,
} from "../src/battleship/scripted.js";
import { evaluationBoardSeeds, trainBattleship } from "../src/battleship/train.js";
import { runExample } from "./helpers/run-example.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trace-battleship-"));
  made.push(dir);
  return dir;
}

/** The user messages OptoPrime sent, one per call. */
function prompts(model: ScriptedModel): string[] {
  return model.calls.map((c) => c.request.messages.map((m) => m.content).join("\n"));
}

describe("board placement", () => {
  it("places the fleet from the seed: valid, straight, inside the board, never overlapping", () => {
    const boards = new Set<string>();
    for (let seed = 0; seed < 300; seed++) {
      const board = Board.fromSeed(seed);
      expect(board.size).toBe(8);
      expect(board.ships.map((s) => s.length)).toEqual([...DEFAULT_SHIPS]);
      const taken = new Set<number>();
      for (const ship of board.ships) {
        expect(ship.cells).toHaveLength(ship.length);
        ship.cells.forEach(([r, c], k) => {
          expect(r >= 0 && r < 8 && c >= 0 && c < 8).toBe(true);
          const [r0, c0] = ship.cells[0]!;
          expect([r, c]).toEqual(ship.vertical ? [r0 + k, c0] : [r0, c0 + k]);
          expect(taken.has(r * 8 + c)).toBe(false);
          taken.add(r * 8 + c);
        });
      }
      expect(taken.size).toBe(17);
      expect(board.shipCells).toBe(17);
      // same seed, same board
      expect(Board.fromSeed(seed).ships).toEqual(board.ships);
      boards.add(JSON.stringify(board.ships));
    }
    expect(boards.size).toBeGreaterThan(290); // seeds really vary the placement
    const orientations = new Set(Array.from({ length: 50 }, (_, s) => Board.fromSeed(s).ships[0]!.vertical));
    expect(orientations).toEqual(new Set([true, false]));
  });

  it("takes other sizes and fleets, and refuses setups that cannot work", () => {
    const small = Board.fromSeed(7, { size: 5, ships: [3, 2] });
    expect(small.view()).toEqual([".....", ".....", ".....", ".....", "....."]);
    expect(small.shipCells).toBe(5);
    expect(() => Board.fromSeed(1, { size: 4, ships: [5] })).toThrow(BoardSetupError);
    expect(() => Board.fromSeed(1, { size: 3, ships: [3, 3, 3, 3] })).toThrow(/cannot fit/);
    expect(() => Board.fromSeed(1, { size: 0 })).toThrow(BoardSetupError);
    expect(() => Board.fromSeed(1, { ships: [] })).toThrow(/at least one ship/);
    expect(() =>
      Board.withShips(4, [
        { row: 0, col: 0, length: 3, vertical: false },
        { row: 0, col: 1, length: 2, vertical: true },
      ]),
    ).toThrow(/overlaps/);
    expect(() => Board.withShips(4, [{ row: 3, col: 2, length: 3, vertical: false }])).toThrow(/leaves/);
  });
});

describe("shots, view and reward", () => {
  // 4×4, a ship of 3 at (0,1)-(0,3) and a ship of 2 at (2,0)-(3,0): 5 ship cells
  const start = Board.withShips(4, [
    { row: 0, col: 1, length: 3, vertical: false },
    { row: 2, col: 0, length: 2, vertical: true },
  ]);

  it("reports hit, miss, already-shot and invalid exactly, with the reward after each", () => {
    expect(start.view()).toEqual(["....", "....", "....", "...."]);
    expect(start.reward()).toBe(0);

    const a = start.shoot(0, 1);
    expect(a.outcome).toEqual({ kind: "hit", row: 0, col: 1, sunk: undefined });
    expect(a.board.view()).toEqual([".X..", "....", "....", "...."]);
    expect(a.board.reward()).toBeCloseTo(0.2, 12);
    expect(start.view()).toEqual(["....", "....", "....", "...."]); // boards are immutable

    const b = a.board.shoot(0, 0);
    expect(b.outcome).toEqual({ kind: "miss", row: 0, col: 0 });
    expect(b.board.view()[0]).toBe("OX..");
    expect(b.board.reward()).toBeCloseTo(0.2, 12);

    const again = b.board.shoot(0, 0);
    expect(again.outcome).toEqual({ kind: "already-shot", row: 0, col: 0, cell: "O" });
    expect(again.board).toBe(b.board);
    expect(b.board.shoot(0, 1).outcome).toMatchObject({ kind: "already-shot", cell: "X" });

    for (const [r, c] of [
      [4, 0],
      [-1, 2],
      [0, 4],
    ] as const) {
      const off = b.board.shoot(r, c);
      expect(off.outcome).toEqual({
        kind: "invalid",
        row: r,
        col: c,
        reason: "rows and columns go from 0 to 3",
      });
      expect(off.board).toBe(b.board);
    }
    expect(b.board.shoot(1.5, 0).outcome).toMatchObject({
      kind: "invalid",
      reason: "row and column must be integers",
    });

    let board = b.board;
    board = board.shoot(0, 2).board;
    const sinking = board.shoot(0, 3);
    expect(sinking.outcome).toMatchObject({ kind: "hit", sunk: { length: 3, vertical: false } });
    expect(sinking.board.reward()).toBeCloseTo(0.6, 12);
    expect(sinking.board.done()).toBe(false);
    board = sinking.board.shoot(2, 0).board;
    const last = board.shoot(3, 0);
    expect(last.outcome).toMatchObject({ kind: "hit", sunk: { length: 2, vertical: true } });
    expect(last.board.reward()).toBe(1);
    expect(last.board.done()).toBe(true);
    expect(last.board.view()).toEqual(["OXXX", "....", "X...", "X..."]);
    expect(shotFeedback(last.outcome, last.board)).toBe(
      "Hit at (3, 0). It sank a ship of length 2. Every ship is sunk: the game is won. Reward (fraction of ship cells hit) is 1.000: 5 of 5 ship cells hit.",
    );
    expect(shotFeedback(b.outcome, b.board)).toMatch(
      /^Miss at \(0, 0\): there is no ship there\. Reward .* 0\.200: 1 of 5/,
    );
  });

  it("the agent's view shows shots only, never ships", () => {
    for (let seed = 0; seed < 20; seed++) {
      let board = Board.fromSeed(seed);
      expect(board.view().join("")).toBe(".".repeat(64));
      // two boards with different ships and the same (missing) shots look the same
      expect(board.view()).toEqual(Board.fromSeed(seed + 1000).view());
      for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c += 3) board = board.shoot(r, c).board;
      const cells = board.view().join("");
      expect(cells).toMatch(/^[.XO]{64}$/);
      expect([...cells].filter((ch) => ch === "X")).toHaveLength(board.hits);
      // a ship cell not shot yet is "." like any other unknown cell
      for (const [r, c] of board.ships.flatMap((s) => s.cells)) {
        expect(board.view()[r]![c]).toBe(c % 3 === 0 ? "X" : ".");
      }
    }
  });

  it("reads moves: two numbers, or a problem in words", () => {
    expect(readMove([2, 3])).toEqual({ move: [2, 3] });
    expect(readMove([2])).toEqual({
      problem: "act must return [row, col], two integers, but it returned [2]",
    });
    expect(readMove(undefined)).toMatchObject({ problem: expect.stringContaining("returned undefined") });
    expect(readMove({ row: 1, col: 2 })).toMatchObject({
      problem: expect.stringContaining('{"row":1,"col":2}'),
    });
  });
});

describe("the policy", () => {
  const evaluation = { boardSeeds: evaluationBoardSeeds(0, 3), moves: 15 };

  it("starts empty: every move is an error, the evaluation reward is 0", () => {
    const policy = new BattleshipPolicy();
    const result = evaluatePolicy(policy, evaluation);
    expect(result.mean).toBe(0);
    expect(result.errors).toBe(45);
    expect(result.wasted).toBe(45);
    expect(result.firstError).toBe("Error: act is not implemented yet: it must return [row, col]");
    expect([...policy.namedParameters().keys()]).toEqual(["reason", "act"]);
  });

  it("an error in the code becomes feedback for the optimizer, not a crash", async () => {
    let model: ScriptedModel | undefined;
    const run = await trainBattleship({
      model: () => {
        model = new ScriptedModel(
          [JSON.stringify({ reasoning: "TERMINATE", answer: "TERMINATE", suggestion: {} })],
          {
            whenExhausted: "repeat-last",
          },
        );
        return model;
      },
      iterations: 2,
      log: () => {},
    });
    expect(run.records.map((r) => [r.reward, r.changed, r.reverted])).toEqual([
      [0, false, false],
      [0, false, false],
    ]);
    const first = prompts(model!)[0]!;
    expect(first).toContain("act threw Error: act is not implemented yet");
    expect(first).toContain("Wasted move: no shot was fired.");
    expect(first).toContain(policyCode(run.policy).act.key); // the code parameter is in the problem
  });

  it("scripted training rewrites reason and act, reverts a worse change, and beats the empty and naive policies", async () => {
    const dir = tempDir();
    const logPath = join(dir, "sub", "run.jsonl");
    let model: ScriptedModel | undefined;
    const lines: string[] = [];
    const run = await trainBattleship({
      model: (policy) => {
        model = scriptedBattleshipModel(policyCode(policy));
        return model;
      },
      iterations: 4,
      logPath,
      log: (line) => lines.push(line),
    });
    const code = policyCode(run.policy);
    expect(String(code.reason.data)).toBe(HUNT_REASON);
    expect(String(code.act.data)).toBe(HUNT_ACT);

    expect(run.records.map((r) => [r.iteration, r.changed, r.reverted])).toEqual([
      [1, true, false], // empty → naive scan
      [2, true, true], // buggy hunt/target: throws in evaluation, reverted to the naive code
      [3, true, false], // fixed hunt/target
      [4, false, false], // TERMINATE
    ]);
    const naive = run.records[0]!.evalReward;
    expect(run.baseline.mean).toBe(0);
    expect(naive).toBeGreaterThan(0);
    expect(run.records[1]!.evalReward).toBe(naive); // the policy in force after the revert is the naive one
    expect(run.final.mean).toBe(run.records[3]!.evalReward);
    expect(run.final.mean).toBeGreaterThan(naive);
    expect(run.final.errors).toBe(0);

    // what the optimizer read: the error first, then move results, then the revert note
    const seen = prompts(model!);
    expect(seen).toHaveLength(4);
    expect(seen[0]).toContain("act is not implemented yet");
    expect(seen[1]).toContain("Scan row by row");
    expect(seen[1]).toMatch(/Miss at \(0, 0\)/);
    expect(seen[2]).toContain("your previous change was reverted");
    expect(seen[2]).toContain("During evaluation it threw TypeError: Cannot read properties of undefined");
    expect(seen[2]).toContain("Scan row by row"); // the code shown is the naive code again

    // the run log: one well-formed line per iteration, equal to the records
    const logged = readFileSync(logPath, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    expect(logged).toEqual(run.records);
    for (const entry of logged) {
      expect(Object.keys(entry as object).sort()).toEqual([
        "changed",
        "evalReward",
        "iteration",
        "reverted",
        "reward",
      ]);
    }
    expect(lines.some((l) => l.startsWith("iter | move"))).toBe(true);
    expect(lines.find((l) => l.startsWith("   2 |"))).toMatch(
      /changed reason, act; evaluated 0\.000 \(TypeError: .*\): worse, reverted/,
    );
  });

  it("the scripted stages are the naive and the hunt/target policy, and hunt/target evaluates higher", () => {
    const policy = new BattleshipPolicy();
    const code = policyCode(policy);
    code.reason.data = NAIVE_REASON;
    code.act.data = NAIVE_ACT;
    const naive = evaluatePolicy(policy, evaluation);
    code.reason.data = HUNT_REASON;
    code.act.data = HUNT_ACT;
    const hunt = evaluatePolicy(policy, evaluation);
    expect(naive.errors + hunt.errors).toBe(0);
    expect(hunt.wasted).toBe(0);
    expect(hunt.mean).toBeGreaterThan(naive.mean);
  });

  it("the scripted model answers only OptoPrime", async () => {
    const model = scriptedBattleshipModel(policyCode(new BattleshipPolicy()));
    const request: GenerateRequest = { messages: [{ role: "user", content: "hi" }] };
    const result = await model.generate(request);
    expect(result.text).toMatch(/only answer OptoPrime/);
  });
});

describe("command line", () => {
  it("parses flags and refuses bad ones with a UsageError", () => {
    expect(parseBattleshipArgs([])).toEqual({ iterations: 6, seed: 0, log: undefined, help: false });
    expect(parseBattleshipArgs(["--iterations", "3", "--seed", "9", "--log", "x.jsonl"])).toEqual({
      iterations: 3,
      seed: 9,
      log: "x.jsonl",
      help: false,
    });
    expect(() => parseBattleshipArgs(["--iterations", "0"])).toThrow(UsageError);
    expect(() => parseBattleshipArgs(["--iterations", "2.5"])).toThrow(/integer from 1 to 200/);
    expect(() => parseBattleshipArgs(["--seed"])).toThrow(/needs a value/);
    expect(() => parseBattleshipArgs(["--log", "--seed", "1"])).toThrow(/--log needs a value/);
    expect(() => parseBattleshipArgs(["--board", "9"])).toThrow(/unknown argument "--board"/);
  });
});

describe("the example, run as a script", () => {
  it("runs offline with scripted responses, prints the table and writes the log", async () => {
    const dir = tempDir();
    const logPath = join(dir, "log.jsonl");
    const run = await runExample("battleship/main.ts", ["--iterations", "3", "--log", logPath], {});
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).");
    expect(run.stdout).toContain("iter | move     | result   | reward | eval  | code");
    expect(run.stdout).toMatch(/evaluation reward: 0\.000 \(empty policy\) -> 0\.\d{3} \(final policy/);
    expect(run.stdout).toContain("// Finish ships around hits first");
    expect(run.stdout).toContain(`run log (one JSON line per iteration): ${logPath}`);
    const logged = readFileSync(logPath, "utf8").trimEnd().split("\n");
    expect(logged.map((l) => (JSON.parse(l) as { iteration: number }).iteration)).toEqual([1, 2, 3]);
  }, 120_000);

  it("exits with code 2 and a clear message for a bad argument", async () => {
    const run = await runExample("battleship/main.ts", ["--iterations", "lots"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --iterations must be an integer from 1 to 200, got "lots"\nusage:/);
    expect(run.stdout).toBe("");
  }, 60_000);
});
