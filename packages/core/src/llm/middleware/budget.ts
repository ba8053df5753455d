/**
 * A hard budget on tokens and/or money. Each call reserves an upper estimate of what it can
 * consume before it is sent; a call whose reservation would exceed the budget is refused with
 * `BudgetExceededError` and never sent. When the call ends the reservation is replaced by the
 * actual usage (or released, on failure), so the books stay consistent under concurrency.
 */
import { validateOptions } from "../../util/options.js";
import { BudgetExceededError, MissingPriceError } from "../errors.js";
import type { PriceTable } from "../prices.js";
import { costOf, type ModelPrice, priceLookup } from "../prices.js";
import { estimateInputTokens } from "../tokens.js";
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
   * Estimates a request's prompt tokens (default: ~4 characters per token). Plug in a real
   * tokenizer for tight budgets; an estimate below the real count lets the budget overshoot by
   * the difference.
   */
  readonly estimateInputTokens?: (request: GenerateRequest) => number;
}

const SCHEMA = {
  maxTokens: "number",
  maxCost: "number",
  prices: "object",
  defaultMaxOutputTokens: "integer",
  capOutputTokens: "boolean",
  estimateInputTokens: "function",
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
  /** Calls refused so far. */
  readonly refusedCalls: number;
}

const EPSILON = 1e-9;

/**
 * A shared token/money budget. Wrap models with `enforceBudget(budget)`; one budget may cover
 * many models (prices are looked up per model).
 *
 * @example
 * const budget = new Budget({ maxCost: 2, prices });
 * const model = wrapModel(openai("gpt-4o-mini"), enforceBudget(budget));
 */
export class Budget {
  /** Token limit (Infinity when none). */
  readonly maxTokens: number;
  /** Money limit (Infinity when none). */
  readonly maxCost: number;
  readonly #price: (provider: string, modelId: string) => ModelPrice | undefined;
  readonly #defaultOutput: number;
  readonly #cap: boolean;
  readonly #estimate: (request: GenerateRequest) => number;
  #spentTokens = 0;
  #spentCost = 0;
  #reservedTokens = 0;
  #reservedCost = 0;
  #refused = 0;

  /** @param options limits, prices and estimation */
  constructor(options: BudgetOptions) {
    validateOptions("Budget", options, SCHEMA);
    if (options?.maxTokens === undefined && options?.maxCost === undefined) {
      throw new RangeError("Budget: give maxTokens and/or maxCost");
    }
    for (const key of ["maxTokens", "maxCost"] as const) {
      const v = options[key];
      if (v !== undefined && !(v >= 0)) throw new RangeError(`Budget: ${key} must be >= 0, got ${v}`);
    }
    if (options.maxCost !== undefined && options.prices === undefined) {
      throw new RangeError(
        "Budget: a maxCost needs a price table: new Budget({ maxCost, prices: { model: {...} } })",
      );
    }
    this.maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
    this.maxCost = options.maxCost ?? Number.POSITIVE_INFINITY;
    this.#price = priceLookup(options.prices);
    this.#defaultOutput = options.defaultMaxOutputTokens ?? 4096;
    this.#cap = options.capOutputTokens ?? true;
    this.#estimate = options.estimateInputTokens ?? estimateInputTokens;
  }

  /** Current spending and reservations. */
  state(): BudgetState {
    return {
      spentTokens: this.#spentTokens,
      spentCost: this.#spentCost,
      reservedTokens: this.#reservedTokens,
      reservedCost: this.#reservedCost,
      remainingTokens: this.maxTokens - this.#spentTokens - this.#reservedTokens,
      remainingCost: this.maxCost - this.#spentCost - this.#reservedCost,
      refusedCalls: this.#refused,
    };
  }

  /** True when no tokens or no money remain (every further call will be refused). */
  get exhausted(): boolean {
    const s = this.state();
    return s.remainingTokens <= 0 || s.remainingCost <= 0;
  }

  /**
   * Reserves the most a request can consume, or throws `BudgetExceededError` (nothing reserved).
   * Synchronous, so concurrent callers can never reserve the same remainder twice.
   *
   * @param model the model the request goes to (for its price)
   * @param request the request
   */
  reserve(model: Pick<LanguageModel, "provider" | "modelId">, request: GenerateRequest): BudgetReservation {
    const output = request.maxTokens ?? this.#defaultOutput;
    const sent = request.maxTokens === undefined && this.#cap ? { ...request, maxTokens: output } : request;
    const input = Math.max(0, Math.ceil(this.#estimate(request)));
    const tokens = input + output;
    let price: ModelPrice | undefined;
    let cost = 0;
    if (Number.isFinite(this.maxCost)) {
      price = this.#price(model.provider, model.modelId);
      if (!price) throw new MissingPriceError(model.provider, model.modelId);
      // the prompt may be billed as cache writes, which can cost more than plain input
      const inputRate = Math.max(price.inputPerMillion, price.cacheWritePerMillion ?? 0);
      cost = costOf({ inputTokens: input, outputTokens: output }, { ...price, inputPerMillion: inputRate });
    }
    const usedTokens = this.#spentTokens + this.#reservedTokens;
    if (usedTokens + tokens > this.maxTokens + EPSILON) {
      this.#refused++;
      throw new BudgetExceededError(
        `token budget exceeded: this call may use up to ${tokens} tokens (≈${input} prompt + ${output} output) ` +
          `but only ${Math.max(0, this.maxTokens - usedTokens)} of ${this.maxTokens} remain ` +
          `(${this.#spentTokens} spent, ${this.#reservedTokens} reserved by calls in flight). ` +
          "Raise the budget, or send a smaller maxTokens.",
        { limit: "tokens", max: this.maxTokens, used: usedTokens, requested: tokens },
        { provider: model.provider, modelId: model.modelId },
      );
    }
    const usedCost = this.#spentCost + this.#reservedCost;
    if (usedCost + cost > this.maxCost + EPSILON) {
      this.#refused++;
      throw new BudgetExceededError(
        `cost budget exceeded: this call may cost up to ${fmtMoney(cost)} but only ` +
          `${fmtMoney(Math.max(0, this.maxCost - usedCost))} of ${fmtMoney(this.maxCost)} remain ` +
          `(${fmtMoney(this.#spentCost)} spent, ${fmtMoney(this.#reservedCost)} reserved by calls in flight). ` +
          "Raise the budget, or send a smaller maxTokens.",
        { limit: "cost", max: this.maxCost, used: usedCost, requested: cost },
        { provider: model.provider, modelId: model.modelId },
      );
    }
    this.#reservedTokens += tokens;
    this.#reservedCost += cost;
    return { tokens, cost, request: sent, price };
  }

  /**
   * Ends a reservation: releases it and, when the call succeeded, books its actual usage.
   * @param reservation what `reserve` returned
   * @param result the call's result, or undefined when it failed
   */
  settle(reservation: BudgetReservation, result: GenerateResult | undefined): void {
    this.#reservedTokens = Math.max(0, this.#reservedTokens - reservation.tokens);
    this.#reservedCost = Math.max(0, this.#reservedCost - reservation.cost);
    if (!result || result.cached) return;
    const u: TokenUsage = result.usage;
    this.#spentTokens +=
      u.inputTokens + u.outputTokens + (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0);
    if (reservation.price) this.#spentCost += costOf(u, reservation.price);
  }

  /** Forgets what was spent (reservations of calls in flight stay). */
  reset(): void {
    this.#spentTokens = 0;
    this.#spentCost = 0;
    this.#refused = 0;
  }
}

function fmtMoney(x: number): string {
  return Number.isFinite(x) ? x.toFixed(6).replace(/0+$/, "").replace(/\.$/, "") : "∞";
}

/**
 * Middleware that charges every call of the wrapped model to `budget`, refusing calls that would
 * exceed it (`BudgetExceededError`, before anything is sent).
 * @param budget the shared budget
 */
export function enforceBudget(budget: Budget): LanguageModelMiddleware {
  if (!(budget instanceof Budget)) throw new TypeError("enforceBudget: pass a Budget");
  return defineMiddleware("enforceBudget", async (request, next, model) => {
    const reservation = budget.reserve(model, request);
    let result: GenerateResult | undefined;
    try {
      result = await next(reservation.request);
      return result;
    } finally {
      budget.settle(reservation, result);
    }
  });
}
