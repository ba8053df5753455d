/**
 * The run-time clock of one call: it runs only while QuickJS executes the call's code (inside
 * `evalCode`, `callFunction`, `executePendingJobs` and promise settlement), and stops while the host
 * works for the code (a helper, a node read) or awaits an async helper. The engine's interrupt
 * handler asks it whether to stop the code.
 */

/** Why the code must stop: its run time, its wall-clock time, or the call was cancelled. */
export type ClockLimit = "cpu" | "wall" | "cancel";

/** Run-time and wall-clock accounting of one call. */
export class RunClock {
  readonly #cpuMs: number;
  readonly #wallDeadline: number;
  #usedMs = 0;
  #since = 0;
  #depth = 0;
  #exceeded: ClockLimit | undefined;

  /**
   * @param cpuMs run-time budget in milliseconds (Infinity: none)
   * @param wallMs wall-clock budget of the whole call in milliseconds, from now (Infinity: none)
   */
  constructor(cpuMs: number, wallMs: number) {
    this.#cpuMs = cpuMs;
    this.#wallDeadline = Number.isFinite(wallMs) ? performance.now() + wallMs : Number.POSITIVE_INFINITY;
  }

  /** The limit that was exceeded, once the interrupt handler has seen it. */
  get exceeded(): ClockLimit | undefined {
    return this.#exceeded;
  }

  /** Run time used so far, in milliseconds. */
  get usedMs(): number {
    return this.#depth > 0 ? this.#usedMs + (performance.now() - this.#since) : this.#usedMs;
  }

  /** Milliseconds left of the wall-clock budget (Infinity when there is none). */
  wallRemainingMs(): number {
    return this.#wallDeadline - performance.now();
  }

  /** QuickJS starts executing for the call (nests). */
  start(): void {
    if (this.#depth++ === 0) this.#since = performance.now();
  }

  /** QuickJS stops executing for the call (pairs with {@link start}). */
  stop(): void {
    if (this.#depth === 0) return;
    if (--this.#depth === 0) this.#usedMs += performance.now() - this.#since;
  }

  /**
   * Whether the code must be stopped now: its run time is over `cpuMs` or the call's wall-clock
   * deadline has passed. Remembers which (see {@link exceeded}).
   */
  shouldInterrupt(): boolean {
    if (this.#exceeded !== undefined) return true;
    const now = performance.now();
    const used = this.#depth > 0 ? this.#usedMs + (now - this.#since) : this.#usedMs;
    if (used > this.#cpuMs) this.#exceeded = "cpu";
    else if (now > this.#wallDeadline) this.#exceeded = "wall";
    return this.#exceeded !== undefined;
  }

  /** Makes the interrupt handler stop the code at its next check (the call was abandoned). */
  cancel(): void {
    this.#exceeded ??= "cancel";
  }
}
