/**
 * Optimizing a number: a shipping quote `base + rate × weight` whose `rate` is trainable. Each
 * step quotes three parcels, tells the optimizer for each how far off the quote was, and lets
 * OptoPrime propose a new rate.
 */
import {
  createContainer,
  createOptimizer,
  type LanguageModel,
  type MessageNode,
  node,
  ops,
  type ParameterNode,
  registerLanguageModel,
  type StepReport,
} from "@trace-ts/core";
import { registerOptoPrime } from "@trace-ts/optoprime";

/** Parcels with the price the carrier actually charges. */
export const PARCELS: readonly { readonly kg: number; readonly price: number }[] = [
  { kg: 2, price: 10 },
  { kg: 4, price: 15 },
  { kg: 10, price: 30 },
];
const BASE = 5;
const TOLERANCE = 0.01;

/** The traced quote for one parcel. */
export function quote(rate: ParameterNode<number>, kg: number): MessageNode<number> {
  return ops.add(BASE, ops.multiply(rate, kg));
}

/** Feedback for one quote: correct, or how far off and in which direction. */
export function priceFeedback(quoted: number, expected: number, kg: number): string {
  const diff = quoted - expected;
  if (Math.abs(diff) <= TOLERANCE) return "Correct.";
  return `Quoted ${quoted.toFixed(2)} for ${kg} kg; the carrier charges ${expected.toFixed(2)} (too ${diff < 0 ? "low" : "high"} by ${Math.abs(diff).toFixed(2)}).`;
}

/** What a run did. */
export interface NumericRun {
  /** The trained rate parameter. */
  readonly rate: ParameterNode<number>;
  /** The rate after each step (starting value first). */
  readonly rates: readonly number[];
  /** The optimizer's step reports. */
  readonly reports: readonly StepReport[];
}

/** Trains the rate until every quote is right (or `steps` run out). */
export async function trainRate(options: {
  /** The model, or a function building it from the rate parameter's key. */
  model: LanguageModel | ((rateKey: string) => LanguageModel);
  steps?: number;
  log?: (line: string) => void;
}): Promise<NumericRun> {
  const log = options.log ?? ((l: string) => console.log(l));
  const rate = node(1, {
    trainable: true,
    name: "rate",
    description: "price per kilogram, added to a fixed base price of 5",
    constraint: "a positive number",
  });
  const container = createContainer();
  registerLanguageModel(
    container,
    typeof options.model === "function" ? options.model(rate.key) : options.model,
  );
  registerOptoPrime(container, { objective: "Quote the price the carrier charges for every parcel." });
  const optimizer = createOptimizer([rate], container);
  const rates = [rate.data];
  const reports: StepReport[] = [];
  for (let step = 1; step <= (options.steps ?? 5); step++) {
    optimizer.zeroFeedback();
    const quotes = PARCELS.map((p) => quote(rate, p.kg));
    const feedback = quotes.map((q, i) => priceFeedback(q.data, PARCELS[i]!.price, PARCELS[i]!.kg));
    log(`rate = ${rate.data}: ${feedback.join(" | ")}`);
    if (feedback.every((f) => f === "Correct.")) {
      log("All quotes are right.");
      break;
    }
    for (const [i, q] of quotes.entries()) optimizer.backward(q, feedback[i]!);
    const report = await optimizer.step();
    reports.push(report);
    rates.push(rate.data);
    if (report.error) log(`step ${report.step}: nothing applied (${report.error})`);
  }
  return { rate, rates, reports };
}
