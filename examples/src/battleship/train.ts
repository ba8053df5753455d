/**
 * Online training of the Battleship policy, as in the Trace paper's Battleship experiment: each
 * iteration the policy plays one move of a seeded training game (reason → act → shoot), the
 * move's result and reward (or the error its code threw) is sent backward, and the optimizer
 * rewrites `reason` and `act`. After every change the policy is evaluated on a few other seeded
 * boards; a change that evaluates worse than the best code seen is undone by loading the best
 * code's saved state (`policy.state()` / `policy.loadState()`), and the next feedback says so.
 */
import {
  createContainer,
  createOptimizer,
  ExecutionError,
  type LanguageModel,
  type MessageNode,
  registerLanguageModel,
  type StepReport,
  useOptimizer,
} from "@trace-ts/core";
import { registerOpro } from "@trace-ts/opro";
import { registerOptoPrime } from "@trace-ts/optoprime";
import { registerTextGrad } from "@trace-ts/textgrad";
import { ModelUnavailableError, stopReasonOfCode } from "@trace-ts/trainer";
import { Board, type BoardOptions } from "./board.js";
import { type Evaluation, evaluatePolicy } from "./evaluate.js";
import { outcomeLabel, readMove, revertNote, shotFeedback, wastedMoveFeedback } from "./feedback.js";
import { BattleshipPolicy } from "./policy.js";
import { type IterationRecord, RunLog } from "./run-log.js";

/** What the optimizer is told the code is for. */
export const OBJECTIVE =
  "Play Battleship well: reason analyses the map and returns a plan, act uses the map and the plan to pick the next cell to shoot. " +
  "Every move should hit a ship cell not hit before, so that all ships are sunk in as few moves as possible. " +
  "The code runs in a sandbox: use only built-in JavaScript, and return plain data.";

/** Options of `trainBattleship`. */
export interface TrainBattleshipOptions {
  /** The optimizer's model, or a function building it from the policy (for scripted answers). */
  readonly model: LanguageModel | ((policy: BattleshipPolicy) => LanguageModel);
  /** Iterations (one move and one optimizer step each; default 6). */
  readonly iterations?: number;
  /** Seed of the training games and the evaluation boards (default 0). */
  readonly seed?: number;
  /** Moves per evaluation board (default 15). */
  readonly evalMoves?: number;
  /** Number of evaluation boards (default 3). */
  readonly evalBoards?: number;
  /** Board size and ships (default 8×8 with ships of length 5, 4, 3, 3, 2). */
  readonly board?: BoardOptions;
  /** Name of the optimizer (`optoprime`, `textgrad`, `opro`; default optoprime). */
  readonly optimizer?: string;
  /** Where to write the JSON Lines run log (none when absent). */
  readonly logPath?: string;
  /** Where progress goes (default console.log). */
  readonly log?: (line: string) => void;
}

/** What a training run did. */
export interface BattleshipRun {
  /** The trained policy (holding the best code seen). */
  readonly policy: BattleshipPolicy;
  /** Evaluation of the starting (empty) policy. */
  readonly baseline: Evaluation;
  /** One record per iteration (also the lines of the run log). */
  readonly records: readonly IterationRecord[];
  /** The optimizer's step reports. */
  readonly reports: readonly StepReport[];
  /** Evaluation of the final policy. */
  readonly final: Evaluation;
}

/** Seed of the `game`-th training board for run seed `seed`. */
export function trainingBoardSeed(seed: number, game: number): number {
  return seed * 1000 + game;
}

/** Seeds of the evaluation boards for run seed `seed` (never used for training). */
export function evaluationBoardSeeds(seed: number, boards: number): number[] {
  return Array.from({ length: boards }, (_, k) => seed * 1000 + 500 + k);
}

/** One training move: the traced output (or exception node), its feedback, and a summary. */
interface TrainingMove {
  readonly output: MessageNode;
  readonly feedback: string;
  readonly board: Board;
  readonly shown: string;
  readonly result: string;
}

function playTrainingMove(policy: BattleshipPolicy, board: Board): TrainingMove {
  let output: MessageNode;
  try {
    output = policy.decide(board.view());
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    const exception = error.exceptionNode;
    return {
      output: exception,
      feedback: wastedMoveFeedback(exception.errorFeedback(), board),
      board,
      shown: "-",
      result: "error",
    };
  }
  const read = readMove(output.data);
  if (!("move" in read)) {
    return {
      output,
      feedback: wastedMoveFeedback(read.problem, board),
      board,
      shown: "-",
      result: "bad move",
    };
  }
  const [row, col] = read.move;
  const shot = board.shoot(row, col);
  return {
    output,
    feedback: shotFeedback(shot.outcome, shot.board),
    board: shot.board,
    shown: `(${row}, ${col})`,
    result: outcomeLabel(shot.outcome),
  };
}

const HEADER = "iter | move     | result   | reward | eval  | code";

function row(record: IterationRecord, move: TrainingMove, note: string): string {
  const iteration = String(record.iteration).padStart(4);
  return `${iteration} | ${move.shown.padEnd(8)} | ${move.result.padEnd(8)} | ${record.reward.toFixed(3)}  | ${record.evalReward.toFixed(3)} | ${note}`;
}

/**
 * Trains a fresh (empty) policy online for `iterations` moves and returns it with the best code
 * seen, the per-iteration records and the evaluations before and after.
 */
export async function trainBattleship(options: TrainBattleshipOptions): Promise<BattleshipRun> {
  const log = options.log ?? ((line: string) => console.log(line));
  const seed = options.seed ?? 0;
  const iterations = options.iterations ?? 6;
  const evaluation = {
    boardSeeds: evaluationBoardSeeds(seed, options.evalBoards ?? 3),
    moves: options.evalMoves ?? 15,
    ...(options.board === undefined ? {} : { board: options.board }),
  };

  const policy = new BattleshipPolicy();
  const container = createContainer();
  registerLanguageModel(
    container,
    typeof options.model === "function" ? options.model(policy) : options.model,
  );
  registerOptoPrime(container, { objective: OBJECTIVE });
  registerTextGrad(container, { objective: OBJECTIVE, asDefault: false });
  registerOpro(container, { objective: OBJECTIVE, asDefault: false });
  if (options.optimizer !== undefined) useOptimizer(container, options.optimizer);
  const optimizer = createOptimizer(policy.parameters(), container);
  const methodOf = new Map([...policy.namedParameters()].map(([name, parameter]) => [parameter, name]));
  const runLog = options.logPath === undefined ? undefined : new RunLog(options.logPath);

  const baseline = evaluatePolicy(policy, evaluation);
  log(
    `optimizer: ${optimizer.name}; evaluation: ${evaluation.moves} moves on each of ${evaluation.boardSeeds.length} boards (seeds ${evaluation.boardSeeds.join(", ")})`,
  );
  log(
    `empty policy: evaluation reward ${baseline.mean.toFixed(3)}${baseline.firstError ? ` (${baseline.firstError})` : ""}`,
  );
  log("");
  log(HEADER);

  let best = { evalReward: baseline.mean, state: policy.state() };
  let game = 0;
  let board = Board.fromSeed(trainingBoardSeed(seed, game), options.board);
  let pendingNote: string | undefined;
  const records: IterationRecord[] = [];
  const reports: StepReport[] = [];

  for (let iteration = 1; iteration <= iterations; iteration++) {
    if (board.done()) board = Board.fromSeed(trainingBoardSeed(seed, ++game), options.board);
    optimizer.zeroFeedback();
    const move = playTrainingMove(policy, board);
    board = move.board;
    const feedback = pendingNote === undefined ? move.feedback : `${move.feedback}\n${pendingNote}`;
    pendingNote = undefined;
    optimizer.backward(move.output, feedback);
    const report = await optimizer.step();
    reports.push(report);
    if (stopReasonOfCode(report.errorCode) === "outage") {
      throw new ModelUnavailableError("optimizer", 1, report.error ?? String(report.errorCode));
    }

    const changed = report.applied.length > 0;
    let reverted = false;
    let note = report.error ? `nothing applied (${firstLine(report.error)})` : "no change";
    if (changed) {
      const names = report.applied.map((a) => methodOf.get(a.parameter) ?? a.name).join(", ");
      const tried = evaluatePolicy(policy, evaluation);
      if (tried.mean < best.evalReward) {
        policy.loadState(best.state);
        reverted = true;
        pendingNote = revertNote(tried.mean, best.evalReward, tried.firstError);
        note = `changed ${names}; evaluated ${tried.mean.toFixed(3)}${tried.firstError ? ` (${tried.firstError})` : ""}: worse, reverted to the best code`;
      } else {
        best = { evalReward: tried.mean, state: policy.state() };
        note = `changed ${names}`;
      }
    }
    const record: IterationRecord = {
      iteration,
      reward: board.reward(),
      evalReward: best.evalReward,
      changed,
      reverted,
    };
    records.push(record);
    runLog?.write(record);
    log(row(record, move, note));
  }

  const final = evaluatePolicy(policy, evaluation);
  return { policy, baseline, records, reports, final };
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}
