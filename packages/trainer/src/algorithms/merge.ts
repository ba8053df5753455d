/**
 * Merging two candidates parameter by parameter (`paretoSearch`'s merge steps): keep what each
 * one changed relative to their nearest common ancestor.
 */
import { sameValue } from "@trace-ts/core/optimizer";
import type { Rng } from "../data/rng.js";
import type { Snapshot } from "../snapshot.js";

/**
 * @internal Merges two candidates' values. Per parameter: where they agree, that value; where one
 * still has the ancestor's value, the other's (the one that changed it); otherwise the value of
 * the candidate with more wins (a tie is decided by one `rng.int(2)` draw for that parameter).
 * @param a the first candidate's values
 * @param b the second candidate's values
 * @param ancestor their nearest common ancestor's values
 * @param winsA the first candidate's wins
 * @param winsB the second's
 * @param rng the run's generator (drawn from only on a tie)
 */
export function mergeSnapshots(
  a: Snapshot,
  b: Snapshot,
  ancestor: Snapshot,
  winsA: number,
  winsB: number,
  rng: Rng,
): Snapshot {
  if (a.length !== b.length || a.length !== ancestor.length)
    throw new RangeError(
      `mergeSnapshots: snapshots of ${a.length}, ${b.length} and ${ancestor.length} values`,
    );
  return a.map((x, i) => {
    const y = b[i];
    if (sameValue(x, y)) return x;
    if (sameValue(x, ancestor[i])) return y;
    if (sameValue(y, ancestor[i])) return x;
    if (winsA !== winsB) return winsA > winsB ? x : y;
    return rng.int(2) === 0 ? x : y;
  });
}
