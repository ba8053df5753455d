/**
 * Budget ledgers: the books a `Budget` keeps. A ledger records what finished calls spent and what
 * calls in flight have reserved, and admits or refuses a new reservation atomically. The
 * in-memory ledger serves one process; a shared store (Redis, a database) implements the same
 * four operations to let several processes draw on one budget.
 */
import { cancelledFrom } from "./errors.js";

/** An amount of budget: tokens and money (0 when there is no cost limit). */
export interface BudgetAmount {
  /** Tokens (input + output + prompt-cache reads/writes). */
  readonly tokens: number;
  /** Money, in the currency of the budget's price table. */
  readonly cost: number;
}

/** The limits a reservation is checked against (`Infinity` = no limit). */
export interface BudgetLimits {
  /** Most tokens spent + reserved may reach. */
  readonly maxTokens: number;
  /** Most money spent + reserved may reach. */
  readonly maxCost: number;
}

/** One admitted reservation; hand it back to `commit` or `release` exactly once. */
export interface LedgerReservation {
  /** Identifies the reservation in the ledger (unique per ledger). */
  readonly id: string;
  /** What was reserved. */
  readonly amount: BudgetAmount;
}

/** What a ledger holds. */
export interface LedgerTotals {
  /** Booked by finished calls. */
  readonly spent: BudgetAmount;
  /** Held by calls in flight. */
  readonly reserved: BudgetAmount;
}

/**
 * The answer to `reserve`: the reservation, or the limit it would break and the totals it was
 * checked against.
 */
export type LedgerReserveResult =
  | {
      /** The amount fit within both limits and is now reserved. */
      readonly ok: true;
      /** The recorded reservation; end it with `commit` or `release`. */
      readonly reservation: LedgerReservation;
    }
  | {
      /** The amount did not fit; nothing was recorded. */
      readonly ok: false;
      /** The limit the amount would break (`tokens` when both would be broken). */
      readonly limit: "tokens" | "cost";
      /** Spent and reserved totals the amount was checked against. */
      readonly totals: LedgerTotals;
    };

/**
 * Where a budget keeps its books. Implement it to share one budget between processes: `reserve`
 * must check and record atomically (for Redis, one Lua script: read spent and reserved, compare
 * with the limits, add the reservation), so two callers can never both take the last remainder.
 * Methods may return promises; `totals()` is synchronous and may return the last totals the store
 * reported (it feeds `Budget.state()`).
 *
 * A shared store should also expire reservations whose process died (a TTL longer than the
 * slowest call), or the budget they hold is never freed.
 */
export interface BudgetLedger {
  /**
   * Admits `amount` if spent + reserved + amount stays within both limits (tokens are checked
   * first), recording it as reserved; otherwise refuses and records nothing.
   */
  reserve(amount: BudgetAmount, limits: BudgetLimits): LedgerReserveResult | Promise<LedgerReserveResult>;
  /** Ends a reservation with what the call really consumed: frees the reservation, books `actual`. */
  commit(reservation: LedgerReservation, actual: BudgetAmount): void | Promise<void>;
  /** Ends a reservation without booking anything (the call failed or was never sent). */
  release(reservation: LedgerReservation): void | Promise<void>;
  /** Spent and reserved totals (for a shared store: the latest it reported). */
  totals(): LedgerTotals;
  /** Forgets what was spent; reservations of calls in flight stay. */
  reset(): void | Promise<void>;
  /**
   * Optional: resolves after the next commit, release or reset, so a call that did not fit
   * because of reservations in flight can try again. Rejects with `CancelledError` when `signal`
   * aborts. Without it, a waiting budget polls every 100 ms.
   */
  settled?(signal?: AbortSignal): Promise<void>;
}

const EPSILON = 1e-9;
/** Reservation ids are unique across the in-memory ledgers of the process. */
let nextReservationId = 0;

/**
 * Which limit `used + amount` would break (tokens are checked first; money with a tolerance for
 * rounding), or undefined when it fits.
 * @param used spent (+ reserved) so far
 * @param amount the new amount
 * @param limits the limits
 */
export function exceededLimit(
  used: BudgetAmount,
  amount: BudgetAmount,
  limits: BudgetLimits,
): "tokens" | "cost" | undefined {
  if (used.tokens + amount.tokens > limits.maxTokens + EPSILON) return "tokens";
  if (used.cost + amount.cost > limits.maxCost + EPSILON) return "cost";
  return undefined;
}

/**
 * The ledger of one process: plain counters, so `reserve` is synchronous and atomic by
 * construction. `commit` and `release` ignore reservations they do not hold (already ended, or
 * from another ledger), so ending one twice cannot corrupt the books.
 *
 * @example
 * const ledger = new InMemoryBudgetLedger();
 * const budget = new Budget({ maxTokens: 100_000, ledger }); // the default when none is given
 */
export class InMemoryBudgetLedger implements BudgetLedger {
  #spentTokens = 0;
  #spentCost = 0;
  #reservedTokens = 0;
  #reservedCost = 0;
  readonly #open = new Map<string, BudgetAmount>();
  #waiters: Array<() => void> = [];

  /** Admits and records `amount`, or refuses. Synchronous. */
  reserve(amount: BudgetAmount, limits: BudgetLimits): LedgerReserveResult {
    const used = {
      tokens: this.#spentTokens + this.#reservedTokens,
      cost: this.#spentCost + this.#reservedCost,
    };
    const limit = exceededLimit(used, amount, limits);
    if (limit) return { ok: false, limit, totals: this.totals() };
    const id = `m${++nextReservationId}`;
    const reserved = { tokens: amount.tokens, cost: amount.cost };
    this.#open.set(id, reserved);
    this.#reservedTokens += reserved.tokens;
    this.#reservedCost += reserved.cost;
    return { ok: true, reservation: { id, amount: reserved } };
  }

  /** Frees the reservation and books `actual`. */
  commit(reservation: LedgerReservation, actual: BudgetAmount): void {
    if (!this.#end(reservation)) return;
    this.#spentTokens += actual.tokens;
    this.#spentCost += actual.cost;
    this.#notify();
  }

  /** Frees the reservation. */
  release(reservation: LedgerReservation): void {
    if (this.#end(reservation)) this.#notify();
  }

  /** Current totals. */
  totals(): LedgerTotals {
    return {
      spent: { tokens: this.#spentTokens, cost: this.#spentCost },
      reserved: { tokens: this.#reservedTokens, cost: this.#reservedCost },
    };
  }

  /** Forgets what was spent. */
  reset(): void {
    this.#spentTokens = 0;
    this.#spentCost = 0;
    this.#notify();
  }

  /** Resolves after the next commit, release or reset. */
  settled(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelledFrom(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        reject(cancelledFrom(signal));
      };
      const wake = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#waiters.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #end(reservation: LedgerReservation): boolean {
    const held = this.#open.get(reservation.id);
    if (held === undefined) return false;
    this.#open.delete(reservation.id);
    if (this.#open.size === 0) {
      // no drift from adding and subtracting fractions of money
      this.#reservedTokens = 0;
      this.#reservedCost = 0;
    } else {
      this.#reservedTokens -= held.tokens;
      this.#reservedCost -= held.cost;
    }
    return true;
  }

  #notify(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
