/**
 * Messages a new user meets: the optimizer registry lists its names, a missing API key names the
 * model, no doubled punctuation when sub-messages end with a period, and syntax errors in
 * suggested code as a plain sentence instead of swc's list of expected tokens.
 */
import { describe, expect, it } from "@jest/globals";
import {
  bundle,
  CodeCompileError,
  createContainer,
  MissingApiKeyError,
  ModelCallFailedError,
  NoOptimizerError,
  node,
  Optimizer,
  optimizerFromEnv,
  type ParameterNode,
  type Proposal,
  registerOptimizer,
  StateFormatError,
  StateMismatchError,
  StateValueError,
  UnusableAnswerError,
  useOptimizer,
} from "@trace-ts/core";
import { registeredOptimizers } from "@trace-ts/core/optimizer";
import { providerFailureToError } from "@trace-ts/core/provider";
import { clause } from "../../src/errors/clause.js";

const DOUBLED = /\.\.(?!\.)|\.;|;\.|\.,|\.:/;

/** An optimizer that never changes anything (only its registration matters here). */
class Idle extends Optimizer {
  readonly name = "Idle";
  async propose(): Promise<Proposal> {
    return { updates: new Map(), suggestion: {}, rejected: [], terminate: false, calls: [] };
  }
}

describe("TRACE_OPTIMIZER names what is registered", () => {
  const factory = (parameters: readonly ParameterNode[]) => new Idle(parameters);

  it("lists the names registered in the container and its ancestors", () => {
    const parent = createContainer();
    registerOptimizer(parent, factory, { name: "optoprime" });
    const child = createContainer(parent);
    registerOptimizer(child, factory, { name: "textgrad", asDefault: false });
    expect(registeredOptimizers(child)).toEqual(["optoprime", "textgrad"]);
    expect(registeredOptimizers(parent)).toEqual(["optoprime"]);
    expect(registeredOptimizers(createContainer())).toEqual([]);

    const error = (() => {
      try {
        optimizerFromEnv(child, { TRACE_OPTIMIZER: "Foo" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NoOptimizerError);
    expect((error as NoOptimizerError).code).toBe("NO_OPTIMIZER");
    expect((error as Error).message).toBe(
      "TRACE_OPTIMIZER=foo: no optimizer named 'foo' is registered (registered: optoprime, textgrad); " +
        "use one of those, or register it with registerOptimizer(container, factory, { name: 'foo' })",
    );
    expect(() => useOptimizer(createContainer(), "opro")).toThrow(
      /no optimizer named 'opro' is registered \(no optimizer is registered by name in this container\)/,
    );
    // a known name still works
    expect(optimizerFromEnv(child, { TRACE_OPTIMIZER: "textgrad" })).toBe(child);
  });
});

describe("MissingApiKeyError", () => {
  it("carries and names the model when it is known", () => {
    const error = new MissingApiKeyError("OPENAI_API_KEY", "openai", "gpt-4o-mini");
    expect(error.modelId).toBe("gpt-4o-mini");
    expect(error.provider).toBe("openai");
    expect(error.message).toBe(
      'no API key for provider "openai" (model gpt-4o-mini): set the OPENAI_API_KEY environment variable, or pass apiKey explicitly',
    );
    expect(new MissingApiKeyError("X_KEY", "p").message).toMatch(
      /^no API key for provider "p": set the X_KEY/,
    );
  });
});

describe("no doubled punctuation", () => {
  it("clause() drops a trailing period, semicolon, comma or colon, and keeps an ellipsis", () => {
    expect(clause("Unexpected token. ")).toBe("Unexpected token");
    expect(clause("a;")).toBe("a");
    expect(clause("wait...")).toBe("wait...");
    expect(clause("plain")).toBe("plain");
  });

  it("known messages built from sub-messages that end with a period", () => {
    const messages = [
      new StateFormatError("the state is odd."),
      new StateFormatError("the file is gone.", { advice: "Check the path." }),
      new StateMismatchError("Agent", ["x"], [], ["y is code in the model but a value in the state."]),
      new StateValueError(["a was rejected: too long.", "b was rejected: not a number."]),
      new ModelCallFailedError("OptoPrime", "propose", new Error("Service unavailable.")),
      new UnusableAnswerError("OptoPrime", "propose", ["no JSON object.", "bad key."], 2),
      new CodeCompileError("f", "something is wrong."),
      providerFailureToError(
        {
          kind: "http",
          error: new Error("Incorrect API key provided."),
          status: 401,
          headers: undefined,
          message: "Incorrect API key provided.",
        },
        { provider: "openai", modelId: "gpt-4o-mini", baseURL: "http://127.0.0.1:1", timeoutMs: 1000 },
      ),
    ].map((e) => e.message);
    for (const message of messages) expect(message).not.toMatch(DOUBLED);
    expect(messages[0]).toBe(
      "the state is odd. Pass the object returned by state() (or its JSON text); nothing was changed.",
    );
    expect(messages[4]).toMatch(/failed: Error: Service unavailable\. Nothing was changed/);
  });
});

describe("syntax errors in suggested code", () => {
  const add = bundle((a: number, b: number): number => a + b, { trainable: true, name: "add" });

  it.each([
    // swc: "Unexpected token `ident`. Expected ... , *,  (, [, :, , ?, = or an identifier"
    ["add a, b) { return a + b; }", /: unexpected `a` at column 5\. Fix/],
    ["function add a, b) { return a + b; }", /expected `\(` but found `a` at column 14/],
    ["(a, b) => { return [a, b; }", /expected `,` but found `;` at column 25/],
    ["(a, b) => { if (a { return b; } }", /expected `\)` but found `\{` at column 19/],
  ])("%s reads as a plain sentence with the column and the token", (source, expected) => {
    const reason = add.parameter!.validate(source);
    expect(reason).toMatch(/does not compile \(line 1\): /);
    expect(reason).toMatch(expected);
    // no list of expected tokens in swc's words
    expect(reason).not.toMatch(/Expected \.\.\.|Unexpected token|, \*,/);
    expect(reason).not.toMatch(DOUBLED);
  });

  it("the compile error keeps its line and annotated source", () => {
    let error: unknown;
    try {
      add.setSource("(a, b) => {\n  return a +;\n}");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CodeCompileError);
    expect((error as CodeCompileError).line).toBe(2);
    expect((error as CodeCompileError).message).toMatch(/\(line 2\): expression expected at column 13/);
  });
});

it("node() is still usable here (keeps the import list honest)", () => {
  expect(node(1).data).toBe(1);
});
