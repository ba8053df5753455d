/**
 * The optimizer conformance suite: behaviour every trace-ts optimizer must share (values of each
 * type applied, code validated, exceptions and several outputs shown to the model, malformed
 * answers and model failures leaving parameters untouched, cancellation, state round trips).
 *
 * It is independent of any test runner: `optimizerConformanceChecks(adapter)` returns named async
 * checks that throw `ConformanceFailure` when the optimizer misbehaves. Under jest or vitest:
 *
 * ```ts
 * for (const check of optimizerConformanceChecks(adapter)) it(check.name, check.run);
 * ```
 *
 * or without a runner: `const results = await runOptimizerConformance(adapter)`.
 *
 * The suite is versioned (`CONFORMANCE_SUITE_VERSION`); an optimizer that passed an older version
 * may fail a newer one. Version 2 (the shared optimizer kernel) added: every request carries a
 * `purpose` that the report's calls repeat (the report no longer has `prompts`/`responses`);
 * unusable answers end with `errorCode` `UNUSABLE_ANSWER`; failed calls are recorded with their
 * error code; `proposeCandidates()` returns distinct samples without changing anything.
 */
import { bundle } from "../bundle/bundle.js";
import { ExecutionError } from "../errors/execution-error.js";
import { TraceError } from "../errors/trace-error.js";
import { graphScope } from "../graph/context.js";
import { node } from "../graph/create.js";
import { describeError, ExceptionNode, MessageNode, type Node, ParameterNode } from "../graph/node.js";
import { CancelledError, ProviderError } from "../llm/errors.js";
import type { GenerateRequest, LanguageModel } from "../llm/types.js";
import { multiply } from "../ops/arithmetic.js";
import { concat } from "../ops/string.js";
import { OptimizerStateError } from "../optim/errors.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { StepReport } from "../optim/report.js";
import { ScriptedModel, type ScriptedResponse } from "./scripted-model.js";

/**
 * Version of the suite's checks: 2 since the shared optimizer kernel (see the module comment for
 * what changed since 1).
 */
export const CONFORMANCE_SUITE_VERSION = 2;

/** Settings the suite passes when it builds an optimizer. */
export interface ConformanceOptimizerOptions {
  /** Re-asks after an unusable answer the optimizer must allow (the suite uses 1 or 2). */
  readonly maxRetries: number;
}

/**
 * Tells the suite how to build one optimizer and how to script a model for it. The suite never
 * looks at prompts itself: the adapter knows its optimizer's request and answer formats.
 */
export interface ConformanceAdapter {
  /** Shown in check names, e.g. `TextGrad`. */
  readonly name: string;
  /**
   * Builds the optimizer under test for `parameters`, asking `model`, with the given re-ask limit.
   */
  create(
    parameters: readonly ParameterNode[],
    model: LanguageModel,
    options: ConformanceOptimizerOptions,
  ): Optimizer;
  /**
   * The answer to `request` that makes the optimizer end up suggesting `values` (key in the
   * problem → value as the model would write it; text for code). Called for every request of a
   * step, so an optimizer that makes several kinds of calls answers each kind here.
   */
  suggest(request: GenerateRequest, values: Readonly<Record<string, unknown>>): ScriptedResponse;
  /** An answer to `request` the optimizer cannot use (it must re-ask, then give up). */
  malformed(request: GenerateRequest): ScriptedResponse;
}

/** One named check; `run()` resolves when the optimizer conforms and throws otherwise. */
export interface ConformanceCheck {
  /** What is checked, e.g. `numeric parameter: the suggested number is applied`. */
  readonly name: string;
  /** Runs the check; throws `ConformanceFailure` (or the optimizer's own error) on failure. */
  run(): Promise<void>;
}

/** Outcome of one check in `runOptimizerConformance`. */
export interface ConformanceResult {
  /** The check's name. */
  readonly name: string;
  /** Whether it passed. */
  readonly passed: boolean;
  /** Why it failed. */
  readonly error?: unknown;
}

/** An optimizer did not behave as the conformance suite requires. */
export class ConformanceFailure extends TraceError {
  /**
   * @param adapter the adapter's name
   * @param message what was expected and what happened
   */
  constructor(adapter: string, message: string) {
    super("OPTIMIZER_CONFORMANCE", `${adapter}: ${message}`);
  }
}

/**
 * The conformance checks for one optimizer. Each check builds its own graph (in a fresh naming
 * scope), its own `ScriptedModel` and its own optimizer, so checks can run in any order.
 *
 * @param adapter builds the optimizer and scripts its model
 */
export function optimizerConformanceChecks(adapter: ConformanceAdapter): ConformanceCheck[] {
  const t = new Checker(adapter);
  const check = (name: string, body: () => Promise<void>): ConformanceCheck => ({
    name,
    run: () => graphScope(body),
  });
  return [
    check("numeric parameter: the suggested number is applied and the constraint is shown", async () => {
      const p = node(3, {
        trainable: true,
        name: "factor",
        description: "multiplier of the input",
        constraint: "an integer between 1 and 20 (CONSTRAINT-7Q)",
      });
      const out = multiply(p, 2);
      const { report, model, optimizer } = await t.step([p], [[out, "The result should be 16, not 6."]], {
        [p.key]: 8,
      });
      t.noError(report);
      t.equal(p.data, 8, "the number parameter's new value");
      t.equal(
        report.applied.map((a) => [a.key, a.before, a.after]),
        [[p.key, 3, 8]],
        "report.applied (key, before, after)",
      );
      t.reportIsComplete(report, model, optimizer);
      t.sawText(model, "The result should be 16, not 6.", "the output's feedback");
      t.sawText(model, "CONSTRAINT-7Q", "the parameter's constraint");
    }),
    check("string parameter: the suggested text is applied", async () => {
      const s = node("Hello", { trainable: true, name: "greeting", description: "how the reply starts" });
      const out = concat(s, ", Ada");
      const { report, model, optimizer } = await t.step([s], [[out, "Greet in French."]], {
        [s.key]: "Bonjour",
      });
      t.noError(report);
      t.equal(s.data, "Bonjour", "the string parameter's new value");
      t.equal(report.applied.length, 1, "number of applied changes");
      t.reportIsComplete(report, model, optimizer);
    }),
    check("code parameter: new source that compiles is applied", async () => {
      const code = codeParameter("function double(x) {\n  return x + 1;\n}", "double");
      const x = node(4, { name: "x" });
      const out = new MessageNode(5, { op: "double", inputs: { __code: code, x } });
      const fixed = "function double(x) {\n  return x * 2;\n}";
      const { report, model, optimizer } = await t.step(
        [code],
        [[out, "double(4) returned 5; it must return 8."]],
        { [code.key]: fixed },
      );
      t.noError(report);
      t.equal(code.data, fixed, "the code parameter's new source");
      t.reportIsComplete(report, model, optimizer);
    }),
    check(
      "code parameter: source that does not compile is refused, re-asked, then nothing changes",
      async () => {
        const original = "function double(x) {\n  return x + 1;\n}";
        const code = codeParameter(original, "double");
        const x = node(4, { name: "x" });
        const out = new MessageNode(5, { op: "double", inputs: { __code: code, x } });
        const broken = "function double(x) {\n  return x * ;\n}";
        const { report, model, optimizer } = await t.step(
          [code],
          [[out, "double(4) returned 5; it must return 8."]],
          { [code.key]: broken },
          { maxRetries: 1 },
        );
        t.hasError(report);
        t.equal(
          code.data,
          original,
          "the code parameter after a step whose only suggestion does not compile",
        );
        t.equal(report.applied.length, 0, "number of applied changes");
        t.atLeast(model.callCount, 2, "model calls (the optimizer must re-ask once after a compile error)");
        t.reportIsComplete(report, model, optimizer);
      },
    ),
    check(
      "exception feedback: an ExceptionNode output is shown to the model and its code is fixed",
      async () => {
        const code = codeParameter(
          "function total(items) {\n  return items.reduce((a, b) => a + b, 0);\n}",
          "total",
        );
        const items = node("1,2,3", { name: "items" });
        const error = new TypeError("items.reduce is not a function (ERR-3K)");
        const failure = new ExceptionNode({ op: "total", inputs: { __code: code, items }, error });
        const fixed =
          "function total(items) {\n  return String(items).split(',').map(Number).reduce((a, b) => a + b, 0);\n}";
        const { report, model, optimizer } = await t.step([code], [[failure, failure.errorFeedback()]], {
          [code.key]: fixed,
        });
        t.noError(report);
        t.equal(code.data, fixed, "the code parameter's new source");
        t.sawText(model, "items.reduce is not a function (ERR-3K)", "the exception's message");
        t.reportIsComplete(report, model, optimizer);
      },
    ),
    check("bundled function: an ExecutionError becomes feedback and the rewritten code runs", async () => {
      const total = bundle(
        function total(items: string): number {
          return (items as unknown as number[]).reduce((a, b) => a + b, 0);
        },
        { trainable: true, description: "sum of the comma-separated numbers in items" },
      );
      const code = total.parameter!;
      let output: Node;
      try {
        output = total(node("1,2,3", { name: "items" }));
      } catch (error) {
        if (!(error instanceof ExecutionError)) throw error;
        output = error.exceptionNode;
      }
      t.ok(output instanceof ExceptionNode, "the buggy bundle must fail (test setup)");
      const fixed =
        "function total(items) {\n  return items.split(',').map(Number).reduce((a, b) => a + b, 0);\n}";
      const { report, model, optimizer } = await t.step(
        [code],
        [[output, (output as ExceptionNode).errorFeedback()]],
        { [code.key]: fixed },
      );
      t.noError(report);
      t.sawText(model, "items.reduce is not a function", "the exception's message");
      t.equal(total(node("1,2,3")).data, 6, "the bundle's result after the step (its new code must run)");
      t.reportIsComplete(report, model, optimizer);
    }),
    check(
      "malformed model output: re-asked, then an error in the report and parameters untouched",
      async () => {
        const p = node(3, { trainable: true, name: "factor" });
        const s = node("Hello", { trainable: true, name: "greeting" });
        const out = concat(s, multiply(p, 2));
        const model = new ScriptedModel((request) => adapter.malformed(request));
        const optimizer = adapter.create([p, s], model, { maxRetries: 1 });
        optimizer.zeroFeedback();
        optimizer.backward(out, "Make it longer.");
        const report = await optimizer.step();
        t.hasError(report);
        t.equal([p.data, s.data, p.version, s.version], [3, "Hello", 0, 0], "parameter values and versions");
        t.equal(report.applied.length, 0, "number of applied changes");
        t.equal(report.errorCode, "UNUSABLE_ANSWER", "report.errorCode after unusable answers");
        t.atLeast(model.callCount, 2, "model calls (the optimizer must re-ask once with maxRetries: 1)");
        t.reportIsComplete(report, model, optimizer);
      },
    ),
    check("malformed model output once: the re-ask's answer is applied", async () => {
      const p = node(3, { trainable: true, name: "factor" });
      const out = multiply(p, 2);
      let first = true;
      const model = new ScriptedModel((request) => {
        if (first) {
          first = false;
          return adapter.malformed(request);
        }
        return adapter.suggest(request, { [p.key]: 8 });
      });
      const optimizer = adapter.create([p], model, { maxRetries: 2 });
      optimizer.zeroFeedback();
      optimizer.backward(out, "The result should be 16.");
      const report = await optimizer.step();
      t.noError(report);
      t.equal(p.data, 8, "the parameter after one malformed answer and a good one");
      t.reportIsComplete(report, model, optimizer);
    }),
    check("several outputs with different feedback: each feedback reaches the model", async () => {
      const s = node("Hi", { trainable: true, name: "greeting" });
      const a = concat(s, " Ann");
      const b = concat(s, " Bob");
      const { report, model, optimizer } = await t.step(
        [s],
        [
          [a, "Ann wanted a longer greeting (FEEDBACK-ANN-41)."],
          [b, "Bob wanted a formal greeting (FEEDBACK-BOB-73)."],
        ],
        { [s.key]: "Good morning" },
      );
      t.noError(report);
      t.equal(s.data, "Good morning", "the parameter's new value");
      t.sawText(model, "FEEDBACK-ANN-41", "the first output's feedback");
      t.sawText(model, "FEEDBACK-BOB-73", "the second output's feedback");
      t.reportIsComplete(report, model, optimizer);
    }),
    check("propose(): suggests without changing parameters; apply() changes them", async () => {
      const p = node(3, { trainable: true, name: "factor" });
      const out = multiply(p, 2);
      const model = new ScriptedModel((request) => adapter.suggest(request, { [p.key]: 8 }));
      const optimizer = adapter.create([p], model, { maxRetries: 1 });
      optimizer.zeroFeedback();
      optimizer.backward(out, "The result should be 16.");
      const proposal = await optimizer.propose();
      t.equal([p.data, p.version], [3, 0], "the parameter after propose()");
      t.equal(proposal.updates.get(p), 8, "the proposed value");
      optimizer.apply(proposal.updates, proposal.keys);
      t.equal(p.data, 8, "the parameter after apply()");
    }),
    check("proposeCandidates(): distinct samples, nothing changed until one is applied", async () => {
      const p = node(3, { trainable: true, name: "factor" });
      const out = multiply(p, 2);
      // the model answers each sample differently: a cache or a shared in-flight request that
      // collapsed the samples would make the candidates equal
      const model = new ScriptedModel((request) =>
        adapter.suggest(request, { [p.key]: 8 + (request.sample ?? 0) }),
      );
      const optimizer = adapter.create([p], model, { maxRetries: 1 });
      optimizer.zeroFeedback();
      optimizer.backward(out, "The result should be 16.");
      const candidates = await optimizer.proposeCandidates(3);
      t.equal(candidates.length, 3, "number of candidates");
      t.equal([p.data, p.version], [3, 0], "the parameter after proposeCandidates()");
      const values = candidates.map((c) => c.updates.get(p) as number).sort((a, b) => a - b);
      t.equal(values, [8, 9, 10], "the candidates' values (one per sample index)");
      optimizer.observeScores(candidates.map((proposal, i) => ({ proposal, score: i })));
      t.equal([p.data, p.version], [3, 0], "the parameter after observeScores()");
      const best = candidates.find((c) => c.updates.get(p) === 10)!;
      optimizer.apply(best.updates, best.keys);
      t.equal(p.data, 10, "the parameter after applying the chosen candidate");
    }),
    check("model failure: an error in the report and parameters untouched", async () => {
      const p = node(3, { trainable: true, name: "factor" });
      const out = multiply(p, 2);
      const model = new ScriptedModel(
        () => new ProviderError("the provider is down (OUTAGE-5)", { status: 503, retryable: false }),
      );
      const optimizer = adapter.create([p], model, { maxRetries: 1 });
      optimizer.zeroFeedback();
      optimizer.backward(out, "The result should be 16.");
      const report = await optimizer.step();
      t.hasError(report);
      t.equal(report.errorCode, "LLM_PROVIDER", "report.errorCode (the model error's code)");
      t.ok(
        report.calls.some((c) => c.errorCode === "LLM_PROVIDER"),
        "the failed call in report.calls must carry the model error's code (errorCode LLM_PROVIDER)",
      );
      t.equal([p.data, p.version], [3, 0], "the parameter after a failed model call");
      t.reportIsComplete(report, model, optimizer);
    }),
    check("cancellation: aborting the signal rejects step() with CancelledError", async () => {
      const p = node(3, { trainable: true, name: "factor" });
      const out = multiply(p, 2);
      const model = new ScriptedModel((request) => adapter.suggest(request, { [p.key]: 8 }), {
        latencyMs: 200,
      });
      const optimizer = adapter.create([p], model, { maxRetries: 1 });
      optimizer.zeroFeedback();
      optimizer.backward(out, "The result should be 16.");
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error("stopped by the test")), 20);
      let thrown: unknown;
      try {
        await optimizer.step({ signal: controller.signal });
      } catch (error) {
        thrown = error;
      } finally {
        clearTimeout(timer);
      }
      t.ok(
        thrown instanceof CancelledError,
        `step() must reject with CancelledError when its signal aborts, got ${thrown === undefined ? "a report" : describeError(thrown)}`,
      );
      t.equal([p.data, p.version], [3, 0], "the parameter after a cancelled step");
    }),
    check("state: JSON round trip into a fresh optimizer, which then keeps working", async () => {
      const p = node(3, { trainable: true, name: "factor" });
      const first = await t.step([p], [[multiply(p, 2), "The result should be 16."]], { [p.key]: 8 });
      t.noError(first.report);
      const saved: unknown = JSON.parse(JSON.stringify(first.optimizer.state()));
      const model = new ScriptedModel((request) => adapter.suggest(request, { [p.key]: 9 }));
      const fresh = adapter.create([p], model, { maxRetries: 1 });
      fresh.loadState(saved);
      t.equal(fresh.steps, 1, "steps of the fresh optimizer after loadState");
      t.equal(JSON.parse(JSON.stringify(fresh.state())), saved, "state() of the fresh optimizer");
      let refused: unknown;
      try {
        fresh.loadState({ ...(saved as object), optimizer: `not-${first.optimizer.name}` });
      } catch (error) {
        refused = error;
      }
      t.ok(
        refused instanceof OptimizerStateError,
        "loadState() must refuse another optimizer's state with OptimizerStateError",
      );
      fresh.zeroFeedback();
      fresh.backward(multiply(p, 2), "The result should be 18.");
      const report = await fresh.step();
      t.noError(report);
      t.equal([p.data, report.step], [9, 2], "parameter value and step number after loading and stepping");
    }),
  ];
}

/** Runs every check of `optimizerConformanceChecks(adapter)` one after another and reports each. */
export async function runOptimizerConformance(adapter: ConformanceAdapter): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const c of optimizerConformanceChecks(adapter)) {
    try {
      await c.run();
      results.push({ name: c.name, passed: true });
    } catch (error) {
      results.push({ name: c.name, passed: false, error });
    }
  }
  return results;
}

/**
 * A code parameter like the ones `bundle` makes: `info.code` is set and the validator refuses
 * source that does not compile or renames the function.
 */
function codeParameter(source: string, name: string): ParameterNode<string> {
  return new ParameterNode(source, {
    name: "__code",
    description: `the source code of the function ${name}`,
    constraint: `keep the function's name (${name}) and its parameters`,
    info: { code: true },
    validate: (candidate) => compileProblem(candidate, name),
  });
}

function compileProblem(candidate: unknown, name: string): string | undefined {
  if (typeof candidate !== "string") return "the source code must be text";
  let fn: unknown;
  try {
    fn = new Function(`"use strict";\nreturn (${candidate}\n);`)();
  } catch (error) {
    return `the source does not compile: ${describeError(error)}`;
  }
  if (typeof fn !== "function") return "the source is not a function";
  if (fn.name !== name) return `the function must keep its name ${name}, got ${fn.name || "(anonymous)"}`;
  return undefined;
}

/** The steps and assertions the checks share. */
class Checker {
  readonly #adapter: ConformanceAdapter;

  constructor(adapter: ConformanceAdapter) {
    this.#adapter = adapter;
  }

  /** Builds an optimizer with a model that suggests `values`, sends the feedback, and steps once. */
  async step(
    parameters: readonly ParameterNode[],
    feedback: ReadonlyArray<readonly [Node, string]>,
    values: Readonly<Record<string, unknown>>,
    options: { readonly maxRetries?: number } = {},
  ): Promise<{ report: StepReport; model: ScriptedModel; optimizer: Optimizer }> {
    const model = new ScriptedModel((request) => this.#adapter.suggest(request, values));
    const optimizer = this.#adapter.create(parameters, model, { maxRetries: options.maxRetries ?? 2 });
    optimizer.zeroFeedback();
    for (const [output, text] of feedback) optimizer.backward(output, text);
    const report = await optimizer.step();
    return { report, model, optimizer };
  }

  fail(message: string): never {
    throw new ConformanceFailure(this.#adapter.name, message);
  }

  ok(condition: boolean, message: string): void {
    if (!condition) this.fail(message);
  }

  equal(actual: unknown, expected: unknown, what: string): void {
    const a = canonicalJson(actual);
    const e = canonicalJson(expected);
    if (a !== e) this.fail(`${what}: expected ${e}, got ${a}`);
  }

  atLeast(actual: number, min: number, what: string): void {
    if (!(actual >= min)) this.fail(`${what}: expected at least ${min}, got ${actual}`);
  }

  noError(report: StepReport): void {
    if (report.error !== undefined) this.fail(`the step report has an error: ${report.error}`);
    if (report.rejected.length > 0) {
      this.fail(`the step report rejected changes: ${canonicalJson(report.rejected)}`);
    }
  }

  hasError(report: StepReport): void {
    if (typeof report.error !== "string" || report.error.trim() === "") {
      this.fail("the step report must have a non-empty error explaining why nothing was changed");
    }
  }

  /** The report names the optimizer and holds every model call that was made, with its prompt. */
  reportIsComplete(report: StepReport, model: ScriptedModel, optimizer: Optimizer): void {
    this.equal(report.optimizer, optimizer.name, "report.optimizer");
    this.equal(
      report.calls.length,
      model.callCount,
      "number of calls in the report vs calls the model received",
    );
    const purposes = model.calls.map((c) => c.request.purpose);
    this.ok(
      purposes.every((p) => typeof p === "string" && p.trim() !== ""),
      "every request must carry a purpose (the optimizer stage that made it)",
    );
    this.equal(
      report.calls.map((c) => c.purpose).sort(),
      [...(purposes as string[])].sort(),
      "the purposes of report.calls vs the purposes of the requests the model received",
    );
    this.equal(report.usage.calls, report.calls.length, "report.usage.calls");
    const sent = model.calls.map((c) => canonicalJson(c.request.messages)).sort();
    const reported = report.calls.map((c) => canonicalJson(c.messages)).sort();
    this.ok(
      sent.every((m, i) => m === reported[i]),
      "every prompt the model received must appear in report.calls (and nothing else)",
    );
  }

  /** Some message sent to the model contains `text`. */
  sawText(model: ScriptedModel, text: string, what: string): void {
    const seen = model.calls.some((c) => c.request.messages.some((m) => m.content.includes(text)));
    this.ok(seen, `${what} (${JSON.stringify(text)}) must appear in a prompt sent to the model`);
  }
}

/** JSON with object keys sorted, for order-independent comparison. */
function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        const sorted: Record<string, unknown> = {};
        for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
        return sorted;
      }
      return v;
    }) ?? String(value)
  );
}
