/**
 * Pure helpers of `paretoSearch`'s candidate pool: per-example fronts, wins, parent weights,
 * seeded sampling by weight, and ancestry (which candidate descends from which).
 *
 * Per-example values are the objective's value of each candidate's metrics on one example of the
 * Pareto set, higher is better; `null` marks an example the candidate has no value on (a model
 * outage kept it from running, or the value was not finite) and loses to any number.
 */
import type { Rng } from "../data/rng.js";

/** @internal A candidate's per-example values on the Pareto set (`null`: no value). */
export type ExampleValues = readonly (number | null)[];

const orNone = (v: number | null | undefined): number =>
  v === null || v === undefined ? Number.NEGATIVE_INFINITY : v;

/**
 * @internal The front of each Pareto example: the candidates with the highest value on it (all of
 * them on a tie). An example no candidate has a value on has an empty front.
 * @param values each candidate's per-example values (candidate × example)
 * @param examples how many examples the Pareto set has
 * @returns per example, the positions (into `values`) on its front, ascending
 */
export function exampleFronts(values: readonly ExampleValues[], examples: number): number[][] {
  const fronts: number[][] = [];
  for (let e = 0; e < examples; e++) {
    let top = Number.NEGATIVE_INFINITY;
    let front: number[] = [];
    values.forEach((row, c) => {
      const v = orNone(row[e]);
      if (v === Number.NEGATIVE_INFINITY) return;
      if (v > top) {
        top = v;
        front = [c];
      } else if (v === top) front.push(c);
    });
    fronts.push(front);
  }
  return fronts;
}

/**
 * @internal Each candidate's wins: the number of Pareto examples on whose front it is.
 * @param fronts what `exampleFronts` returned
 * @param candidates how many candidates there are
 */
export function winCounts(fronts: readonly (readonly number[])[], candidates: number): number[] {
  const wins = new Array<number>(candidates).fill(0);
  for (const front of fronts) for (const c of front) wins[c]!++;
  return wins;
}

/**
 * @internal Whether candidate `a` dominates `b` on the Pareto examples: at least as good on every
 * example and better on one.
 * @param a one candidate's per-example values
 * @param b another's
 */
export function dominatesOnExamples(a: ExampleValues, b: ExampleValues): boolean {
  let strictly = false;
  const n = Math.max(a.length, b.length);
  for (let e = 0; e < n; e++) {
    const x = orNone(a[e]);
    const y = orNone(b[e]);
    if (x < y) return false;
    if (x > y) strictly = true;
  }
  return strictly;
}

/**
 * @internal Parent-sampling weights: each candidate's wins, except 0 for a candidate another one
 * dominates on the Pareto examples (its wins are ties the dominating candidate shares). A
 * candidate with no wins is never a parent.
 * @param values each candidate's per-example values
 * @param examples how many examples the Pareto set has
 */
export function parentWeights(values: readonly ExampleValues[], examples: number): number[] {
  const wins = winCounts(exampleFronts(values, examples), values.length);
  return wins.map((w, c) =>
    w === 0 || values.some((other, d) => d !== c && dominatesOnExamples(other, values[c]!)) ? 0 : w,
  );
}

/**
 * @internal A position drawn with probability proportional to its weight (one `rng.int` draw).
 * All weights zero: uniform over all positions.
 * @param weights non-negative integer weights
 * @param rng the run's generator
 */
export function sampleByWeight(weights: readonly number[], rng: Rng): number {
  if (weights.length === 0) throw new RangeError("sampleByWeight: no weights");
  const total = weights.reduce((s, w) => s + w, 0);
  if (total <= 0) return rng.int(weights.length);
  let r = rng.int(total);
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

/**
 * @internal Distance (in generations) from `id` to each of its ancestors, itself at 0.
 * @param parents each candidate's parent ids, indexed by id
 * @param id the candidate
 */
export function ancestry(parents: readonly (readonly number[])[], id: number): Map<number, number> {
  const distance = new Map<number, number>([[id, 0]]);
  let layer = [id];
  for (let d = 1; layer.length > 0; d++) {
    const next: number[] = [];
    for (const c of layer) {
      for (const p of parents[c] ?? []) {
        if (!distance.has(p)) {
          distance.set(p, d);
          next.push(p);
        }
      }
    }
    layer = next;
  }
  return distance;
}

/**
 * @internal The nearest common ancestor of two candidates: the common ancestor with the smallest
 * sum of distances to both (ties: the most recent, i.e. highest id); undefined when they share none.
 * @param parents each candidate's parent ids, indexed by id
 * @param a one candidate id
 * @param b another
 */
export function nearestCommonAncestor(
  parents: readonly (readonly number[])[],
  a: number,
  b: number,
): number | undefined {
  const fromA = ancestry(parents, a);
  const fromB = ancestry(parents, b);
  let best: number | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [id, da] of fromA) {
    const db = fromB.get(id);
    if (db === undefined) continue;
    const d = da + db;
    if (d < bestDistance || (d === bestDistance && id > best!)) {
      best = id;
      bestDistance = d;
    }
  }
  return best;
}
