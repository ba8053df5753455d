/**
 * The BigBench-Hard harness (examples/src/bbh): task files and their split, the shipped sample,
 * the metric, the table, the command line, the scripted responses, the protocol end to end with
 * each optimizer, and the script as a child process.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "@jest/globals";
import { createContainer, ProviderError, registerLanguageModel, traced } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { ModelUnavailableError, runLogSchema } from "@trace-ts/trainer";
import { Ajv } from "ajv";
import { parseCommand, UsageError } from "../src/bbh/cli.js";
import {
  BbhDataError,
  type BbhTask,
  listTasks,
  loadTasks,
  MAX_TASK_FILE_BYTES,
  parseTaskFile,
  readTask,
  splitTask,
} from "../src/bbh/data.js";
import { answerFeedback, bbhGuide, isCorrect } from "../src/bbh/metric.js";
import { SAMPLE_DIR } from "../src/bbh/paths.js";
import { COT_TEMPLATE, Predict, PredictCoT, predictParameters } from "../src/bbh/predict.js";
import { earlierRunFiles, type OptimizerName, runProtocol, runTask } from "../src/bbh/protocol.js";
import { makeSample } from "../src/bbh/sample.js";
import {
  FIXED_COT_TEMPLATE,
  FIXED_EXTRACT_ANSWER,
  FIXED_PLAIN_TEMPLATE,
  scriptedBbhModel,
  solverReply,
  wrapsAnswer,
} from "../src/bbh/scripted.js";
import { formatAccuracyTable } from "../src/bbh/table.js";
import { runExample } from "./helpers/run-example.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trace-bbh-test-"));
  made.push(dir);
  return dir;
}

/** A task file with `n` made-up examples. */
function taskText(n: number): string {
  return JSON.stringify({
    examples: Array.from({ length: n }, (_, i) => ({ input: `q${i}`, target: `a${i}` })),
  });
}

async function dataError(promise: Promise<unknown>): Promise<BbhDataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BbhDataError);
  return error as BbhDataError;
}

const scripted = (cot: boolean) => (task: BbhTask, agent: Predict) =>
  scriptedBbhModel(task.examples, predictParameters(agent), cot);

describe("task files", () => {
  it("lists the shipped sample and splits each task in file order: 15 train, 5 validation, the rest test", async () => {
    expect(await listTasks(SAMPLE_DIR)).toEqual(["boolean_expressions", "date_arithmetic", "word_sorting"]);
    const tasks = await loadTasks(SAMPLE_DIR);
    expect(tasks.map((t) => [t.name, t.examples.length])).toEqual([
      ["boolean_expressions", 27],
      ["date_arithmetic", 24],
      ["word_sorting", 26],
    ]);
    const sizes = tasks.map((t) => {
      const s = splitTask(t);
      return [s.train.length, s.validation.length, s.test.length];
    });
    expect(sizes).toEqual([
      [15, 5, 7],
      [15, 5, 4],
      [15, 5, 6],
    ]);
    const words = tasks[2]!;
    const split = splitTask(words);
    expect(split.train.at(0)).toBe(words.examples[0]);
    expect(split.validation.at(0)).toBe(words.examples[15]);
    expect(split.test.at(0)).toBe(words.examples[20]);
    expect(split.test.at(5)).toBe(words.examples[25]);
    expect(words.examples[20]!.id).toBe("word_sorting/20");
  });

  it("reads only the tasks named, in the order given", async () => {
    const tasks = await loadTasks(SAMPLE_DIR, ["word_sorting", "boolean_expressions"]);
    expect(tasks.map((t) => t.name)).toEqual(["word_sorting", "boolean_expressions"]);
  });

  it("accepts a byte-order mark and ignores other top-level fields (the real files have a canary)", () => {
    const text = `\ufeff${JSON.stringify({ canary: "do not train on this", examples: [{ input: "1+1", target: "2" }] })}`;
    expect(parseTaskFile(text, "t.json", "t").examples).toEqual([{ id: "t/0", input: "1+1", target: "2" }]);
  });

  it("names the file and the problem for every malformed file", () => {
    const problem = (text: string) => {
      try {
        parseTaskFile(text, "/data/t.json", "t");
      } catch (error) {
        expect(error).toBeInstanceOf(BbhDataError);
        expect((error as BbhDataError).file).toBe("/data/t.json");
        return (error as Error).message;
      }
      throw new Error("expected a BbhDataError");
    };
    expect(problem("{not json")).toMatch(/^\/data\/t\.json: not valid JSON \(/);
    expect(problem("[]")).toBe('/data/t.json: expected an object {"examples": [...]}, got an array');
    expect(problem('{"data": []}')).toBe(
      '/data/t.json: no "examples" field (expected {"examples": [{"input": "...", "target": "..."}, ...]})',
    );
    expect(problem('{"examples": {}}')).toBe('/data/t.json: "examples" must be an array, got an object');
    expect(problem('{"examples": ["q"]}')).toBe(
      '/data/t.json: examples[0] must be an object {"input", "target"}, got a string',
    );
    expect(problem('{"examples": [{"input": "a", "target": "b"}, {"input": "c"}]}')).toBe(
      "/data/t.json: examples[1].target is missing (expected a string)",
    );
    expect(problem('{"examples": [{"input": "a", "target": 7}]}')).toBe(
      "/data/t.json: examples[0].target is a number (expected a string)",
    );
  });

  it("refuses a missing directory, an unknown task, a path as a name, a short task and a file over the size cap", async () => {
    const dir = tempDir();
    expect((await dataError(loadTasks(join(dir, "missing")))).message).toBe(
      `${join(dir, "missing")}: data directory not found`,
    );
    expect((await dataError(loadTasks(dir))).message).toBe(
      `${dir}: no task files (*.json) in the data directory`,
    );

    writeFileSync(join(dir, "short.json"), taskText(20));
    writeFileSync(join(dir, "ok.json"), taskText(21));
    expect((await dataError(loadTasks(dir, ["nope"]))).message).toBe(
      `${join(dir, "nope.json")}: task "nope" not found (tasks in ${dir}: ok, short)`,
    );
    expect((await dataError(loadTasks(dir, ["../ok"]))).message).toMatch(/^\.\.\/ok: not a task name/);
    expect((await dataError(loadTasks(dir, ["ok", "ok"]))).message).toBe("ok: task listed twice in --tasks");
    expect((await dataError(loadTasks(dir))).message).toBe(
      `${join(dir, "short.json")}: 20 example(s), but the protocol needs at least 21 (15 train, 5 validation, 1 or more test)`,
    );
    expect(splitTask((await loadTasks(dir, ["ok"]))[0]!).test.length).toBe(1);

    const big = join(dir, "big.json");
    writeFileSync(big, "");
    truncateSync(big, MAX_TASK_FILE_BYTES + 1); // sparse: nothing is written
    expect((await dataError(readTask(dir, "big"))).message).toBe(
      `${big}: ${MAX_TASK_FILE_BYTES + 1} bytes is larger than the limit of ${MAX_TASK_FILE_BYTES} bytes (50 MB)`,
    );
  });
});

describe("the shipped sample", () => {
  it("is what the seeded generator makes", () => {
    for (const [task, file] of Object.entries(makeSample())) {
      expect(JSON.parse(readFileSync(join(SAMPLE_DIR, `${task}.json`), "utf8"))).toEqual(file);
    }
  });

  it("has exactly computed answers", () => {
    const sample = makeSample();
    for (const e of sample.boolean_expressions.examples) {
      const expr = e.input.slice(e.input.indexOf(": ") + 2);
      const js = expr
        .replace(/True/g, "true")
        .replace(/False/g, "false")
        .replace(/\band\b/g, "&&");
      const value = new Function(
        `return ${js.replace(/\bor\b/g, "||").replace(/\bnot\b/g, "!")};`,
      )() as boolean;
      expect(e.target).toBe(value ? "True" : "False");
    }
    for (const e of sample.word_sorting.examples) {
      const words = e.input.slice(e.input.indexOf(": ") + 2).split(" ");
      expect(e.target).toBe([...words].sort().join(" "));
    }
    for (const e of sample.date_arithmetic.examples) {
      const m = /Today is (\d\d)\/(\d\d)\/(\d{4})\. What is the date (\d+) days? (after|before) today/.exec(
        e.input,
      )!;
      const date = new Date(Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2])));
      date.setUTCDate(date.getUTCDate() + (m[5] === "after" ? 1 : -1) * Number(m[4]));
      const two = (n: number) => String(n).padStart(2, "0");
      expect(e.target).toBe(
        `${two(date.getUTCMonth() + 1)}/${two(date.getUTCDate())}/${date.getUTCFullYear()}`,
      );
    }
    expect(sample.date_arithmetic.examples[0]).toEqual({
      input: "Today is 11/02/2018. What is the date 58 days before today? Answer in the format MM/DD/YYYY.",
      target: "09/05/2018",
    });
    expect(sample.boolean_expressions.examples[0]).toEqual({
      input: "Evaluate the boolean expression and answer True or False: True or not not True",
      target: "True",
    });
  });

  it("is the same for the same seed and differs for another", () => {
    expect(makeSample(7)).toEqual(makeSample(7));
    expect(makeSample(7).word_sorting).not.toEqual(makeSample(8).word_sorting);
  });
});

describe("metric", () => {
  it("compares exactly, or the last option letter for multiple-choice targets", () => {
    expect(isCorrect(" True ", "True")).toBe(true);
    expect(isCorrect("True.", "True")).toBe(false);
    expect(isCorrect("Not (A) but (B)", "(B)")).toBe(true);
    expect(isCorrect("(B) or rather (A)", "(B)")).toBe(false);
    expect(isCorrect(8, "8")).toBe(true);
  });

  it("says what was expected", async () => {
    expect(answerFeedback("True", "True")).toBe("Correct.");
    expect(answerFeedback("The answer is True.", "True")).toBe(
      'Incorrect: expected "True" but the output was "The answer is True.". The output must be exactly the expected answer, with no other words.',
    );
    expect(answerFeedback("(A)", "(C)")).toMatch(/last option letter/);
    // a long output (model text) is quoted only in part
    const long = answerFeedback("x".repeat(100_000), "y");
    expect(long.length).toBeLessThan(600);
    expect(long).toContain("more characters]");
    const guide = bbhGuide();
    expect(guide.maxScore).toBe(1);
    expect(await guide.check("x", { input: "q", target: "y" }, { index: 0 })).toEqual({
      score: 0,
      feedback: answerFeedback("x", "y"),
    });
  });
});

describe("accuracy table", () => {
  it("has the documented format", () => {
    const table = formatAccuracyTable([
      { task: "boolean_expressions", nTest: 7, before: 4 / 7, after: 1 },
      { task: "word_sorting", nTest: 6, before: 0.5, after: 2 / 6 },
      { task: "dates", nTest: 4, before: 0.25, after: 0.25 },
    ]);
    expect(table).toBe(
      [
        "| task                | n test | before |  after |   change |",
        "| :------------------ | -----: | -----: | -----: | -------: |",
        "| boolean_expressions |      7 |  57.1% | 100.0% | +42.9 pp |",
        "| word_sorting        |      6 |  50.0% |  33.3% | -16.7 pp |",
        "| dates               |      4 |  25.0% |  25.0% |   0.0 pp |",
        "| mean (3 tasks)      |     17 |  44.0% |  52.8% |  +8.7 pp |",
      ].join("\n"),
    );
  });
});

describe("command line", () => {
  it("has defaults: the sample, all tasks, optoprime, scripted", () => {
    const c = parseCommand([], {});
    expect(c).toMatchObject({
      data: SAMPLE_DIR.replace(/\/$/, ""),
      tasks: undefined,
      model: undefined,
      optimizer: "optoprime",
      cot: false,
      out: undefined,
      epochs: 1,
      steps: 5,
      batchSize: 3,
      seed: 0,
    });
  });

  it("reads every option, and TRACE_MODEL / TRACE_OPTIMIZER when the options are absent", () => {
    const c = parseCommand(
      ["--tasks", "a, b,", "--model", "openai:gpt-4o-mini", "--optimizer", "OPRO", "--cot", "--steps", "2"],
      { TRACE_MODEL: "anthropic:claude-haiku-4-5", TRACE_OPTIMIZER: "textgrad" },
    );
    expect(c).toMatchObject({
      tasks: ["a", "b"],
      model: "openai:gpt-4o-mini",
      modelSource: "--model",
      optimizer: "opro",
      cot: true,
      steps: 2,
    });
    expect(parseCommand([], { TRACE_MODEL: "gpt-4o", TRACE_OPTIMIZER: "textgrad" })).toMatchObject({
      model: "gpt-4o",
      modelSource: "TRACE_MODEL",
      optimizer: "textgrad",
    });
  });

  it("refuses bad options with a message naming them", () => {
    const message = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
      try {
        parseCommand(argv, env);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error("expected a UsageError");
    };
    expect(message(["--optimizer", "sgd"])).toBe(
      'unknown optimizer "sgd" (--optimizer); use one of optoprime, textgrad, opro',
    );
    expect(message([], { TRACE_OPTIMIZER: "adam" })).toMatch(/unknown optimizer "adam" \(TRACE_OPTIMIZER\)/);
    expect(message(["--steps", "0"])).toBe('--steps must be an integer ≥ 1, got "0"');
    expect(message(["--seed", "-1"])).toMatch(/--seed/);
    expect(message(["--epochs", "1.5"])).toBe('--epochs must be an integer ≥ 1, got "1.5"');
    expect(message(["--tasks", ","])).toBe("--tasks needs at least one task name");
    expect(message(["--frobnicate"])).toMatch(/frobnicate/);
  });
});

describe("the solver", () => {
  it("puts the question into the template and starts out returning the reply as it is", () => {
    const agent = new Predict(createContainer());
    const t = traced(agent);
    expect(t.createPrompt("Q: {question} / {question}", "2+2?").data).toBe("Q: 2+2? / 2+2?");
    expect(t.createPrompt("Be brief.", "2+2?").data).toBe("Be brief.\n\nQuestion: 2+2?");
    expect(t.extractAnswer("", "  The answer is 4. ").data).toBe("The answer is 4.");
    expect(agent.parameters()).toHaveLength(3);
  });

  it("the chain-of-thought variant reads the text after the last Answer:", async () => {
    const container = createContainer();
    const model = new ScriptedModel(["Step one.\nAnswer: maybe\nAnswer: (B)"]);
    registerLanguageModel(container, model);
    const agent = new PredictCoT(container);
    expect(agent.promptTemplate.data).toBe(COT_TEMPLATE);
    const answer = await agent.forward("Which one?");
    expect(answer.data).toBe("(B)");
    expect(model.calls[0]!.request.messages.at(-1)!.content).toContain("Question: Which one?");
    expect(traced(agent).extractAnswer("", "no marker ").data).toBe("no marker");
  });
});

describe("scripted responses", () => {
  const examples = [
    { id: "t/0", input: "Is grass green?", target: "True" },
    { id: "t/1", input: "Is grass green? Really?", target: "False" },
  ];

  it("the solver finds the (longest) question and adds words unless asked for the answer only", () => {
    expect(wrapsAnswer("Is grass green?")).toBe(true);
    expect(wrapsAnswer("Is grass green? Really?")).toBe(false);
    expect(solverReply("Question: Is grass green? Really?", examples)).toBe("False");
    expect(solverReply("Question: Is grass green?", examples)).toBe("The answer is True.");
    expect(solverReply("Answer with only the answer.\nQuestion: Is grass green?", examples)).toBe("True");
    expect(solverReply("Think step by step.\nQuestion: Is grass green?", examples)).toBe(
      "Let me work through this step by step.\nAnswer: True.",
    );
    expect(solverReply("Answer with only the answer; think step by step.\nIs grass green?", examples)).toBe(
      "Let me work through this step by step.\nAnswer: True",
    );
    expect(solverReply("Question: what?", examples)).toBe("I do not know.");
  });

  it("which answers are wrapped is fixed by the hash of the question (about two in three)", async () => {
    const tasks = await loadTasks(SAMPLE_DIR);
    const bare = tasks.map((t) => t.examples.filter((e) => !wrapsAnswer(e.input)).length);
    expect(bare).toEqual([7, 6, 7]);
  });
});

describe("the protocol, in-process with scripted responses", () => {
  function expectValidLog(path: string): string[] {
    const validate = new Ajv({
      allErrors: true,
      allowUnionTypes: true,
      formats: { "date-time": /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/ },
    }).compile(runLogSchema());
    const lines = readFileSync(path, "utf8").trim().split("\n");
    return lines.map((line) => {
      const record = JSON.parse(line) as { type: string; split?: string; label?: string };
      expect(validate(record) ? "valid" : JSON.stringify(validate.errors)).toBe("valid");
      return record.type === "eval" ? `eval:${record.split}:${record.label}` : record.type;
    });
  }

  it("raises test accuracy on every sample task, rewrites the template and extractAnswer as scripted, and logs each task", async () => {
    const out = tempDir();
    const tasks = await loadTasks(SAMPLE_DIR);
    const lines: string[] = [];
    const results = await runProtocol(tasks, { model: scripted(false), out, log: (l) => lines.push(l) });

    expect(results.map((r) => [r.task, r.before.correct, r.after.correct, r.sizes.test])).toEqual([
      ["boolean_expressions", 4, 7, 7],
      ["date_arithmetic", 1, 4, 4],
      ["word_sorting", 1, 6, 6],
    ]);
    for (const r of results) {
      expect(r.after.accuracy).toBeGreaterThanOrEqual(r.before.accuracy);
      expect(r.parameters.template.after).toBe(FIXED_PLAIN_TEMPLATE);
      expect(r.parameters.extractAnswer.after).toBe(FIXED_EXTRACT_ANSWER);
      expect(r.parameters.extractAnswer.before).not.toBe(FIXED_EXTRACT_ANSWER);
      expect(r.parameters.createPrompt.after).toBe(r.parameters.createPrompt.before);
      expect(r.steps).toBe(5);
      const types = expectValidLog(join(out, r.task, "log.jsonl"));
      expect(types[0]).toBe("run");
      expect(types[1]).toBe("eval:validation:initial");
      expect(types.filter((t) => t === "step")).toHaveLength(5);
      expect(types.at(-2)).toBe("eval:test:final");
      expect(types.at(-1)).toBe("end");
      expect(existsSync(join(out, r.task, "checkpoint.json"))).toBe(true);
      const summary = JSON.parse(readFileSync(join(out, r.task, "summary.json"), "utf8")) as Record<
        string,
        unknown
      >;
      expect(summary).toMatchObject({ task: r.task, optimizer: "OptoPrime", cot: false });
    }
    expect(lines).toContain("  test before training: 4/7 = 57.1%");
    expect(earlierRunFiles(out, tasks)).toHaveLength(6);
  });

  it.each<[OptimizerName, boolean]>([
    ["textgrad", false],
    ["opro", false],
    ["optoprime", true],
  ])("%s (chain of thought: %s) applies the scripted fix", async (optimizer, cot) => {
    const out = tempDir();
    const [task] = await loadTasks(SAMPLE_DIR, ["date_arithmetic"]);
    const r = await runTask(task!, { model: scripted(cot), optimizer, cot, out, log: () => {} });
    expect([r.before.correct, r.after.correct]).toEqual([1, 4]);
    expect(r.parameters.template.after).toBe(cot ? FIXED_COT_TEMPLATE : FIXED_PLAIN_TEMPLATE);
    expect(r.parameters.extractAnswer.after).toBe(FIXED_EXTRACT_ANSWER);
    expectValidLog(join(out, "date_arithmetic", "log.jsonl"));
  });
});

describe("a model outage during training", () => {
  it("stops the task with ModelUnavailableError naming the model error", async () => {
    const out = tempDir();
    const [task] = await loadTasks(SAMPLE_DIR, ["date_arithmetic"]);
    let calls = 0;
    const model = (t: BbhTask, agent: Predict) => {
      const answer = scripted(false)(t, agent);
      return new ScriptedModel(async (request, index) => {
        calls++;
        // the zero-shot evaluation (4 test questions) gets through; then the server is down
        if (index >= 4) return new ProviderError("connection refused (ECONNREFUSED 127.0.0.1:9)");
        return (await answer.generate(request)).text;
      });
    };
    const error = await runTask(task!, { model, out, log: () => {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as ModelUnavailableError).modelError).toMatch(/ECONNREFUSED/);
    expect(calls).toBeGreaterThan(4);
    expect(existsSync(join(out, "date_arithmetic", "summary.json"))).toBe(false);
  });
});

describe("the script (child process, scripted)", () => {
  it("runs one sample task, says it is scripted on its first line and prints the table", async () => {
    const out = tempDir();
    const run = await runExample("bbh/main.ts", ["--tasks", "word_sorting", "--out", out], {});
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("No TRACE_MODEL set: model responses are SCRIPTED (no language model is called).");
    expect(run.stdout).toContain("| task          | n test | before |  after |   change |");
    expect(run.stdout).toContain("| word_sorting  |      6 |  16.7% | 100.0% | +83.3 pp |");
    expect(run.stdout).toContain("| mean (1 task) |      6 |  16.7% | 100.0% | +83.3 pp |");
    expect(existsSync(join(out, "word_sorting", "log.jsonl"))).toBe(true);

    const again = await runExample("bbh/main.ts", ["--tasks", "word_sorting", "--out", out], {});
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already holds a run");
  }, 120_000);

  it("exits 2 with a clear message for an unknown optimizer or a missing data directory", async () => {
    const optimizer = await runExample("bbh/main.ts", ["--optimizer", "sgd"], {});
    expect(optimizer.code).toBe(2);
    expect(optimizer.stdout).toBe("");
    expect(optimizer.stderr).toContain(
      'error: unknown optimizer "sgd" (--optimizer); use one of optoprime, textgrad, opro',
    );
    const missing = join(tmpdir(), "trace-bbh-no-such-dir");
    const data = await runExample("bbh/main.ts", ["--data", missing], {});
    expect(data.code).toBe(2);
    expect(data.stderr.trim()).toBe(`error: ${missing}: data directory not found`);
  }, 120_000);
});
