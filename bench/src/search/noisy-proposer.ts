/**
 * A seeded stand-in for a language-model optimizer: it proposes perturbations of numeric
 * parameters, following the direction hints of the feedback (`hint: increase x`) with probability
 * `quality` and moving a random parameter in a random direction otherwise. Every proposal's
 * randomness comes from the seed, a hash of what it was asked (values, feedback, sample index) and
 * how many times that same question was asked before (like a sampling model without a response
 * cache, a repeated question gets a fresh answer), so the answers do not depend on the order in
 * which concurrent calls run, and two proposers with the same seed asked the same questions give
 * the same answers.
 */
import {
  feedbackToText,
  InvalidOptionError,
  Optimizer,
  OptimizerStateError,
  type ParameterNode,
  type Proposal,
  type StepOptions,
} from "@trace-ts/core";
import { validateOptions } from "@trace-ts/core/optimizer";
import { Rng } from "@trace-ts/trainer";
import { baseName, type Direction, readHints } from "./hints.js";

/** How the proposer may move one parameter. */
export interface ParameterSpec {
  /** Smallest value allowed (proposals are clamped to it). */
  readonly min: number;
  /** Largest value allowed (proposals are clamped to it). */
  readonly max: number;
  /** Typical size of a move that follows a hint: each is `step × U(0.5, 1.5)`. */
  readonly step: number;
  /** Largest random move (default `2 × step`): each is `U(−jump, jump)`. */
  readonly jump?: number;
  /** Whether values are integers (moves are rounded, and never zero). */
  readonly integer?: boolean;
}

/** Options of `NoisyProposer`. */
export interface NoisyProposerOptions {
  /** Seed of every proposal's randomness (an integer ≥ 0). */
  readonly seed: number;
  /** Probability in [0, 1] that a proposal follows the feedback's hints (default 0.7). */
  readonly quality?: number;
  /** How each parameter may move, by base name (`x` for node `x:0`). */
  readonly specs: Readonly<Record<string, ParameterSpec>>;
  /**
   * Probability in [0, 1] that a proposal following a hint also moves one other parameter at
   * random, as a careless edit would (default 0.2).
   */
  readonly collateral?: number;
  /**
   * Most proposals answered (default: no limit); later ones change nothing, so a run never uses
   * more proposals than its budget.
   */
  readonly limit?: number;
}

/** What one proposal did, in `Proposal.details`. */
export interface NoisyProposalDetails {
  /** Position of the proposal among all asked of this proposer (from 0). */
  readonly index: number;
  /** `hint`: followed the feedback; `random`: a random move; `none`: no change (no hint, or over the limit). */
  readonly kind: "hint" | "random" | "none";
}

/** A seeded proposer of numeric perturbations guided by feedback hints (see the module comment). */
export class NoisyProposer extends Optimizer {
  /** Name in reports and saved state. */
  readonly name = "NoisyProposer";
  /** The seed. */
  readonly seed: number;
  /** Probability that a proposal follows the hints. */
  readonly quality: number;
  /** Probability that a hinted proposal also moves another parameter. */
  readonly collateral: number;
  /** Most proposals answered (Infinity: no limit). */
  readonly limit: number;
  readonly #specs: Readonly<Record<string, ParameterSpec>>;
  #asked = 0;
  #observed = 0;
  /** How many times each question (by hash) was asked. */
  readonly #repeats = new Map<number, number>();

  /**
   * @param parameters the numeric trainable parameters
   * @param options seed, quality, and how each parameter may move
   * @throws InvalidOptionError for a bad option or a parameter without a spec
   */
  constructor(parameters: Iterable<ParameterNode>, options: NoisyProposerOptions) {
    super(parameters);
    const where = "NoisyProposer";
    validateOptions(where, options, {
      seed: "integer",
      quality: "number",
      specs: "object",
      collateral: "number",
      limit: "integer",
    });
    if (!Number.isSafeInteger(options?.seed) || options.seed < 0)
      throw new InvalidOptionError(where, "seed", `must be an integer ≥ 0, got ${String(options?.seed)}`);
    const unit = (name: string, value: number) => {
      if (!(value >= 0 && value <= 1))
        throw new InvalidOptionError(where, name, `must be in [0, 1], got ${value}`);
      return value;
    };
    this.seed = options.seed;
    this.quality = unit("quality", options.quality ?? 0.7);
    this.collateral = unit("collateral", options.collateral ?? 0.2);
    if (options.limit !== undefined && options.limit < 0)
      throw new InvalidOptionError(where, "limit", `must be ≥ 0, got ${options.limit}`);
    this.limit = options.limit ?? Number.POSITIVE_INFINITY;
    for (const p of this.parameters) {
      const spec = options.specs[baseName(p.name)];
      if (spec === undefined)
        throw new InvalidOptionError(where, "specs", `has no entry for parameter ${baseName(p.name)}`);
      if (!(spec.min < spec.max) || !(spec.step > 0) || (spec.jump !== undefined && !(spec.jump > 0)))
        throw new InvalidOptionError(
          where,
          `specs.${baseName(p.name)}`,
          "needs min < max, step > 0 and (when given) jump > 0",
        );
    }
    this.#specs = options.specs;
  }

  /** Proposals asked so far (answered or over the limit). */
  get asked(): number {
    return this.#asked;
  }

  /** Proposals answered so far (at most `limit`). */
  get answered(): number {
    return Math.min(this.#asked, this.limit);
  }

  /** Candidate scores told with `observeScores` so far (they do not change later proposals). */
  get observed(): number {
    return this.#observed;
  }

  /**
   * Proposes a perturbation of the parameters the feedback reached; makes no model call.
   * @param options the sample index (`proposeCandidates`) varies the proposal
   */
  async propose(options: StepOptions = {}): Promise<Proposal> {
    const index = this.#asked++;
    const view = this.problem();
    const none = (reasoning: string): Proposal => ({
      updates: new Map(),
      suggestion: {},
      rejected: [],
      reasoning,
      terminate: false,
      calls: [],
      details: { index, kind: "none" } satisfies NoisyProposalDetails,
      view,
    });
    if (index >= this.limit) return none("the proposal budget is spent");
    const variables = view.variables.filter((v) => typeof v.value === "number");
    if (variables.length === 0) return none("no numeric parameter received feedback");
    const texts = view.feedback.map((f) => feedbackToText(f.feedback));
    const question = hash32(
      JSON.stringify([this.seed, variables.map((v) => [v.key, v.value]), texts, options.sample ?? 0]),
    );
    const repeat = this.#repeats.get(question) ?? 0;
    this.#repeats.set(question, repeat + 1);
    const rng = Rng.fromSeed(hash32(`${question}/${repeat}`));
    // net votes per variable: +1 per "increase", −1 per "decrease"
    const votes = new Map<string, number>();
    for (const text of texts) {
      for (const hint of readHints(text)) {
        const v = variables.find((x) => baseName(x.node.name) === hint.name);
        if (v) votes.set(v.key, (votes.get(v.key) ?? 0) + (hint.direction === "increase" ? 1 : -1));
      }
    }
    const hinted = [...votes].filter(([, net]) => net !== 0);
    if (votes.size === 0) return none("the feedback asks for no change");
    const suggestion: Record<string, number> = {};
    const move = (key: string, delta: number) => {
      const spec = this.#specOf(variables, key);
      const raw = (variables.find((x) => x.key === key)!.value as number) + delta;
      const clamped = Math.min(spec.max, Math.max(spec.min, spec.integer ? Math.round(raw) : raw));
      suggestion[key] = clamped;
    };
    const randomMove = (key: string) => {
      const spec = this.#specOf(variables, key);
      const jump = spec.jump ?? 2 * spec.step;
      let delta = (2 * rng.next() - 1) * jump;
      if (spec.integer) delta = Math.round(delta) || (rng.next() < 0.5 ? -1 : 1);
      move(key, delta);
    };
    let kind: NoisyProposalDetails["kind"];
    let reasoning: string;
    if (hinted.length > 0 && rng.next() < this.quality) {
      // follow: pick a hinted variable with probability ∝ |net votes|, move it that way
      const total = hinted.reduce((s, [, net]) => s + Math.abs(net), 0);
      let pick = rng.next() * total;
      let chosen = hinted[hinted.length - 1]!;
      for (const entry of hinted) {
        pick -= Math.abs(entry[1]);
        if (pick < 0) {
          chosen = entry;
          break;
        }
      }
      const [key, net] = chosen;
      const spec = this.#specOf(variables, key);
      const direction: Direction = net > 0 ? "increase" : "decrease";
      let size = spec.step * (0.5 + rng.next());
      if (spec.integer) size = Math.max(1, Math.round(size));
      move(key, direction === "increase" ? size : -size);
      const others = variables.filter((v) => v.key !== key);
      if (others.length > 0 && rng.next() < this.collateral) randomMove(others[rng.int(others.length)]!.key);
      kind = "hint";
      reasoning = `followed the feedback: ${direction} ${key}`;
    } else {
      const key = variables[rng.int(variables.length)]!.key;
      randomMove(key);
      kind = "random";
      reasoning = `random move of ${key}`;
    }
    const { updates, rejected } = this.prepareUpdates(view, suggestion);
    return {
      updates,
      rejected,
      suggestion,
      reasoning,
      terminate: false,
      calls: [],
      details: { index, kind } satisfies NoisyProposalDetails,
      view,
    };
  }

  /**
   * Counts the scores told (the proposer does not learn from them).
   * @param scored each candidate with its score
   */
  override observeScores(scored: readonly { readonly score: number | undefined }[]): void {
    this.#observed += scored.length;
  }

  #specOf(variables: readonly { readonly key: string; readonly node: ParameterNode }[], key: string) {
    return this.#specs[baseName(variables.find((v) => v.key === key)!.node.name)]!;
  }

  protected override saveState(): unknown {
    return { asked: this.#asked, observed: this.#observed, repeats: [...this.#repeats] };
  }

  protected override restoreState(data: unknown): void {
    const d = data as { asked?: unknown; observed?: unknown; repeats?: unknown } | null;
    const repeats = d?.repeats;
    if (
      !Number.isInteger(d?.asked) ||
      !Number.isInteger(d?.observed) ||
      !Array.isArray(repeats) ||
      !repeats.every((e) => Array.isArray(e) && e.length === 2 && e.every((n) => Number.isInteger(n)))
    )
      throw new OptimizerStateError(
        "NoisyProposer state needs integers asked, observed and [hash, count] repeats",
      );
    this.#asked = d!.asked as number;
    this.#observed = d!.observed as number;
    this.#repeats.clear();
    for (const [hash, count] of repeats as [number, number][]) this.#repeats.set(hash, count);
  }
}

/**
 * FNV-1a over the text, 32 bits: a stable seed for one proposal's generator.
 * @param text what the proposal was asked
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
