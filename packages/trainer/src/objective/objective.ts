/**
 * Objectives: how a training run compares candidates that measured several metrics. Every search
 * algorithm selects through the run's objective (`AlgorithmContext.objective`); the run's best
 * parameters and early stopping follow its `value`.
 */
import { InvalidOptionError } from "@trace-ts/core";
import { validateOptions } from "@trace-ts/core/optimizer";
import type { Metrics } from "./metrics.js";

/** What every objective configuration may say besides how metrics are combined. */
export interface ObjectiveCommon {
  /** Metrics where lower is better (e.g. `["cost", "latencyMs"]`); all others are maximized. */
  readonly minimize?: readonly string[];
  /**
   * The value of a metric a candidate did not measure: `"worst"` (default: it loses to any
   * measured value) or a number taken as measured.
   */
  readonly missing?: "worst" | number;
  /**
   * Order of candidates the objective cannot tell apart: `"first"` (default: the one listed first,
   * usually the older) or `"seeded"` (a pseudo-random order fixed by the run's seed and each
   * candidate's values, the same after a resume).
   */
  readonly tieBreak?: "first" | "seeded";
}

/** One metric decides (default: the guide's `score`). */
export interface ScalarObjective extends ObjectiveCommon {
  /** Always `scalar`. */
  readonly kind: "scalar";
  /** The metric (default `score`). */
  readonly metric?: string;
}

/**
 * A weighted sum of metrics decides. Weights are positive; a metric in `minimize` enters with its
 * sign flipped, so `{ weights: { score: 1, cost: 100 }, minimize: ["cost"] }` is `score − 100·cost`.
 */
export interface WeightedObjective extends ObjectiveCommon {
  /** Always `weighted`. */
  readonly kind: "weighted";
  /** Positive weight per metric. */
  readonly weights: Readonly<Record<string, number>>;
}

/**
 * Pareto dominance decides: a candidate beats another when it is at least as good on every metric
 * and better on one. Candidates no other dominates form the first front and tie (broken by
 * `tieBreak`). The run's single score (best parameters, early stopping, progress) is the first
 * metric listed.
 */
export interface ParetoObjective extends ObjectiveCommon {
  /** Always `pareto`. */
  readonly kind: "pareto";
  /** The metrics compared (at least two; the first is the run's score). */
  readonly metrics: readonly string[];
}

/** How a run compares candidates: one metric, a weighted sum, or Pareto dominance. */
export type ObjectiveConfig = ScalarObjective | WeightedObjective | ParetoObjective;

const COMMON = { minimize: "object", missing: "string", tieBreak: "string" } as const;

/**
 * A compiled objective. Values are *oriented*: higher is better for every metric (minimized ones
 * are negated), and a missing metric is `-Infinity` unless the configuration gives a number.
 */
export class Objective {
  /** The configuration, with defaults filled in (logged in the run record). */
  readonly config: ObjectiveConfig;
  /** The metrics the objective reads, in order. */
  readonly metrics: readonly string[];
  readonly #minimize: ReadonlySet<string>;
  readonly #seed: number;

  /**
   * Checks a configuration and compiles it (`InvalidOptionError` names what is wrong).
   * @param config the objective (default: the guide's `score`, maximized)
   * @param seed the run's seed (for seeded tie-breaks)
   */
  static from(config: ObjectiveConfig | undefined, seed = 0): Objective {
    return new Objective(config ?? { kind: "scalar" }, seed);
  }

  private constructor(config: ObjectiveConfig, seed: number) {
    const where = "train() objective";
    if (config === null || typeof config !== "object")
      throw new InvalidOptionError("train()", where, "must be { kind: 'scalar' | 'weighted' | 'pareto', … }");
    let metrics: string[];
    switch (config.kind) {
      case "scalar":
        validateOptions(
          where,
          { ...config, missing: undefined },
          { kind: "string", metric: "string", ...COMMON },
        );
        metrics = [config.metric ?? "score"];
        break;
      case "weighted": {
        validateOptions(
          where,
          { ...config, missing: undefined },
          { kind: "string", weights: "object", ...COMMON },
        );
        const entries = Object.entries(config.weights ?? {});
        if (entries.length === 0)
          throw new InvalidOptionError(where, "weights", "must name at least one metric");
        for (const [name, w] of entries) {
          if (typeof w !== "number" || !(w > 0) || !Number.isFinite(w))
            throw new InvalidOptionError(
              where,
              `weights.${name}`,
              `must be a positive number (put lower-is-better metrics in minimize), got ${String(w)}`,
            );
        }
        metrics = entries.map(([name]) => name);
        break;
      }
      case "pareto":
        validateOptions(
          where,
          { ...config, missing: undefined },
          { kind: "string", metrics: "object", ...COMMON },
        );
        if (
          !Array.isArray(config.metrics) ||
          config.metrics.length < 2 ||
          !config.metrics.every((m) => typeof m === "string" && m.length > 0)
        )
          throw new InvalidOptionError(where, "metrics", "must list at least two metric names");
        if (new Set(config.metrics).size !== config.metrics.length)
          throw new InvalidOptionError(where, "metrics", "lists a metric twice");
        metrics = [...config.metrics];
        break;
      default:
        throw new InvalidOptionError(
          where,
          "kind",
          `must be 'scalar', 'weighted' or 'pareto', got ${JSON.stringify((config as { kind?: unknown }).kind)}`,
        );
    }
    const minimize = config.minimize ?? [];
    if (!Array.isArray(minimize) || !minimize.every((m) => typeof m === "string"))
      throw new InvalidOptionError(where, "minimize", "must be a list of metric names");
    for (const m of minimize) {
      if (!metrics.includes(m))
        throw new InvalidOptionError(
          where,
          "minimize",
          `names ${JSON.stringify(m)}, which the objective does not use (it uses ${metrics.join(", ")})`,
        );
    }
    const missing = config.missing ?? "worst";
    if (missing !== "worst" && !(typeof missing === "number" && Number.isFinite(missing)))
      throw new InvalidOptionError(
        where,
        "missing",
        `must be 'worst' or a finite number, got ${String(missing)}`,
      );
    const tieBreak = config.tieBreak ?? "first";
    if (tieBreak !== "first" && tieBreak !== "seeded")
      throw new InvalidOptionError(where, "tieBreak", `must be 'first' or 'seeded', got ${String(tieBreak)}`);
    this.metrics = metrics;
    this.#minimize = new Set(minimize);
    this.#seed = seed;
    const common = { minimize: [...minimize], missing, tieBreak };
    this.config =
      config.kind === "scalar"
        ? { kind: "scalar", metric: metrics[0]!, ...common }
        : config.kind === "weighted"
          ? { kind: "weighted", weights: { ...config.weights }, ...common }
          : { kind: "pareto", metrics: [...metrics], ...common };
  }

  /** Whether this is the default objective (the guide's `score`, maximized, nothing else). */
  get isDefault(): boolean {
    return this.config.kind === "scalar" && this.metrics[0] === "score" && this.#minimize.size === 0;
  }

  /**
   * One metric, oriented (higher is better; missing per `missing`).
   * @param metrics what a candidate measured
   * @param name the metric
   */
  oriented(metrics: Metrics, name: string): number {
    const raw = metrics[name];
    if (raw === undefined) {
      const missing = this.config.missing ?? "worst";
      if (missing === "worst") return Number.NEGATIVE_INFINITY;
      return this.#minimize.has(name) ? -missing : missing;
    }
    return this.#minimize.has(name) ? -raw : raw;
  }

  /**
   * The single score of a candidate (higher is better): the metric (scalar), the weighted sum
   * (weighted) or the first metric (Pareto), oriented.
   * @param metrics what the candidate measured
   */
  value(metrics: Metrics): number {
    const c = this.config;
    if (c.kind === "weighted") {
      let sum = 0;
      for (const [name, w] of Object.entries(c.weights)) sum += w * this.oriented(metrics, name);
      return sum;
    }
    return this.oriented(metrics, this.metrics[0]!);
  }

  /**
   * Whether `a` is at least as good as `b` on every metric the objective reads and strictly
   * better on one (for a scalar or weighted objective: a higher value).
   * @param a one candidate's metrics
   * @param b another's
   */
  dominates(a: Metrics, b: Metrics): boolean {
    if (this.config.kind !== "pareto") return this.value(a) > this.value(b);
    let strictly = false;
    for (const name of this.metrics) {
      const x = this.oriented(a, name);
      const y = this.oriented(b, name);
      if (x < y) return false;
      if (x > y) strictly = true;
    }
    return strictly;
  }

  /**
   * Whether a challenger should replace an incumbent: a higher value, or (Pareto) dominance.
   * @param challenger the new candidate's metrics
   * @param incumbent the current one's
   */
  better(challenger: Metrics, incumbent: Metrics): boolean {
    return this.dominates(challenger, incumbent);
  }

  /**
   * Orders candidates best first: by value (scalar, weighted) or by Pareto front (candidates of
   * the first front, then those only they dominate, …); candidates the objective cannot tell apart
   * follow `tieBreak`.
   * @param items each candidate's metrics
   * @param keys a stable identity per candidate (e.g. its values as JSON) for seeded tie-breaks;
   *   default: the position
   * @returns indices into `items`, best first
   */
  rank(items: readonly Metrics[], keys?: readonly string[]): number[] {
    const tie = this.#tieOrder(items.length, keys);
    if (this.config.kind !== "pareto") {
      const values = items.map((m) => this.value(m));
      return items.map((_, i) => i).sort((a, b) => values[b]! - values[a]! || tie[a]! - tie[b]!);
    }
    const front = this.fronts(items);
    return items.map((_, i) => i).sort((a, b) => front[a]! - front[b]! || tie[a]! - tie[b]!);
  }

  /**
   * The Pareto front number of each candidate (0: dominated by none; 1: dominated only by front 0; …).
   * For a scalar or weighted objective, candidates with equal values share a front.
   * @param items each candidate's metrics
   */
  fronts(items: readonly Metrics[]): number[] {
    const n = items.length;
    const front = new Array<number>(n).fill(-1);
    const dominatedBy = new Array<number>(n).fill(0);
    const dominates: number[][] = items.map(() => []);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i !== j && this.dominates(items[i]!, items[j]!)) {
          dominates[i]!.push(j);
          dominatedBy[j]!++;
        }
      }
    }
    let current = items.map((_, i) => i).filter((i) => dominatedBy[i] === 0);
    for (let f = 0; current.length > 0; f++) {
      const next: number[] = [];
      for (const i of current) {
        front[i] = f;
        for (const j of dominates[i]!) if (--dominatedBy[j]! === 0) next.push(j);
      }
      current = next;
    }
    return front;
  }

  /**
   * Throws `InvalidOptionError` when a metric the objective reads was measured by none of the
   * results (a misspelt name, or `cost` without a priced usage tracker).
   * @param measured names of the metrics some result had
   */
  checkMeasured(measured: ReadonlySet<string>): void {
    for (const name of this.metrics) {
      if (!measured.has(name) && this.config.missing === "worst") {
        const hint =
          name === "cost"
            ? "; `cost` needs a `usage` tracker with prices for the agent's models"
            : name === "tokens" || name === "modelCalls"
              ? `; \`${name}\` needs a \`usage\` tracker the agent's models report to`
              : "";
        throw new InvalidOptionError(
          "train()",
          "objective",
          `reads metric ${JSON.stringify(name)}, but no example measured it (measured: ${[...measured].sort().join(", ") || "nothing"})${hint}`,
        );
      }
    }
  }

  /** A short description for reports (`score`, `0.7·score − 100·cost`, `pareto(score, −cost)`). */
  describe(): string {
    const sign = (name: string) => (this.#minimize.has(name) ? `−${name}` : name);
    const c = this.config;
    if (c.kind === "weighted")
      return Object.entries(c.weights)
        .map(
          ([name, w], i) =>
            `${i === 0 ? (this.#minimize.has(name) ? "−" : "") : this.#minimize.has(name) ? " − " : " + "}${w === 1 ? "" : `${w}·`}${name}`,
        )
        .join("");
    if (c.kind === "pareto") return `pareto(${this.metrics.map(sign).join(", ")})`;
    return sign(this.metrics[0]!);
  }

  /** Position of each index in the tie-break order. */
  #tieOrder(n: number, keys: readonly string[] | undefined): number[] {
    if (this.config.tieBreak !== "seeded") return Array.from({ length: n }, (_, i) => i);
    const hashes = Array.from({ length: n }, (_, i) => hash32(`${this.#seed}\u0000${keys?.[i] ?? i}`));
    const order = hashes.map((_, i) => i).sort((a, b) => hashes[a]! - hashes[b]! || a - b);
    const position = new Array<number>(n);
    order.forEach((index, p) => {
      position[index] = p;
    });
    return position;
  }
}

/** FNV-1a, 32 bits: a stable, platform-independent hash for seeded tie-breaks. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
