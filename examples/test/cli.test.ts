/** The examples' shared command-line helpers. */
import { describe, expect, it } from "@jest/globals";
import { integerOption, parseOptions, UsageError } from "../src/cli.js";

describe("parseOptions", () => {
  const spec = { steps: { type: "string" }, fast: { type: "boolean" } } as const;

  it("reads options in both spellings", () => {
    expect(parseOptions(["--steps", "3", "--fast"], spec)).toEqual({ steps: "3", fast: true });
    expect(parseOptions(["--steps=4"], spec)).toEqual({ steps: "4" });
  });

  it("names the argument in every refusal", () => {
    const refusal = (argv: string[]) => {
      try {
        parseOptions(argv, spec);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error("expected a UsageError");
    };
    expect(refusal(["--slow"])).toBe('unknown argument "--slow"');
    expect(refusal(["--steps"])).toBe("--steps needs a value");
    expect(refusal(["--steps", "--fast"])).toBe("--steps needs a value");
    expect(refusal(["extra"])).toBe('unknown argument "extra"');
  });
});

describe("integerOption", () => {
  it("gives the default when absent and checks digits and range", () => {
    expect(integerOption("--n", undefined, 7, 1, 10)).toBe(7);
    expect(integerOption("--n", " 10 ", 7, 1, 10)).toBe(10);
    expect(() => integerOption("--n", "11", 7, 1, 10)).toThrow(
      '--n must be an integer from 1 to 10, got "11"',
    );
    expect(() => integerOption("--n", "-1", 7, 0)).toThrow('--n must be an integer ≥ 0, got "-1"');
    expect(() => integerOption("--n", "2.5", 7, 0)).toThrow(UsageError);
    expect(() => integerOption("--n", "1e3", 7, 0)).toThrow(UsageError);
  });
});
