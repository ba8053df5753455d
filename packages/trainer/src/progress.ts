/**
 * A progress bar for training on a terminal (via `cli-progress`): steps done, what is running
 * (an evaluation's progress, proposing, …), the last and best scores and the tokens used. It draws
 * only when the stream is a TTY; in CI, pipes and files it writes nothing.
 */
import cliProgress from "cli-progress";

/** Where and whether to draw. */
export interface ProgressOptions {
  /** Stream to draw on (default `process.stderr`). Nothing is drawn unless `stream.isTTY`. */
  readonly stream?: NodeJS.WritableStream & {
    /** Whether the stream is a terminal (as on `process.stderr`); the bar draws only when true. */
    readonly isTTY?: boolean;
  };
}

/** What the bar shows after each step. */
export interface ProgressStatus {
  /** Latest measured score, if any. */
  readonly score?: number | null;
  /** Best score so far, if any. */
  readonly best?: number | null;
  /** Tokens used so far. */
  readonly tokens?: number;
}

/** @internal Draws training progress; a no-op when disabled or not on a terminal. */
export class TrainingProgress {
  readonly #bar: cliProgress.SingleBar | undefined;
  #payload = { phase: "", label: "score", score: "-", best: "-", tokens: "0" };
  #running = false;

  /**
   * @param setting `false` for none, `true`/`"auto"` for stderr when it is a terminal, or options
   * @param label what the score is (the run objective's description, e.g. `score − 50·cost`)
   */
  constructor(setting: boolean | "auto" | ProgressOptions | undefined, label = "score") {
    this.#payload.label = label;
    if (setting === false) return;
    const stream = typeof setting === "object" && setting.stream ? setting.stream : process.stderr;
    if (!(stream as { isTTY?: boolean }).isTTY) return;
    this.#bar = new cliProgress.SingleBar({
      stream,
      format: "train {bar} {value}/{total} steps | {phase} | {label} {score} | best {best} | {tokens} tokens",
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 5,
    });
  }

  /** Whether anything is drawn. */
  get active(): boolean {
    return this.#bar !== undefined;
  }

  /**
   * Shows the bar.
   * @param total steps the run will take at most
   * @param done steps already done (resumed runs)
   */
  start(total: number, done: number): void {
    if (!this.#bar) return;
    this.#bar.start(Math.max(total, done), done, this.#payload);
    this.#running = true;
  }

  /**
   * Says what is running now (e.g. `validation 12/40`).
   * @param text a short description
   */
  phase(text: string): void {
    if (!this.#bar || !this.#running) return;
    this.#payload = { ...this.#payload, phase: text };
    this.#bar.update(this.#payload);
  }

  /**
   * Records a finished step.
   * @param step steps done
   * @param status scores and tokens
   */
  step(step: number, status: ProgressStatus): void {
    if (!this.#bar || !this.#running) return;
    const fmt = (x: number | null | undefined) => (x === null || x === undefined ? "-" : x.toFixed(3));
    this.#payload = {
      ...this.#payload,
      phase: `step ${step} done`,
      score: fmt(status.score),
      best: fmt(status.best),
      tokens: String(status.tokens ?? 0),
    };
    this.#bar.update(step, this.#payload);
  }

  /** Stops drawing (leaves the last state on screen). */
  stop(): void {
    if (!this.#bar || !this.#running) return;
    this.#running = false;
    this.#bar.stop();
  }
}
