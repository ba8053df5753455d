/**
 * A hard budget on tokens and/or money. Each call reserves an upper bound of what it can consume
 * just before it is sent (see `upperBoundInputTokens`); a call whose reservation cannot fit is
 * refused with `BudgetExceededError` and never sent. When the call ends the reservation is
 * replaced by the actual usage (or released, on failure), so the books stay consistent under
 * concurrency. The books live in a `BudgetLedger` (in memory by default; a shared store can
 * back it).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { validateOptions } from "../../util/options.js";
import { BudgetExceededError, cancelledFrom, MissingPriceError } from "../errors.js";
import {
  type BudgetAmount,
  type BudgetLedger,
  type BudgetLimits,
  exceededLimit,
  InMemoryBudgetLedger,
  type LedgerReservation,
  type LedgerReserveResult,
} from "../ledger.js";
import type { PriceTable } from "../prices.js";
import { costOf, type ModelPrice, priceLookup } from "../prices.js";
import { sleep } from "../sleep.js";
import { upperBoundInputTokens } from "../tokens.js";
import type { GenerateRequest, GenerateResult, LanguageModel, TokenUsage } from "../types.js";
import { defineMiddleware, type LanguageModelMiddleware } from "./wrap.js";

/** Options of {@link Budget}. Give `maxTokens`, `maxCost`, or both. */
export interface BudgetOptions {
  /** Most tokens (input + output + prompt-cache reads/writes) all calls together may consume. */
  readonly maxTokens?: number;
  /** Most money all calls together may cost, in the currency of `prices`. Needs `prices`. */
  readonly maxCost?: number;
  /** Prices per model (required with `maxCost`). */
  readonly prices?: PriceTable;
  /**
   * Output tokens reserved for a request without `maxTokens` (default 4096). With
   * `capOutputTokens` the request is sent with this `maxTokens`, so the reservation is a bound.
   */
  readonly defaultMaxOutputTokens?: number;
  /**
   * When a request has no `maxTokens`, send it with `defaultMaxOutputTokens` as its limit
   * (default true). Without the cap a long answer could exceed the budget.
   */
  readonly capOutputTokens?: boolean;
  /**
   * Bounds a request's prompt tokens (default `upperBoundInputTokens`: never below the real count
   * of any byte-level tokenizer, about 2–3× the typical count). Plug in a real tokenizer (plus the
   * chat framing) for tighter reservations; a bound below the real count lets the budget
   * overshoot by the difference.
   */
  readonly estimateInputTokens?: (request: GenerateRequest) => number;
  /**
   * Where the books are kept (default: a new `InMemoryBudgetLedger`). Pass a ledger backed by a
   * shared store to share one budget between processes.
   */
  readonly ledger?: BudgetLedger;
  /**
   * A call that does not fit only because of the reservations of calls in flight waits for them
   * to end (they usually spend less than they reserved) instead of being refused (default true).
   * A call that would not fit even with nothing in flight is refused at once. A call made from
   * inside another call of the same budget (a model calling a model) never waits, so the two
   * cannot wait for each other.
   */
  readonly waitForInFlight?: boolean;
}

const SCHEMA = {
  maxTokens: "number",
  maxCost: "number",
  prices: "object",
  defaultMaxOutputTokens: "integer",
  capOutputTokens: "boolean",
  estimateInputTokens: "function",
  ledger: "object",
  waitForInFlight: "boolean",
} as const;

/** What one admitted call has reserved; pass it back to `Budget.settle`. */
export interface BudgetReservation {
  /** Tokens reserved. */
  readonly tokens: number;
  /** Money reserved (0 without a cost limit). */
  readonly cost: number;
  /** The request as it must be sent (with `maxTokens` set when capping). */
  readonly request: GenerateRequest;
  /** The model's price, when a cost limit applies. */
  readonly price: ModelPrice | undefined;
  /** The ledger's record of the reservation. */
  readonly entry: LedgerReservation;
}

/** A snapshot of a budget. */
export interface BudgetState {
  /** Tokens consumed by finished calls. */
  readonly spentTokens: number;
  /** Money consumed by finished calls. */
  readonly spentCost: number;
  /** Tokens reserved by calls in flight. */
  readonly reservedTokens: number;
  /** Money reserved by calls in flight. */
  readonly reservedCost: number;
  /** `maxTokens - spent - reserved` (Infinity without a token limit; may be negative after an overshoot). */
  readonly remainingTokens: number;
  /** `maxCost - spent - reserved` (Infinity without a cost limit). */
  readonly remainingCost: number;
  /** Calls refused so far (by this `Budget` object). */
  readonly refusedCalls: number;
  /**
   * Calls that consumed more than they had reserved (so far, by this `Budget` object): the input
   * bound was too low or the provider ignored `maxTokens`. Zero unless the bound is broken.
   */
  readonly overrunCalls: number;
}

/** Options of {@link Budget.reserve}. */
export interface BudgetReserveOptions {
  /**
   * Whether the call may wait for calls in flight to free their reservations (default: the
   * budget's `waitForInFlight`). The request's `signal` aborts the wait with `CancelledError`.
   */
  readonly wait?: boolean;
}

const POLL_MS = 100;
const NO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0 };

/**
 * A shared token/money budget. Wrap models with `enforceBudget(budget)` (innermost, below
 * `retry` and `rateLimit`, as `withDefaults` does); one budget may cover many models (prices are
 * looked up per model).
 *
 * @example
 * const budget = new Budget({ maxCost: 2, prices });
 * const model = wrapModel(openai("gpt-4o-mini"), retry(), rateLimit({ concurrency: 8 }), enforceBudget(budget));
 */
export class Budget {
  /** Token limit (Infinity when none). */
  readonly maxTokens: number;
  /** Money limit (Infinity when none). */
  readonly maxCost: number;
  /** Where the books are kept. */
  readonly ledger: BudgetLedger;
  readonly #limits: BudgetLimits;
  readonly #price: (provider: string, modelId: string) => ModelPrice | undefined;
  readonly #defaultOutput: number;
  readonly #cap: boolean;
  readonly #wait: boolean;
  readonly #estimate: (request: GenerateRequest) => number;
  #refused = 0;
  #overruns = 0;

  /** @param options limits, prices, estimation and the ledger */
  constructor(options: BudgetOptions) {
    validateOptions("Budget", options, SCHEMA);
    if (options?.maxTokens === undefined && options?.maxCost === undefined) {
      throw new RangeError("Budget: give maxTokens and/or maxCost");
    }
    for (const key of ["maxTokens", "maxCost"] as const) {
      const v = options[key];
      if (v !== undefined && !(v >= 0)) throw new RangeError(`Budget: ${key} must be >= 0, got ${v}`);
    }
    if (options.defaultMaxOutputTokens !== undefined && options.defaultMaxOutputTokens < 1) {
      throw new RangeError(
        `Budget: defaultMaxOutputTokens must be >= 1, got ${options.defaultMaxOutputTokens}`,
      );
    }
    if (options.maxCost !== undefined && options.prices === undefined) {
      throw new RangeError(
        "Budget: a maxCost needs a price table: new Budget({ maxCost, prices: { model: {...} } })",
      );
    }
    const ledger = options.ledger;
    if (
      ledger !== undefined &&
      !["reserve", "commit", "release", "totals", "reset"].every(
        (m) => typeof (ledger as unknown as Record<string, unknown>)[m] === "function",
      )
    ) {
      throw new TypeError("Budget: ledger must implement reserve, commit, release, totals and reset");
    }
    this.maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
    this.maxCost = options.maxCost ?? Number.POSITIVE_INFINITY;
    this.#limits = { maxTokens: this.maxTokens, maxCost: this.maxCost };
    this.ledger = ledger ?? new InMemoryBudgetLedger();
    this.#price = priceLookup(options.prices);
    this.#defaultOutput = options.defaultMaxOutputTokens ?? 4096;
    this.#cap = options.capOutputTokens ?? true;
    this.#wait = options.waitForInFlight ?? true;
    this.#estimate = options.estimateInputTokens ?? upperBoundInputTokens;
  }

  /** Current spending and reservations (for a shared ledger: as last reported by the store). */
  state(): BudgetState {
    const { spent, reserved } = this.ledger.totals();
    return {
      spentTokens: spent.tokens,
      spentCost: spent.cost,
      reservedTokens: reserved.tokens,
      reservedCost: reserved.cost,
      remainingTokens: this.maxTokens - spent.tokens - reserved.tokens,
      remainingCost: this.maxCost - spent.cost - reserved.cost,
      refusedCalls: this.#refused,
      overrunCalls: this.#overruns,
    };
  }

  /** True when no tokens or no money remain (every further call will be refused). */
  get exhausted(): boolean {
    const s = this.state();
    return s.remainingTokens <= 0 || s.remainingCost <= 0;
  }

  /**
   * What a request may consume at most: its prompt bound plus its output bound (`maxTokens`, or
   * `defaultMaxOutputTokens`), and that priced for the model when there is a cost limit (the
   * prompt at the higher of the input and cache-write rates). Reserves nothing.
   *
   * @param model the model the request goes to (for its price)
   * @param request the request
   */
  bound(
    model: Pick<LanguageModel, "provider" | "modelId">,
    request: GenerateRequest,
  ): {
    /** Prompt tokens reserved: `estimateInputTokens(request)` rounded up (by default an upper bound). */
    readonly input: number;
    /** Output tokens reserved: the request's `maxTokens`, or `defaultMaxOutputTokens`. */
    readonly output: number;
    /** Input plus output tokens, and their cost (0 when the budget has no cost limit). */
    readonly amount: BudgetAmount;
    /** The model's price, looked up only when the budget has a cost limit; otherwise undefined. */
    readonly price: ModelPrice | undefined;
  } {
    const output = request.maxTokens ?? this.#defaultOutput;
    const input = Math.max(0, Math.ceil(this.#estimate(request)));
    let price: ModelPrice | undefined;
    let cost = 0;
    if (Number.isFinite(this.maxCost)) {
      price = this.#price(model.provider, model.modelId);
      if (!price) throw new MissingPriceError(model.provider, model.modelId);
      // the prompt may be billed as cache writes, which can cost more than plain input
      const inputRate = Math.max(price.inputPerMillion, price.cacheWritePerMillion ?? 0);
      cost = costOf({ inputTokens: input, outputTokens: output }, { ...price, inputPerMillion: inputRate });
    }
    return { input, output, amount: { tokens: input + output, cost }, price };
  }

  /**
   * Reserves the most a request can consume, or rejects with `BudgetExceededError` (nothing
   * reserved). Admission is atomic in the ledger, so concurrent callers can never reserve the
   * same remainder twice. When the reservation fits only once calls in flight end, waits for them
   * (unless `wait` is false). Call it just before sending, and end it with {@link settle}.
   *
   * @param model the model the request goes to (for its price)
   * @param request the request (its `signal` aborts a wait)
   * @param options whether to wait for calls in flight
   */
  async reserve(
    model: Pick<LanguageModel, "provider" | "modelId">,
    request: GenerateRequest,
    options: BudgetReserveOptions = {},
  ): Promise<BudgetReservation> {
    const { input, output, amount, price } = this.bound(model, request);
    const wait = options.wait ?? this.#wait;
    const signal = request.signal;
    for (;;) {
      // a synchronous ledger answers without yielding, so no settlement can slip in between a
      // refusal and the wait registered below
      const answer = this.ledger.reserve(amount, this.#limits);
      const outcome: LedgerReserveResult = isPromise(answer) ? await answer : answer;
      if (outcome.ok) {
        const sent =
          request.maxTokens === undefined && this.#cap ? { ...request, maxTokens: output } : request;
        return { tokens: amount.tokens, cost: amount.cost, request: sent, price, entry: outcome.reservation };
      }
      const { spent, reserved } = outcome.totals;
      const inFlight = reserved.tokens > 0 || reserved.cost > 0;
      if (!wait || !inFlight || exceededLimit(spent, amount, this.#limits) !== undefined) {
        this.#refused++;
        throw this.#refusal(model, outcome, input, output, amount);
      }
      if (signal?.aborted) throw cancelledFrom(signal, { provider: model.provider, modelId: model.modelId });
      await (this.ledger.settled ? this.ledger.settled(signal) : sleep(POLL_MS, signal));
    }
  }

  /**
   * Ends a reservation: books the call's actual usage when it succeeded (a cached result books
   * nothing), or releases the reservation when it failed (`result` undefined).
   * @param reservation what `reserve` returned
   * @param result the call's result, or undefined when it failed
   */
  settle(reservation: BudgetReservation, result: GenerateResult | undefined): void | Promise<void> {
    if (!result) return this.ledger.release(reservation.entry);
    const u: TokenUsage = result.cached ? NO_USAGE : result.usage;
    const tokens = u.inputTokens + u.outputTokens + (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0);
    const cost = reservation.price ? costOf(u, reservation.price) : 0;
    if (tokens > reservation.tokens || cost > reservation.cost + 1e-9) this.#overruns++;
    return this.ledger.commit(reservation.entry, { tokens, cost });
  }

  /** Forgets what was spent (reservations of calls in flight stay) and the refusal count. */
  reset(): void | Promise<void> {
    this.#refused = 0;
    this.#overruns = 0;
    return this.ledger.reset();
  }

  #refusal(
    model: Pick<LanguageModel, "provider" | "modelId">,
    outcome: Extract<LedgerReserveResult, { ok: false }>,
    input: number,
    output: number,
    amount: BudgetAmount,
  ): BudgetExceededError {
    const { spent, reserved } = outcome.totals;
    const where = { provider: model.provider, modelId: model.modelId };
    if (outcome.limit === "tokens") {
      const used = spent.tokens + reserved.tokens;
      return new BudgetExceededError(
        `token budget exceeded: this call may use up to ${amount.tokens} tokens (≤${input} prompt + ${output} output) ` +
          `but only ${Math.max(0, this.maxTokens - used)} of ${this.maxTokens} remain ` +
          `(${spent.tokens} spent, ${reserved.tokens} reserved by calls in flight). ` +
          "Raise the budget, or send a smaller maxTokens.",
        { limit: "tokens", max: this.maxTokens, used, requested: amount.tokens },
        where,
      );
    }
    const used = spent.cost + reserved.cost;
    return new BudgetExceededError(
      `cost budget exceeded: this call may cost up to ${fmtMoney(amount.cost)} but only ` +
        `${fmtMoney(Math.max(0, this.maxCost - used))} of ${fmtMoney(this.maxCost)} remain ` +
        `(${fmtMoney(spent.cost)} spent, ${fmtMoney(reserved.cost)} reserved by calls in flight). ` +
        "Raise the budget, or send a smaller maxTokens.",
      { limit: "cost", max: this.maxCost, used, requested: amount.cost },
      where,
    );
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function fmtMoney(x: number): string {
  return Number.isFinite(x) ? x.toFixed(6).replace(/0+$/, "").replace(/\.$/, "") : "∞";
}

/** The ledgers whose reservations enclose the current async context (calls in flight). */
const enclosing = new AsyncLocalStorage<ReadonlySet<BudgetLedger>>();

/**
 * Middleware that charges every call of the wrapped model to `budget`, refusing calls that would
 * exceed it (`BudgetExceededError`, before anything is sent). It reserves when the call reaches
 * it, so place it innermost — below `retry` (each attempt is reserved and settled on its own)
 * and `rateLimit` (calls waiting for a slot hold no reservation), as `withDefaults` does.
 * @param budget the shared budget
 */
export function enforceBudget(budget: Budget): LanguageModelMiddleware {
  if (!(budget instanceof Budget)) throw new TypeError("enforceBudget: pass a Budget");
  return defineMiddleware("enforceBudget", async (request, next, model) => {
    const outer = enclosing.getStore();
    const nested = outer?.has(budget.ledger) === true;
    const reservation = await budget.reserve(model, request, nested ? { wait: false } : {});
    const inside = new Set(outer).add(budget.ledger);
    let result: GenerateResult | undefined;
    try {
      result = await enclosing.run(inside, () => next(reservation.request));
      return result;
    } finally {
      await budget.settle(reservation, result);
    }
  });
}
