/**
 * A small discrete-time simulator of one signalized intersection with two approaches, north–south
 * and east–west. Time advances in whole seconds. Each second, in this order:
 *
 * 1. arrivals: on each approach one vehicle arrives with the approach's probability (Bernoulli
 *    arrivals drawn from a seeded `Rng`, north–south first, whatever the signal shows, so two plans
 *    simulated with the same seed see exactly the same vehicles);
 * 2. departures: an approach that shows green gains `saturationFlow` vehicles of discharge
 *    capacity and lets queued vehicles leave, first come first served, while a whole vehicle of
 *    capacity is available. Capacity does not carry over into red, and an empty queue holds at
 *    most one vehicle of it.
 *
 * The fixed cycle is: north–south green, `allRed` seconds of amber/all-red, east–west green,
 * `allRed` seconds again. A vehicle's wait is its departure second minus its arrival second (0
 * when it arrives on green to an empty queue and capacity is there). Vehicles still queued at the
 * horizon count the time they have waited so far, so a plan cannot look good by leaving a queue.
 *
 * Pure: the same scenario, plan and seed always give the same result.
 */
import { Rng } from "@trace-ts/trainer";

/** The two approaches of the intersection. */
export const DIRECTIONS = ["northSouth", "eastWest"] as const;

/** One approach of the intersection. */
export type Direction = (typeof DIRECTIONS)[number];

/** How each approach is named in text. */
export const DIRECTION_LABELS: Readonly<Record<Direction, string>> = {
  northSouth: "north–south",
  eastWest: "east–west",
};

/** The fixed part of a simulation: demand, discharge rate, lost time and length. */
export interface Scenario {
  /** Probability that a vehicle arrives in a given second, per approach (0…1). */
  readonly arrivalRate: Readonly<Record<Direction, number>>;
  /** Vehicles per second that leave a queue while its approach is green (> 0). */
  readonly saturationFlow: number;
  /** Seconds of amber/all-red after each green, when no approach may go (integer ≥ 0). */
  readonly allRed: number;
  /** Seconds simulated (positive integer). */
  readonly horizon: number;
}

/** The signal timing: green seconds per approach (positive integers). */
export type SignalPlan = Readonly<Record<Direction, number>>;

/** Delay statistics of one approach (or of both together). */
export interface DelayStats {
  /** Vehicles that arrived during the horizon. */
  readonly arrived: number;
  /** Vehicles that went through the intersection (the throughput). */
  readonly departed: number;
  /** Mean wait in seconds over every arrived vehicle (0 when none arrived). */
  readonly meanWait: number;
  /** Longest wait in seconds of any arrived vehicle. */
  readonly maxWait: number;
  /** Vehicles still waiting at the horizon. */
  readonly queueAtEnd: number;
}

/** What one simulation measured. */
export interface SimulationResult {
  /** Seconds in one signal cycle (both greens plus twice the all-red time). */
  readonly cycle: number;
  /** Seconds simulated. */
  readonly horizon: number;
  /** Statistics per approach. */
  readonly byDirection: Readonly<Record<Direction, DelayStats>>;
  /** Statistics over both approaches together. */
  readonly overall: DelayStats;
}

/** A scenario, plan or seed the simulator cannot run. */
export class SimulationConfigError extends Error {
  /**
   * @param field the offending setting
   * @param problem what is wrong with it
   */
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`traffic simulator: ${field} ${problem}`);
    this.name = "SimulationConfigError";
  }
}

function requireInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new SimulationConfigError(field, `must be an integer ≥ ${min}, got ${value}`);
}

function check(scenario: Scenario, plan: SignalPlan, seed: number): void {
  for (const d of DIRECTIONS) {
    const rate = scenario.arrivalRate[d];
    if (!(rate >= 0 && rate <= 1))
      throw new SimulationConfigError(`arrivalRate.${d}`, `must be a probability in [0, 1], got ${rate}`);
    requireInteger(`plan.${d}`, plan[d], 1);
  }
  if (!(scenario.saturationFlow > 0 && Number.isFinite(scenario.saturationFlow)))
    throw new SimulationConfigError(
      "saturationFlow",
      `must be a positive number, got ${scenario.saturationFlow}`,
    );
  requireInteger("allRed", scenario.allRed, 0);
  requireInteger("horizon", scenario.horizon, 1);
  requireInteger("seed", seed, 0);
}

/** Which approach shows green at `second` (undefined during all-red). */
export function greenAt(second: number, plan: SignalPlan, allRed: number): Direction | undefined {
  const cycle = plan.northSouth + plan.eastWest + 2 * allRed;
  const t = second % cycle;
  if (t < plan.northSouth) return "northSouth";
  const eastWestStart = plan.northSouth + allRed;
  if (t >= eastWestStart && t < eastWestStart + plan.eastWest) return "eastWest";
  return undefined;
}

/** One approach while the simulation runs. */
class Approach {
  /** Arrival seconds of queued vehicles; `head` is the first still waiting. */
  readonly #queue: number[] = [];
  #head = 0;
  #capacity = 0;
  departed = 0;
  #waitSum = 0;
  #maxWait = 0;

  arrive(second: number): void {
    this.#queue.push(second);
  }

  discharge(second: number, green: boolean, flow: number): void {
    if (!green) {
      this.#capacity = 0;
      return;
    }
    this.#capacity += flow;
    while (this.#capacity >= 1 && this.#head < this.#queue.length) {
      this.#record(second - this.#queue[this.#head]!);
      this.#head++;
      this.departed++;
      this.#capacity -= 1;
    }
    if (this.#head === this.#queue.length) this.#capacity = Math.min(this.#capacity, 1);
  }

  #record(wait: number): void {
    this.#waitSum += wait;
    if (wait > this.#maxWait) this.#maxWait = wait;
  }

  /** Statistics at the horizon; queued vehicles count their wait so far. */
  stats(horizon: number): { stats: DelayStats; waitSum: number } {
    let waitSum = this.#waitSum;
    let maxWait = this.#maxWait;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const waited = horizon - this.#queue[i]!;
      waitSum += waited;
      if (waited > maxWait) maxWait = waited;
    }
    const arrived = this.#queue.length;
    return {
      waitSum,
      stats: {
        arrived,
        departed: this.departed,
        meanWait: arrived === 0 ? 0 : waitSum / arrived,
        maxWait,
        queueAtEnd: arrived - this.departed,
      },
    };
  }
}

/**
 * Simulates the intersection for `scenario.horizon` seconds under `plan`.
 *
 * @param scenario demand, saturation flow, all-red time and horizon
 * @param plan green seconds per approach
 * @param seed seed of the arrivals (a non-negative integer)
 * @throws SimulationConfigError for a rate outside [0, 1], a non-integer or non-positive green,
 *   horizon or seed, a negative or non-integer all-red time, or a non-positive saturation flow
 */
export function simulate(scenario: Scenario, plan: SignalPlan, seed: number): SimulationResult {
  check(scenario, plan, seed);
  const rng = Rng.fromSeed(seed);
  const approaches: Record<Direction, Approach> = { northSouth: new Approach(), eastWest: new Approach() };
  for (let second = 0; second < scenario.horizon; second++) {
    for (const d of DIRECTIONS) if (rng.next() < scenario.arrivalRate[d]) approaches[d].arrive(second);
    const green = greenAt(second, plan, scenario.allRed);
    for (const d of DIRECTIONS) approaches[d].discharge(second, green === d, scenario.saturationFlow);
  }
  const ns = approaches.northSouth.stats(scenario.horizon);
  const ew = approaches.eastWest.stats(scenario.horizon);
  const arrived = ns.stats.arrived + ew.stats.arrived;
  return {
    cycle: plan.northSouth + plan.eastWest + 2 * scenario.allRed,
    horizon: scenario.horizon,
    byDirection: { northSouth: ns.stats, eastWest: ew.stats },
    overall: {
      arrived,
      departed: ns.stats.departed + ew.stats.departed,
      meanWait: arrived === 0 ? 0 : (ns.waitSum + ew.waitSum) / arrived,
      maxWait: Math.max(ns.stats.maxWait, ew.stats.maxWait),
      queueAtEnd: ns.stats.queueAtEnd + ew.stats.queueAtEnd,
    },
  };
}
