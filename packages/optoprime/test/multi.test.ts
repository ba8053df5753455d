import { describe, expect, it } from "@jest/globals";
import {
  CancelledError,
  type GenerateRequest,
  InvalidOptionError,
  node,
  ops,
  RateLimitError,
} from "@trace-ts/core";
import { responseCache, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrimeMulti, type OptoPrimeMultiDetails, readChoice, withValues } from "@trace-ts/optoprime";
import { answer } from "./helpers/answers.js";

const isSelection = (req: GenerateRequest) => req.purpose === "select";

function details(report: { details?: Readonly<Record<string, unknown>> }): OptoPrimeMultiDetails {
  return report.details as OptoPrimeMultiDetails;
}

/** Answers candidate calls by temperature (0 → 10, 0.5 → 20, 1 → 30) and the selection call with `choice`. */
function multiModel(key: string, choice: unknown) {
  return new ScriptedModel((req) => {
    if (isSelection(req)) return JSON.stringify({ reasoning: "compared", choice });
    return answer({ [key]: 10 + (req.temperature ?? 0) * 20 }, `t=${req.temperature}`);
  });
}

describe("OptoPrimeMulti", () => {
  it("by default asks 5 candidates at temperatures falling from 1.3 to 0 and takes the last", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const model = multiModel(x.key, 1);
    const opt = new OptoPrimeMulti([x], { model });
    opt.backward(ops.add(x, 1), "bigger");
    const report = await opt.step();
    expect(model.callCount).toBe(5);
    expect(model.calls.some((c) => isSelection(c.request))).toBe(false);
    const byPurpose = Object.fromEntries(model.calls.map((c) => [c.request.purpose, c.request.temperature]));
    expect(byPurpose).toEqual({
      "candidate 1": 1.3,
      "candidate 2": 0.975,
      "candidate 3": 0.65,
      "candidate 4": 0.325,
      "candidate 5": 0,
    });
    expect(x.data).toBe(10); // candidate 5, temperature 0
    expect(details(report).selection).toBe("last");
    expect(details(report).chosen).toBe(5);
    expect(report.calls.map((c) => c.purpose).sort()).toEqual([
      "candidate 1",
      "candidate 2",
      "candidate 3",
      "candidate 4",
      "candidate 5",
    ]);
  });

  it('selection "last" skips unusable last candidates, without a selection call', async () => {
    const x = node(1, { trainable: true });
    const model = new ScriptedModel((req) =>
      req.purpose === "candidate 4" ? "no idea" : answer({ [x.key]: Number(req.purpose?.slice(-1)) * 10 }),
    );
    const opt = new OptoPrimeMulti([x], { model, candidates: 4, maxRetries: 0, selection: "last" });
    opt.backward(ops.add(x, 1), "bigger");
    const report = await opt.step();
    expect(model.callCount).toBe(4);
    expect(model.calls.some((c) => isSelection(c.request))).toBe(false);
    expect(x.data).toBe(30);
    expect(details(report).chosen).toBe(3);
    expect(details(report).candidates[3]!.error).toMatch(/no usable answer/);
    expect(report.error).toBeUndefined();
  });

  it('selection "last" keeps a usable last answer that changes nothing, as the reference does', async () => {
    const x = node(1, { trainable: true });
    const model = new ScriptedModel((req) =>
      req.purpose === "candidate 2" ? answer({}) : answer({ [x.key]: 9 }),
    );
    const opt = new OptoPrimeMulti([x], { model, candidates: 2 });
    opt.backward(ops.add(x, 1), "fine as it is");
    const report = await opt.step();
    expect(x.data).toBe(1);
    expect(report.applied).toEqual([]);
    expect(report.error).toBeUndefined();
    expect(details(report)).toMatchObject({ selection: "last", chosen: 2 });
  });

  it('selection "model" asks the default 5 candidates, then makes one selection call', async () => {
    const x = node(1, { trainable: true });
    const model = multiModel(x.key, 2);
    const opt = new OptoPrimeMulti([x], { model, selection: "model" });
    opt.backward(ops.add(x, 1), "bigger");
    const report = await opt.step();
    expect(model.callCount).toBe(6);
    expect(model.calls.filter((c) => isSelection(c.request))).toHaveLength(1);
    expect(x.data).toBe(10 + 0.975 * 20);
    expect(details(report)).toMatchObject({ selection: "model", chosen: 2 });
  });

  it("temperatureRange spreads the candidates from its first value to its second", async () => {
    const x = node(1, { trainable: true });
    const model = multiModel(x.key, 1);
    const opt = new OptoPrimeMulti([x], { model, candidates: 4, temperatureRange: [0.2, 0.8] });
    opt.backward(ops.add(x, 1), "bigger");
    await opt.step();
    const byPurpose = Object.fromEntries(model.calls.map((c) => [c.request.purpose, c.request.temperature]));
    expect(byPurpose).toEqual({
      "candidate 1": 0.2,
      "candidate 2": 0.4,
      "candidate 3": 0.6,
      "candidate 4": 0.8,
    });
    expect(x.data).toBe(10 + 0.8 * 20);
  });

  it("asks for n candidates at spread temperatures, then lets the model choose", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const model = multiModel(x.key, 2);
    const opt = new OptoPrimeMulti([x], {
      model,
      candidates: 3,
      temperatureRange: [0, 1],
      selection: "model",
    });
    opt.backward(ops.add(x, 1), "bigger");
    const report = await opt.step();
    const candidateCalls = model.calls.filter((c) => !isSelection(c.request));
    expect(candidateCalls.map((c) => c.request.temperature).sort()).toEqual([0, 0.5, 1]);
    // candidate 1 is an ordinary request; the others carry sample indices (kept apart by caches)
    expect(
      Object.fromEntries(candidateCalls.map((c) => [c.request.purpose, c.request.sample ?? null])),
    ).toEqual({
      "candidate 1": null,
      "candidate 2": 1,
      "candidate 3": 2,
    });
    const select = model.calls.find((c) => isSelection(c.request))!;
    const selectPrompt = select.request.messages[1]!.content;
    expect(selectPrompt).toContain("#Feedback\nFeedback on ");
    expect(selectPrompt).toContain(`#Candidates\nCandidate 1:\n${x.key} (new value) = 10\nReasoning: t=0`);
    expect(selectPrompt).toContain(`Candidate 2:\n${x.key} (new value) = 20`);
    expect(selectPrompt).toContain(`Candidate 3:\n${x.key} (new value) = 30`);
    expect(selectPrompt).not.toContain("Reply now with the JSON object described in the instructions.\n");
    expect(select.request.temperature).toBe(0);
    expect(x.data).toBe(20);
    expect(report.optimizer).toBe("OptoPrimeMulti");
    expect(report.reasoning).toBe("t=0.5");
    const d = details(report);
    expect(d.selection).toBe("model");
    expect(d.chosen).toBe(2);
    expect(d.candidates.map((c) => c.suggestion)).toEqual([
      { [x.key]: 10 },
      { [x.key]: 20 },
      { [x.key]: 30 },
    ]);
    expect(report.calls.map((c) => c.purpose).sort()).toEqual([
      "candidate 1",
      "candidate 2",
      "candidate 3",
      "select",
    ]);
  });

  it("chooses by a score function instead, restoring values after each score", async () => {
    const x = node(1, { trainable: true, name: "x" });
    const model = multiModel(x.key, 1);
    const seen: number[] = [];
    const opt = new OptoPrimeMulti([x], {
      model,
      candidates: 3,
      temperatureRange: [0, 1],
      score: (updates) =>
        withValues(updates, () => {
          seen.push(x.data);
          return 100 - Math.abs(ops.multiply(x, 2).data - 40); // wants x = 20
        }),
    });
    opt.backward(ops.add(x, 1), "bigger");
    const report = await opt.step();
    expect(model.calls.some((c) => isSelection(c.request))).toBe(false);
    expect(seen.sort()).toEqual([10, 20, 30]);
    expect(x.data).toBe(20);
    const d = details(report);
    expect(d.selection).toBe("score");
    expect(d.chosen).toBe(2);
    const byCandidate = Object.fromEntries(d.candidates.map((c, i) => [c.temperature, d.scores![i]]));
    expect(byCandidate).toEqual({ 0: 80, 0.5: 100, 1: 80 });
  });

  it("a score that throws rules that candidate out; if all fail, nothing changes", async () => {
    const x = node(1, { trainable: true });
    const model = multiModel(x.key, 1);
    const opt = new OptoPrimeMulti([x], {
      model,
      candidates: 2,
      temperatureRange: [0, 1],
      score: (updates) => {
        if (updates.get(x) === 10) throw new Error("crashed");
        return 1;
      },
    });
    opt.backward(ops.add(x, 1), "bigger");
    await opt.step();
    expect(x.data).toBe(30);

    x.data = 1;
    const failing = new OptoPrimeMulti([x], { model, candidates: 2, score: () => Number.NaN });
    failing.backward(ops.add(x, 1), "bigger");
    const report = await failing.step();
    expect(x.data).toBe(1);
    expect(report.error).toMatch(/every candidate's score failed/);
  });

  it("identical candidates need no selection call", async () => {
    const x = node(1, { trainable: true });
    const model = new ScriptedModel([answer({ [x.key]: 5 })], { whenExhausted: "repeat-last" });
    const opt = new OptoPrimeMulti([x], { model, candidates: 3, selection: "model" });
    opt.backward(ops.add(x, 1), "bigger");
    const report = await opt.step();
    expect(model.callCount).toBe(3);
    expect(x.data).toBe(5);
    expect(details(report).selection).toBe("single");
    expect(details(report).candidates.map((c) => c.sameAs)).toEqual([undefined, 1, 1]);
  });

  it("an unusable selection answer falls back to the last candidate with changes and says so", async () => {
    const x = node(1, { trainable: true });
    const model = multiModel(x.key, 7);
    const opt = new OptoPrimeMulti([x], { model, candidates: 2, selection: "model" }); // 1.3, then 0
    opt.backward(ops.add(x, 1), "bigger");
    const report = await opt.step();
    expect(x.data).toBe(10);
    expect(details(report).selection).toBe("fallback");
    expect(details(report).selectionError).toMatch(/candidate 7, which is not one of 1, 2/);
  });

  it("candidates that fail are skipped; when all fail the report has the reasons", async () => {
    const x = node(1, { trainable: true });
    const model = new ScriptedModel((req) =>
      req.temperature === 0 ? "no idea" : isSelection(req) ? "{}" : answer({ [x.key]: 4 }),
    );
    const opt = new OptoPrimeMulti([x], { model, candidates: 2, maxRetries: 0, temperatureRange: [0, 1] });
    opt.backward(ops.add(x, 1), "bigger");
    const report = await opt.step();
    expect(x.data).toBe(4);
    expect(details(report).candidates[0]!.error).toMatch(/no usable answer/);

    const broken = new ScriptedModel(() => "garbage");
    const all = new OptoPrimeMulti([x], { model: broken, candidates: 2, maxRetries: 0 });
    all.backward(ops.add(x, 1), "bigger");
    const failed = await all.step();
    expect(failed.error).toMatch(/^no candidate was usable: candidate 1: .* \| candidate 2: /);
    expect(x.data).toBe(4);
  });

  it("all candidates saying TERMINATE terminate the step", async () => {
    const x = node(1, { trainable: true });
    const model = new ScriptedModel(() => '{"reasoning": "TERMINATE", "suggestion": {}}');
    const opt = new OptoPrimeMulti([x], { model, candidates: 2 });
    opt.backward(ops.add(x, 1), "right");
    const report = await opt.step();
    expect(report.terminate).toBe(true);
    expect(report.error).toBeUndefined();
  });

  it("prompt variants and explicit temperatures are used in turn", async () => {
    const x = node(1, { trainable: true });
    const model = new ScriptedModel((req) => answer({ [x.key]: 3 + (req.temperature ?? 0) }));
    const opt = new OptoPrimeMulti([x], {
      model,
      candidates: 2,
      temperatures: [0.2],
      variants: ["Make the smallest change that could work.", "Try a different approach."],
      score: (u) => Number(u.get(x)),
    });
    opt.backward(ops.add(x, 1), "bigger");
    await opt.step();
    expect(model.calls.map((c) => c.request.temperature)).toEqual([0.2, 0.2]);
    const closings = model.prompts.map((p) => p.split("\n").at(-1)).sort();
    expect(closings).toEqual(["Make the smallest change that could work.", "Try a different approach."]);
  });

  it("candidates with equal prompts and temperatures are not collapsed by a response cache", async () => {
    const x = node(1, { trainable: true });
    const scripted = new ScriptedModel((_req, i) => answer({ [x.key]: 10 + i }));
    const model = wrapModel(scripted, responseCache());
    const opt = new OptoPrimeMulti([x], {
      model,
      candidates: 3,
      temperatures: [0.7],
      score: (u) => Number(u.get(x)),
    });
    opt.backward(ops.add(x, 1), "bigger");
    const report = await opt.step();
    expect(scripted.callCount).toBe(3);
    expect(details(report).candidates.map((c) => c.sameAs)).toEqual([undefined, undefined, undefined]);
    expect(x.data).toBe(12);
  });

  it("proposeCandidates(n) asks n candidates at temperatures spread over n, without choosing", async () => {
    const x = node(1, { trainable: true });
    const model = multiModel(x.key, 1);
    const opt = new OptoPrimeMulti([x], { model, candidates: 3, temperatureRange: [0, 1] });
    opt.backward(ops.add(x, 1), "bigger");
    const proposals = await opt.proposeCandidates(5);
    expect(proposals.map((p) => p.updates.get(x))).toEqual([10, 15, 20, 25, 30]);
    expect(model.calls.some((c) => isSelection(c.request))).toBe(false);
    expect(model.calls.map((c) => c.request.sample ?? 0).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(x.data).toBe(1);
    expect(opt.settings.candidates).toBe(3);
    await expect(opt.proposeCandidates(0)).rejects.toThrow(InvalidOptionError);
  });

  it("a failed step says why in errorCode: UNUSABLE_ANSWER, or the model error's code", async () => {
    const x = node(1, { trainable: true });
    const garbage = new OptoPrimeMulti([x], {
      model: new ScriptedModel(() => "garbage"),
      candidates: 2,
      maxRetries: 0,
    });
    garbage.backward(ops.add(x, 1), "bigger");
    const unusable = await garbage.step();
    expect(unusable.errorCode).toBe("UNUSABLE_ANSWER");
    expect(details(unusable).errorCode).toBe("UNUSABLE_ANSWER");

    const outage = new OptoPrimeMulti([x], {
      model: new ScriptedModel((req) =>
        req.purpose === "candidate 2" ? new RateLimitError("slow down", { provider: "scripted" }) : "garbage",
      ),
      candidates: 2,
      maxRetries: 0,
    });
    outage.backward(ops.add(x, 1), "bigger");
    const failed = await outage.step();
    expect(failed.errorCode).toBe("LLM_RATE_LIMIT");
    expect(x.data).toBe(1);
  });

  it("cancellation propagates", async () => {
    const x = node(1, { trainable: true });
    const model = new ScriptedModel(() => answer({ [x.key]: 2 }), { latencyMs: 10_000 });
    const opt = new OptoPrimeMulti([x], { model, candidates: 2 });
    opt.backward(ops.add(x, 1), "bigger");
    const controller = new AbortController();
    const pending = opt.step({ signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(x.data).toBe(1);
  });

  it("checks its options", () => {
    const x = node(1, { trainable: true });
    expect(() => new OptoPrimeMulti([x], { candidates: 0 })).toThrow(InvalidOptionError);
    expect(() => new OptoPrimeMulti([x], { candidates: 0 })).toThrow(/candidates' must be at least 1/);
    expect(() => new OptoPrimeMulti([x], { variants: [1] as never })).toThrow(InvalidOptionError);
    expect(new OptoPrimeMulti([x], { temperatures: [0.3], variants: ["v"] }).settings).toMatchObject({
      candidates: 5,
      temperatures: [0.3],
      temperatureRange: [1.3, 0],
      variants: ["v"],
      selection: "last",
      score: undefined,
      memorySize: 0,
    });
    expect(() => new OptoPrimeMulti([x], { temperatures: [] })).toThrow(/temperatures/);
    const score = () => 1;
    expect(new OptoPrimeMulti([x], { score }).settings.selection).toBe("score");
    expect(new OptoPrimeMulti([x], { score, selection: "score" }).settings.selection).toBe("score");
    expect(new OptoPrimeMulti([x], { selection: "model" }).settings.selection).toBe("model");
    expect(() => new OptoPrimeMulti([x], { selection: "score" })).toThrow(/"score" needs the score option/);
    expect(() => new OptoPrimeMulti([x], { score, selection: "model" })).toThrow(/'score' .*not used/);
    expect(() => new OptoPrimeMulti([x], { selection: "best" as never })).toThrow(/last, model, score/);
    expect(() => new OptoPrimeMulti([x], { temperatureRange: [1] as never })).toThrow(/temperatureRange/);
    expect(() => new OptoPrimeMulti([x], { temperatureRange: [1, -1] })).toThrow(/two numbers >= 0/);
    expect(() => new OptoPrimeMulti([x], { temperatureRange: [1, 0], temperatures: [0.5] })).toThrow(
      /either temperatureRange or temperatures/,
    );
    expect(() => new OptoPrimeMulti([x], { cand: 2 } as never)).toThrow(/not a known option/);
  });
});

describe("readChoice", () => {
  it.each([
    ['{"reasoning": "r", "choice": 2}', 2],
    ['{"choice": "Candidate 3"}', 3],
    ["I pick candidate #4.", 4],
    [" 1 ", 1],
    ['```json\n{"best": 2}\n```', 2],
    ["no idea", undefined],
  ])("%s", (text, expected) => {
    expect(readChoice(text)).toBe(expected);
  });
});
