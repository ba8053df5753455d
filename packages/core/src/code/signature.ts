import { SignatureChangedError } from "./errors.js";
import type { FunctionShape } from "./parse.js";

/** A readable signature such as `async add(a, b = 2, ...rest)` or `(x) =>`. */
export function signatureText(shape: FunctionShape): string {
  const params = shape.params.map((p) => p.text).join(", ");
  const prefix = shape.isAsync ? "async " : "";
  if (shape.kind === "arrow") return `${prefix}(${params}) =>`;
  const star = shape.isGenerator ? "*" : "";
  const keyword = shape.kind === "function" ? "function " : "";
  return `${prefix}${keyword}${star}${shape.name ?? ""}(${params})`;
}

/** The parameter names as inputs are named: identifiers as they are, patterns `arg<i>`, rest `...name`. */
export function parameterList(shape: FunctionShape): string {
  return shape.params.map((p, i) => `${p.rest ? "..." : ""}${p.name ?? `arg${i}`}`).join(", ");
}

/**
 * Checks that `candidate` keeps `expected`'s signature: the same parameters (names, order, rest),
 * the same async and generator kind, and the same name when both are named. Default values may
 * change; so may the way the function is written (method, function or arrow).
 *
 * @throws SignatureChangedError naming the first difference
 */
export function checkSignature(name: string, expected: FunctionShape, candidate: FunctionShape): void {
  const fail = (problem: string): never => {
    throw new SignatureChangedError(name, signatureText(expected), signatureText(candidate), problem);
  };
  if (expected.isAsync !== candidate.isAsync)
    fail(expected.isAsync ? "it must stay async" : "it must not be async");
  if (expected.isGenerator !== candidate.isGenerator)
    fail(expected.isGenerator ? "it must stay a generator" : "it must not be a generator");
  if (expected.name !== undefined && candidate.name !== undefined && expected.name !== candidate.name)
    fail(`the name must stay ${expected.name}`);
  if (expected.params.length !== candidate.params.length)
    fail(`it must have ${expected.params.length} parameter(s), not ${candidate.params.length}`);
  expected.params.forEach((e, i) => {
    const c = candidate.params[i]!;
    if (e.rest !== c.rest) fail(`parameter ${i + 1} must ${e.rest ? "" : "not "}be a rest parameter`);
    if (e.name !== c.name) {
      fail(
        e.name === undefined
          ? `parameter ${i + 1} must stay a destructuring pattern`
          : `parameter ${i + 1} must be named ${e.name}`,
      );
    }
  });
}
