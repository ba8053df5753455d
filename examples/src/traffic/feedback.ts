/**
 * What the optimizer is told about one simulation: the delay statistics per approach and overall,
 * and a score. The score is the negative overall mean wait in seconds (higher is better; 0 would
 * mean nobody ever waited).
 */
import {
  type DelayStats,
  DIRECTION_LABELS,
  DIRECTIONS,
  type SignalPlan,
  type SimulationResult,
} from "./simulator.js";

/** The score of a simulation: minus the overall mean wait per vehicle, in seconds. */
export function score(result: SimulationResult): number {
  return -result.overall.meanWait;
}

/** Seconds with one decimal. */
export function seconds(value: number): string {
  return `${value.toFixed(1)} s`;
}

function describeStats(label: string, s: DelayStats): string {
  return (
    `${label}: ${s.arrived} vehicles arrived, ${s.departed} went through, mean wait ${seconds(s.meanWait)}, ` +
    `longest wait ${s.maxWait} s, ${s.queueAtEnd} still queued at the end.`
  );
}

/**
 * The feedback text for one simulation under `plan`: the timing, one line per approach, the
 * overall line with the score, and what to aim for.
 *
 * @param result what the simulator measured
 * @param plan the green times that were simulated
 * @param allRed the all-red seconds after each green
 */
export function delayFeedback(result: SimulationResult, plan: SignalPlan, allRed: number): string {
  return [
    `Simulated ${result.horizon} s with green north–south ${plan.northSouth} s and east–west ${plan.eastWest} s ` +
      `(cycle ${result.cycle} s including ${allRed} s all-red after each green).`,
    ...DIRECTIONS.map((d) => describeStats(DIRECTION_LABELS[d], result.byDirection[d])),
    `${describeStats("Overall", result.overall)} Score ${score(result).toFixed(1)} ` +
      "(the negative mean wait per vehicle; higher is better).",
    "Lower the overall mean wait per vehicle; a queue that keeps growing means its approach gets too little green.",
  ].join("\n");
}
