/**
 * Seeded pseudo-random numbers for shuffling and sampling.
 *
 * The generator is **xoshiro128\*\*** (Blackman and Vigna, 2018), seeded through a 32-bit
 * SplitMix-style mixer. Why this one:
 * - it is small and well studied (passes the BigCrush and PractRand test batteries) and needs only
 *   32-bit integer arithmetic (`Math.imul`, shifts), so it is exact and fast in JavaScript;
 * - its whole state is four 32-bit integers, which a checkpoint stores as a JSON array and restores
 *   exactly, so a resumed run draws the same numbers as an uninterrupted one;
 * - its period is 2^128 − 1: unlike a generator with a single 32-bit state (e.g. mulberry32, at
 *   most 2^32 distinct streams), the number of reachable shuffles is not capped by the state size.
 *
 * It is not cryptographically secure; do not use it for secrets.
 */
import { InvalidOptionError } from "@trace-ts/core";

/** The JSON form of a generator's state (`Rng.state()` / `Rng.fromState()`). */
export interface RngState {
  /** Always `xoshiro128**`. */
  readonly algorithm: "xoshiro128**";
  /** The four 32-bit state words, each an integer in [0, 2^32). */
  readonly state: readonly [number, number, number, number];
}

const TWO_32 = 2 ** 32;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** SplitMix-style 32-bit mixer: turns a counter into well-distributed words for seeding. */
function splitmix32(stateRef: { value: number }): number {
  stateRef.value = (stateRef.value + 0x9e3779b9) >>> 0;
  let z = stateRef.value;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * A seeded random number generator (xoshiro128**). Same seed, same numbers, on every platform;
 * `state()` captures the position exactly so a run can continue after a restart.
 *
 * @example
 * const rng = Rng.fromSeed(42);
 * const order = rng.permutation(10);
 * const saved = rng.state();            // store in a checkpoint
 * const again = Rng.fromState(saved);   // continues exactly where `rng` is
 */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  private constructor(s0: number, s1: number, s2: number, s3: number) {
    this.#s0 = s0 >>> 0;
    this.#s1 = s1 >>> 0;
    this.#s2 = s2 >>> 0;
    this.#s3 = s3 >>> 0;
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1; // the all-zero state is a fixed point
  }

  /**
   * A generator seeded with an integer in [0, 2^53).
   * @param seed the seed (the same seed always gives the same numbers)
   */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new InvalidOptionError("Rng.fromSeed()", "seed", `must be an integer in [0, 2^53), got ${seed}`);
    }
    const low = (seed % TWO_32) >>> 0;
    const high = Math.floor(seed / TWO_32) >>> 0;
    const counter = { value: low };
    if (high !== 0) counter.value = (counter.value ^ splitmix32({ value: high })) >>> 0;
    const s0 = splitmix32(counter);
    const s1 = splitmix32(counter);
    const s2 = splitmix32(counter);
    const s3 = splitmix32(counter);
    return new Rng(s0, s1, s2, s3);
  }

  /**
   * A generator continuing from a saved state.
   * @param state what `state()` returned (possibly in another process)
   */
  static fromState(state: RngState): Rng {
    const words = state?.state;
    if (
      state?.algorithm !== "xoshiro128**" ||
      !Array.isArray(words) ||
      words.length !== 4 ||
      !words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32)
    ) {
      throw new InvalidOptionError(
        "Rng.fromState()",
        "state",
        'must be { algorithm: "xoshiro128**", state: [four integers in [0, 2^32)] } as returned by state()',
      );
    }
    return new Rng(words[0]!, words[1]!, words[2]!, words[3]!);
  }

  /** The generator's exact position, as JSON. */
  state(): RngState {
    return { algorithm: "xoshiro128**", state: [this.#s0, this.#s1, this.#s2, this.#s3] };
  }

  /** An independent copy at the same position. */
  clone(): Rng {
    return new Rng(this.#s0, this.#s1, this.#s2, this.#s3);
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    this.#s2 = (this.#s2 ^ this.#s0) >>> 0;
    this.#s3 = (this.#s3 ^ this.#s1) >>> 0;
    this.#s1 = (this.#s1 ^ this.#s2) >>> 0;
    this.#s0 = (this.#s0 ^ this.#s3) >>> 0;
    this.#s2 = (this.#s2 ^ t) >>> 0;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** A number in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / TWO_32;
  }

  /**
   * An integer in [0, n), without modulo bias (rejection sampling).
   * @param n exclusive upper bound, an integer in [1, 2^32]
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) {
      throw new RangeError(`Rng.int(n): n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /**
   * Shuffles `items` in place (Fisher–Yates) and returns it.
   * @param items the array to shuffle
   */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /**
   * A random order of `0 … n-1`.
   * @param n how many indices
   */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /**
   * `k` distinct indices from `0 … n-1`, in random order (all of them, shuffled, when k ≥ n).
   * @param n size of the pool
   * @param k how many to draw
   */
  sample(n: number, k: number): number[] {
    return this.permutation(n).slice(0, Math.max(0, Math.min(k, n)));
  }
}
