/** Summary statistics of the search benchmark (means, percentiles, medians with misses). */

/**
 * The mean of numbers (NaN for none).
 * @param xs the numbers
 */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
}

/**
 * The `q`-quantile of numbers, interpolating linearly between order statistics (NaN for none).
 * @param xs the numbers
 * @param q in [0, 1] (0.25: first quartile)
 */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = q * (s.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
}

/**
 * The median of counts where null means "never" (larger than any count): null when the median
 * falls on a miss, i.e. when at least half of the values are misses.
 * @param xs counts, null for a miss
 */
export function medianWithMisses(xs: readonly (number | null)[]): number | null {
  if (xs.length === 0) return null;
  const s = xs.map((x) => x ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const m = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return Number.isFinite(m) ? m : null;
}
