import { describe, expect, it } from "@jest/globals";
import { InvalidOptionError } from "@trace-ts/core";
import { Rng } from "@trace-ts/trainer";

describe("Rng (xoshiro128**)", () => {
  it("matches the reference algorithm (vector from a C implementation, state 1,2,3,4)", () => {
    const rng = Rng.fromState({ algorithm: "xoshiro128**", state: [1, 2, 3, 4] });
    const out = Array.from({ length: 8 }, () => rng.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
    expect(rng.state().state).toEqual([857776784, 3957087773, 2428778008, 3837013768]);
  });

  it("gives the same numbers for the same seed and different ones for another seed", () => {
    const a = Rng.fromSeed(42);
    const b = Rng.fromSeed(42);
    const c = Rng.fromSeed(43);
    const xs = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(xs);
    // seeds above 2^32 use the high bits too
    expect(Rng.fromSeed(2 ** 40 + 5).nextUint32()).not.toBe(Rng.fromSeed(5).nextUint32());
  });

  it("continues exactly from a saved state (JSON round trip)", () => {
    const rng = Rng.fromSeed(7);
    for (let i = 0; i < 13; i++) rng.next();
    const saved = JSON.parse(JSON.stringify(rng.state()));
    const restored = Rng.fromState(saved);
    expect(Array.from({ length: 10 }, () => restored.int(1000))).toEqual(
      Array.from({ length: 10 }, () => rng.int(1000)),
    );
  });

  it("shuffles into a permutation, deterministically", () => {
    const p = Rng.fromSeed(1).permutation(50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Rng.fromSeed(1).permutation(50)).toEqual(p);
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("draws integers without modulo bias (roughly uniform) and in range", () => {
    const rng = Rng.fromSeed(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
    for (let i = 0; i < 1000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(rng.sample(10, 3)).toHaveLength(3);
    expect(new Set(rng.sample(10, 10)).size).toBe(10);
  });

  it("refuses bad seeds and states", () => {
    expect(() => Rng.fromSeed(-1)).toThrow(InvalidOptionError);
    expect(() => Rng.fromSeed(1.5)).toThrow(InvalidOptionError);
    expect(() =>
      Rng.fromState({
        algorithm: "xoshiro128**",
        state: [1, 2, 3] as unknown as [number, number, number, number],
      }),
    ).toThrow(InvalidOptionError);
    expect(() => Rng.fromSeed(1).int(0)).toThrow(RangeError);
  });
});
