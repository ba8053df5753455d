import type { ParseMeter } from "../text/scan.js";

/** `unit` repeated to exactly `n` characters: hostile model output for parser work tests. */
export function fillTo(unit: string, n: number): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** What `measureParseWork` counted. */
export interface ParseWork {
  /** Steps the parser counted on the large input. */
  readonly steps: number;
  /** Steps per character of the large input. */
  readonly stepsPerChar: number;
  /** Steps on the large input divided by steps on one a tenth its size (about 10 when linear). */
  readonly ratio: number;
}

/**
 * Counts a parser's work — the steps it records in a `ParseMeter` — on an input of `size`
 * characters and on one a tenth that size, so a test can assert linear work without timing
 * anything: `stepsPerChar` bounded and `ratio` near 10 (a quadratic parser gives about 100).
 *
 * @example
 * const work = measureParseWork((text, meter) => readSolution(text, {}, meter), (n) => fillTo("<value name=", n));
 * expect(work.stepsPerChar).toBeLessThanOrEqual(8);
 * expect(work.ratio).toBeGreaterThan(8);
 * expect(work.ratio).toBeLessThan(12);
 *
 * @param read runs the parser with the meter
 * @param make builds an input of exactly `n` characters
 * @param size the large input's length (default 1,000,000)
 * @throws RangeError when `make` does not return exactly the length asked for
 */
export function measureParseWork(
  read: (text: string, meter: ParseMeter) => unknown,
  make: (n: number) => string,
  size = 1_000_000,
): ParseWork {
  const count = (n: number): number => {
    const text = make(n);
    if (text.length !== n)
      throw new RangeError(`measureParseWork: make(${n}) gave ${text.length} characters`);
    const meter = { steps: 0 };
    read(text, meter);
    return meter.steps;
  };
  const steps = count(size);
  const small = count(Math.floor(size / 10));
  return { steps, stepsPerChar: steps / size, ratio: steps / Math.max(1, small) };
}
