/**
 * The budget is never exceeded: safe prompt bounds for any script, reservations at dispatch
 * (after the rate-limit queue, per attempt), the ledger interface, and many concurrent calls.
 *
 * Set TRACE_BUDGET_REPORT=1 to print the tokens spent in the 60-call CJK scenario.
 */
import { describe, expect, it } from "@jest/globals";
import {
  Budget,
  BudgetExceededError,
  CancelledError,
  type GenerateRequest,
  type GenerateResult,
  InvalidRequestError,
  type LanguageModel,
  ProviderError,
  UsageTracker,
  withDefaults,
} from "@trace-ts/core";
import {
  type BudgetAmount,
  type BudgetLedger,
  type BudgetLimits,
  enforceBudget,
  InMemoryBudgetLedger,
  type LedgerReservation,
  type LedgerReserveResult,
  type PriceTable,
  rateLimit,
  retry,
  upperBoundInputTokens,
  upperBoundTextTokens,
  wrapModel,
} from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

const TIMEOUT = 60_000;

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

const ZH =
  "预算必须在调用开始之前预留足够的令牌数量，否则并发请求会超出限制。我们用中文提示词来检验估计值是否安全，" +
  "因为每个汉字通常至少占用一个令牌，生僻字还会被拆成好几个字节。";
/** `n` characters of Chinese text. */
const chinese = (n: number) => ZH.repeat(Math.ceil(n / ZH.length)).slice(0, n);
const user = (content: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: "user", content }],
  ...extra,
});

/** A promise with its resolve function, to hold scripted calls open. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
/** Lets everything already scheduled run (promise callbacks and immediates; no timers). */
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe("upperBoundTextTokens", () => {
  // The largest count of cl100k, o200k, the Claude 2 tokenizer, Llama 2, Llama 3 and Mistral for
  // each text, measured once with js-tiktoken, @anthropic-ai/tokenizer, llama-tokenizer-js,
  // llama3-tokenizer-js and mistral-tokenizer-js (not dependencies of this repo).
  const measured: Array<[string, string, number]> = [
    ["chinese", ZH, 116],
    [
      "japanese",
      "予算は呼び出しの前に十分なトークンを確保しなければなりません。日本語の文章では、ひらがなとカタカナと漢字が混ざっています。",
      72,
    ],
    [
      "korean",
      "예산은 호출하기 전에 충분한 토큰을 예약해야 합니다. 한국어 문장은 음절 단위로 토큰화됩니다.",
      79,
    ],
    [
      "russian",
      "Бюджет должен резервировать достаточно токенов перед каждым вызовом модели, иначе параллельные запросы превысят лимит.",
      60,
    ],
    [
      "hindi",
      "बजट को हर कॉल से पहले पर्याप्त टोकन आरक्षित करने चाहिए, नहीं तो समानांतर अनुरोध सीमा से आगे निकल जाएंगे।",
      111,
    ],
    ["arabic", "يجب أن تحجز الميزانية عددًا كافيًا من الرموز قبل كل استدعاء للنموذج.", 66],
    [
      "armenian",
      "Բյուջեն պետք է նախապես ամրագրի բավարար քանակությամբ նշաններ յուրաքանչյուր կանչից առաջ։",
      162,
    ],
    ["georgian", "ბიუჯეტმა ყოველი გამოძახების წინ საკმარისი ტოკენები უნდა დაჯავშნოს.", 124],
    ["thai", "งบประมาณต้องจองโทเค็นให้เพียงพอก่อนการเรียกใช้แต่ละครั้ง", 100],
    ["greek", "Ο προϋπολογισμός πρέπει να δεσμεύει αρκετά διακριτικά πριν από κάθε κλήση.", 82],
    ["emoji", "Great job 🎉🎉 — ship it 🚀✨ or not 🤔💥🔥", 37],
    ["rare ideographs", "𠀀𠀁𠀂𪚥𪚲龘靐齉爨灪", 36],
    [
      "english",
      "The budget reserves an upper bound of what each call can consume just before it is sent.",
      19,
    ],
    ["capitals", "WARNING: DO NOT EXCEED THE CONFIGURED TOKEN BUDGET UNDER ANY CIRCUMSTANCES", 31],
    [
      "code",
      "export function f(xs: readonly number[]): number {\n  return xs.reduce((a, b) => a + b * 2, 0);\n}",
      37,
    ],
    ["json", '{"id":"9f3c2a1b","scores":[0.25,0.5,1],"ok":true,"tags":["a","b"]}', 40],
    ["digits", "3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3,2,3,8,4,6,2,6,4,3,3,8,3,2,7,9", 62],
    ["base64", "QmFzZTY0IGlzIG5vdCBhIGh1bWFuIGxhbmd1YWdlOyBpdCBjb3N0cyBtb3JlIHRva2Vucy4=", 55],
    ["hex", "sha256:9b74c9897bac770ffc029102a200c5de3a1f5e4b6f0d0f33b8a5b1e7c2d4e6f8", 67],
    ["random letters", "xkcd qzvp wrtl mnbv zxcv plkj hgfd", 22],
  ];

  it.each(measured)("is never below the real count: %s", (_name, text, realMax) => {
    // + 1: SentencePiece tokenizers may add a token for the leading space (the per-message
    // framing of upperBoundInputTokens covers it)
    expect(upperBoundTextTokens(text) + 1).toBeGreaterThanOrEqual(realMax);
  });

  it("counts words by pairs of letters and every other byte as a token", () => {
    expect(upperBoundTextTokens("")).toBe(0);
    expect(upperBoundTextTokens("hello there")).toBe(6); // two words, 3 each, the space is free
    expect(upperBoundTextTokens("world")).toBe(5); // one vowel in five: not word-like, 1 per letter
    expect(upperBoundTextTokens("1234")).toBe(4);
    expect(upperBoundTextTokens("a, b")).toBe(3); // a + "," + " b"
    expect(upperBoundTextTokens("\n\n")).toBe(2);
    expect(upperBoundTextTokens("预算")).toBe(7); // 2 × 3 bytes + 1
    expect(upperBoundTextTokens("🚀")).toBe(5); // 4 bytes + 1
    expect(upperBoundTextTokens("\ud800")).toBe(4); // a lone surrogate is sent as U+FFFD
  });

  it("bounds CJK at 3+ tokens per character, far above the old 4-characters-per-token estimate", () => {
    expect(upperBoundTextTokens(chinese(500))).toBe(1501);
    const request = user(chinese(500));
    expect(upperBoundInputTokens(request)).toBe(1501 + 8 + 16);
    expect(
      upperBoundInputTokens({
        ...request,
        responseFormat: { type: "json_schema", name: "x", schema: { type: "object" } },
      }),
    ).toBe(1501 + 8 + 16 + 64 + upperBoundTextTokens('{"type":"object"}'));
  });
});

describe("InMemoryBudgetLedger", () => {
  const limits: BudgetLimits = { maxTokens: 100, maxCost: 1 };

  it("reserves atomically, commits the actual amount and releases failures", () => {
    const ledger = new InMemoryBudgetLedger();
    const a = ledger.reserve({ tokens: 60, cost: 0.5 }, limits);
    expect(a.ok).toBe(true);
    const refused = ledger.reserve({ tokens: 50, cost: 0 }, limits);
    expect(refused).toEqual({
      ok: false,
      limit: "tokens",
      totals: { spent: { tokens: 0, cost: 0 }, reserved: { tokens: 60, cost: 0.5 } },
    });
    const b = ledger.reserve({ tokens: 40, cost: 0.6 }, limits);
    expect(b).toMatchObject({ ok: false, limit: "cost" });
    if (!a.ok) throw new Error("unreachable");
    ledger.commit(a.reservation, { tokens: 20, cost: 0.1 });
    ledger.commit(a.reservation, { tokens: 20, cost: 0.1 }); // ending twice changes nothing
    expect(ledger.totals()).toEqual({ spent: { tokens: 20, cost: 0.1 }, reserved: { tokens: 0, cost: 0 } });
    const c = ledger.reserve({ tokens: 80, cost: 0.9 }, limits);
    if (!c.ok) throw new Error("expected the reservation to fit");
    ledger.release(c.reservation);
    expect(ledger.totals().reserved).toEqual({ tokens: 0, cost: 0 });
    ledger.reset();
    expect(ledger.totals().spent).toEqual({ tokens: 0, cost: 0 });
  });

  it("settled() resolves at the next commit or release and rejects when aborted", async () => {
    const ledger = new InMemoryBudgetLedger();
    const r = ledger.reserve({ tokens: 1, cost: 0 }, limits);
    if (!r.ok) throw new Error("expected the reservation to fit");
    let woke = false;
    const waiting = ledger.settled().then(() => {
      woke = true;
    });
    await flush();
    expect(woke).toBe(false);
    ledger.release(r.reservation);
    await waiting;
    expect(woke).toBe(true);
    const controller = new AbortController();
    const aborted = ledger.settled(controller.signal);
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toBeInstanceOf(CancelledError);
  });
});

describe("Budget: reservations at dispatch", () => {
  it("reserves after the rate-limit queue: queued calls hold no budget", async () => {
    const gates = [deferred(), deferred(), deferred()];
    const base = new ScriptedModel(async (_r, i) => {
      await gates[i]!.promise;
      return { text: "ok", usage: { inputTokens: 10, outputTokens: 10 } };
    });
    const budget = new Budget({ maxTokens: 250, estimateInputTokens: () => 20 });
    const model = withDefaults(base, { budget, concurrency: 1, retry: false });
    // three calls reserving 120 each: before, all three were reserved at once and the third was
    // refused (360 > 250) although the calls end up spending 20 each
    const calls = [0, 1, 2].map(() => model.generate(user("q", { maxTokens: 100 })));
    await flush();
    expect(budget.state()).toMatchObject({ reservedTokens: 120, spentTokens: 0 });
    for (const gate of gates) {
      gate.resolve();
      await flush();
    }
    await Promise.all(calls);
    expect(budget.state()).toMatchObject({ reservedTokens: 0, spentTokens: 60, refusedCalls: 0 });
  });

  it("reserves per attempt: a failed attempt's reservation is released before the retry waits", async () => {
    const base = new ScriptedModel([
      new ProviderError("overloaded", { status: 503 }),
      { text: "ok", usage: { inputTokens: 5, outputTokens: 5 } },
    ]);
    const budget = new Budget({ maxTokens: 1_000, estimateInputTokens: () => 50 });
    const reservedDuringBackoff: number[] = [];
    const model = withDefaults(base, {
      budget,
      concurrency: 2,
      retry: {
        initialDelayMs: 1,
        jitter: false,
        onRetry: () => reservedDuringBackoff.push(budget.state().reservedTokens),
      },
    });
    await model.generate(user("q", { maxTokens: 50 }));
    expect(reservedDuringBackoff).toEqual([0]);
    expect(budget.state()).toMatchObject({ spentTokens: 10, reservedTokens: 0 });
    expect(base.calls.map((c) => c.request.maxTokens)).toEqual([50, 50]);
  });

  it("refuses before any network call when the bound cannot fit", async () => {
    const base = new ScriptedModel(() => "never");
    const model = withDefaults(base, { budget: { maxTokens: 1_000 }, concurrency: 4 });
    // 500 Chinese characters bound to 1525 prompt tokens: more than the whole budget
    const refused = model.generate(user(chinese(500), { maxTokens: 10 }));
    await expect(refused).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(refused).rejects.toMatchObject({ limit: "tokens", max: 1_000, used: 0, requested: 1535 });
    expect(base.callCount).toBe(0);
  });

  it("sends requests without maxTokens with defaultMaxOutputTokens, so the bound holds", async () => {
    const base = new ScriptedModel(() => ({ text: "x", usage: { inputTokens: 1, outputTokens: 1 } }));
    const model = withDefaults(base, { budget: { maxTokens: 100_000 } });
    await model.generate(user("q"));
    expect(base.calls[0]!.request.maxTokens).toBe(4096);
  });
});

describe("Budget: waiting for calls in flight", () => {
  /** A model whose calls stay open until the test ends them. */
  function heldModel() {
    const ends: Array<(usage: { inputTokens: number; outputTokens: number }) => void> = [];
    const base = new ScriptedModel(async () => {
      const d = deferred<{ inputTokens: number; outputTokens: number }>();
      ends.push(d.resolve);
      return { text: "ok", usage: await d.promise };
    });
    return { base, ends };
  }

  it("a call that fits once calls in flight end waits for them instead of being refused", async () => {
    const { base, ends } = heldModel();
    const budget = new Budget({ maxTokens: 1_000, estimateInputTokens: () => 0 });
    const model = wrapModel(base, enforceBudget(budget));
    const first = model.generate(user("a", { maxTokens: 600 }));
    await flush();
    const second = model.generate(user("b", { maxTokens: 600 }));
    await flush();
    expect(base.callCount).toBe(1); // the second waits: 600 + 600 > 1000, but 600 alone fits
    ends[0]!({ inputTokens: 50, outputTokens: 50 });
    await first;
    await flush();
    expect(base.callCount).toBe(2); // 100 spent + 600 reserved fits
    ends[1]!({ inputTokens: 50, outputTokens: 50 });
    await second;
    expect(budget.state()).toMatchObject({ spentTokens: 200, reservedTokens: 0, refusedCalls: 0 });
  });

  it("refuses at once with waitForInFlight: false, or when it cannot fit even after they end", async () => {
    const { base, ends } = heldModel();
    const budget = new Budget({ maxTokens: 1_000, estimateInputTokens: () => 0, waitForInFlight: false });
    const model = wrapModel(base, enforceBudget(budget));
    const first = model.generate(user("a", { maxTokens: 600 }));
    await flush();
    await expect(model.generate(user("b", { maxTokens: 600 }))).rejects.toMatchObject({
      limit: "tokens",
      used: 600,
      requested: 600,
    });
    ends[0]!({ inputTokens: 300, outputTokens: 300 });
    await first;
    const waiting = new Budget({ maxTokens: 1_000, estimateInputTokens: () => 0 });
    const held = heldModel();
    const m2 = wrapModel(held.base, enforceBudget(waiting));
    const a = m2.generate(user("a", { maxTokens: 600 }));
    await flush();
    held.ends[0]!({ inputTokens: 300, outputTokens: 300 });
    await a;
    // 600 spent: a call that may use 600 more can never fit
    await expect(m2.generate(user("b", { maxTokens: 600 }))).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it("a wait ends with CancelledError when the request is aborted, reserving nothing", async () => {
    const { base, ends } = heldModel();
    const budget = new Budget({ maxTokens: 1_000, estimateInputTokens: () => 0 });
    const model = wrapModel(base, enforceBudget(budget));
    const first = model.generate(user("a", { maxTokens: 600 }));
    await flush();
    const controller = new AbortController();
    const second = model.generate(user("b", { maxTokens: 600, signal: controller.signal }));
    await flush();
    controller.abort(new Error("user cancelled"));
    await expect(second).rejects.toBeInstanceOf(CancelledError);
    expect(budget.state()).toMatchObject({ reservedTokens: 600, refusedCalls: 0 });
    ends[0]!({ inputTokens: 1, outputTokens: 1 });
    await first;
    expect(base.callCount).toBe(1);
  });

  it(
    "a model calling a model under the same budget is refused instead of waiting for itself",
    async () => {
      const budget = new Budget({ maxTokens: 1_000, estimateInputTokens: () => 0 });
      const inner = wrapModel(new ScriptedModel(() => "inner"), enforceBudget(budget));
      const composite: LanguageModel = {
        specificationVersion: "v1",
        provider: "p",
        modelId: "composite",
        generate: async (request): Promise<GenerateResult> => {
          // needs 600 while the outer call holds 600: waiting would never end
          await inner.generate({ ...request, maxTokens: 600 });
          return {
            text: "outer",
            usage: { inputTokens: 1, outputTokens: 1 },
            finishReason: "stop",
            model: "x",
          };
        },
      };
      const outer = wrapModel(composite, enforceBudget(budget));
      await expect(outer.generate(user("q", { maxTokens: 600 }))).rejects.toBeInstanceOf(BudgetExceededError);
      expect(budget.state()).toMatchObject({ reservedTokens: 0, refusedCalls: 1 });
    },
    TIMEOUT,
  );
});

/** An asynchronous ledger standing in for a shared store (every operation takes a macrotask). */
class SlowSharedLedger implements BudgetLedger {
  readonly #inner = new InMemoryBudgetLedger();
  operations = 0;
  async reserve(amount: BudgetAmount, limits: BudgetLimits): Promise<LedgerReserveResult> {
    await new Promise((r) => setTimeout(r, 0));
    this.operations++;
    return this.#inner.reserve(amount, limits);
  }
  async commit(reservation: LedgerReservation, actual: BudgetAmount): Promise<void> {
    await new Promise((r) => setTimeout(r, 0));
    this.#inner.commit(reservation, actual);
  }
  async release(reservation: LedgerReservation): Promise<void> {
    await new Promise((r) => setTimeout(r, 0));
    this.#inner.release(reservation);
  }
  totals() {
    return this.#inner.totals();
  }
  reset(): void {
    this.#inner.reset();
  }
}

describe("Budget with a shared ledger", () => {
  it(
    "two budgets (two processes) drawing on one asynchronous ledger never exceed the limit",
    async () => {
      const ledger = new SlowSharedLedger();
      const rnd = prng(7);
      const spentBy: number[] = [0, 0];
      const results = await Promise.allSettled(
        [0, 1].flatMap((p) => {
          const budget = new Budget({ maxTokens: 5_000, ledger });
          const base = new ScriptedModel(
            (r) => {
              const usage = { inputTokens: 120, outputTokens: int(rnd, 1, r.maxTokens!) };
              spentBy[p]! += usage.inputTokens + usage.outputTokens;
              return { text: "ok", usage };
            },
            { latencyMs: () => int(rnd, 0, 3) },
          );
          const model = withDefaults(base, { budget, concurrency: 4, retry: false });
          return Array.from({ length: 30 }, () => model.generate(user(chinese(100), { maxTokens: 200 })));
        }),
      );
      for (const r of results) {
        if (r.status === "rejected") expect(r.reason).toBeInstanceOf(BudgetExceededError);
      }
      const total = spentBy[0]! + spentBy[1]!;
      expect(total).toBeLessThanOrEqual(5_000);
      expect(ledger.totals()).toEqual({
        spent: { tokens: total, cost: 0 },
        reserved: { tokens: 0, cost: 0 },
      });
      expect(results.some((r) => r.status === "rejected")).toBe(true);
      expect(ledger.operations).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});

describe("60 concurrent calls with Chinese prompts never exceed a 20,000-token budget", () => {
  // Real tokenizers use 0.7 (o200k) to 1.25 (Llama 2) tokens per common Chinese character: the
  // scripted usage takes the worst, plus chat framing; the answer uses up to maxTokens.
  const realisticInput = (request: GenerateRequest) => {
    const chars = request.messages.reduce((n, m) => n + [...m.content].length, 0);
    return Math.ceil(chars * 1.25) + 7;
  };

  it.each([1, 4, 64])(
    "concurrency %i",
    async (concurrency) => {
      const rnd = prng(1000 + concurrency);
      const base = new ScriptedModel(
        (request) => ({
          text: "好",
          usage: {
            inputTokens: realisticInput(request),
            outputTokens: int(rnd, Math.floor(request.maxTokens! / 2), request.maxTokens!),
          },
        }),
        { latencyMs: () => int(rnd, 0, 3) },
      );
      const usage = new UsageTracker();
      const budget = new Budget({ maxTokens: 20_000 });
      const model = withDefaults(base, { budget, concurrency, usage });
      // every fifth call gives no maxTokens: it is sent with the default 4096
      const settled = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) =>
          model.generate(user(chinese(500), i % 5 === 4 ? {} : { maxTokens: 300 })),
        ),
      );
      const spent = usage.totals().totalTokens;
      const ok = settled.filter((s) => s.status === "fulfilled").length;
      const refusals = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
      if (process.env.TRACE_BUDGET_REPORT) {
        console.log(
          `concurrency ${concurrency}: ${spent} of 20000 tokens spent by ${ok} calls; ${refusals.length} refused`,
        );
      }
      expect(spent).toBeLessThanOrEqual(20_000);
      expect(budget.state()).toMatchObject({ spentTokens: spent, reservedTokens: 0, overrunCalls: 0 });
      expect(refusals.length).toBeGreaterThan(0);
      for (const e of refusals) {
        expect(e).toBeInstanceOf(BudgetExceededError);
        // refused only because it could not fit even with nothing else in flight
        expect(spent + (e as BudgetExceededError).requested).toBeGreaterThan(20_000);
      }
      expect(budget.state().refusedCalls).toBe(refusals.length);
      expect(base.callCount).toBe(ok); // refused calls never reached the model
      expect(base.calls.every((c) => c.request.maxTokens === 300 || c.request.maxTokens === 4096)).toBe(true);
      expect(base.maxConcurrentCalls).toBeLessThanOrEqual(concurrency);
    },
    TIMEOUT,
  );
});

describe("property: random scripts never exceed the budget", () => {
  const PIECES = [
    () => chinese(37),
    () => "The quick brown fox jumps over the lazy dog. ",
    () => "3.14, 2.72, 1.41, ",
    () => "🚀✨ ",
    () => "ключевые слова ",
    () => "const x = f(a, b);\n",
  ];
  function prompt(rnd: () => number): string {
    let s = "";
    const n = int(rnd, 0, 40);
    for (let i = 0; i < n; i++) s += PIECES[int(rnd, 0, PIECES.length - 1)]!();
    return s;
  }

  /** A model whose usage is random but within what the budget may assume: the prompt bound and maxTokens. */
  function randomModel(rnd: () => number, modelId: string): ScriptedModel {
    return new ScriptedModel(
      (request) => {
        const roll = rnd();
        if (roll < 0.1) return new ProviderError("overloaded", { status: 503 });
        if (roll < 0.13) return new InvalidRequestError("bad request");
        const prompt = Math.floor(rnd() * (upperBoundInputTokens(request) + 1));
        const cacheRead = rnd() < 0.3 ? Math.floor(prompt * rnd()) : 0;
        return {
          text: "x",
          usage: {
            inputTokens: prompt - cacheRead,
            outputTokens: Math.floor(rnd() * (request.maxTokens! + 1)),
            ...(cacheRead > 0 ? { cacheReadTokens: cacheRead } : {}),
          },
        };
      },
      { modelId, latencyMs: () => int(rnd, 0, 2) },
    );
  }

  async function run(seed: number, limits: { maxTokens?: number; maxCost?: number }, prices?: PriceTable) {
    const rnd = prng(seed);
    const usage = new UsageTracker({ prices });
    const budget = new Budget({
      ...limits,
      prices,
      defaultMaxOutputTokens: int(rnd, 1, 3000),
      waitForInFlight: rnd() < 0.8,
    });
    const concurrencies = [1, 2, 4, 8, 64, undefined];
    const stacks = ["small", "big"].map((id) =>
      withDefaults(randomModel(rnd, id), {
        budget,
        usage,
        concurrency: concurrencies[int(rnd, 0, concurrencies.length - 1)],
        retry: { maxAttempts: 3, initialDelayMs: 1, jitter: false },
      }),
    );
    const calls = int(rnd, 1, 60);
    const settled = await Promise.allSettled(
      Array.from({ length: calls }, () =>
        stacks[int(rnd, 0, 1)]!.generate(
          user(prompt(rnd), rnd() < 0.3 ? {} : { maxTokens: int(rnd, 1, 2000) }),
        ),
      ),
    );
    for (const s of settled) {
      if (s.status === "rejected") {
        const e = s.reason as unknown;
        expect(
          e instanceof BudgetExceededError || e instanceof ProviderError || e instanceof InvalidRequestError,
        ).toBe(true);
      }
    }
    const state = budget.state();
    const totals = usage.totals();
    expect(state.reservedTokens).toBe(0);
    expect(state.reservedCost).toBe(0);
    expect(state.overrunCalls).toBe(0);
    expect(state.spentTokens).toBe(totals.totalTokens);
    return { state, totals };
  }

  it(
    "token limits (40 seeded scripts)",
    async () => {
      for (let seed = 1; seed <= 40; seed++) {
        const maxTokens = int(prng(seed * 31), 500, 40_000);
        const { state } = await run(seed, { maxTokens });
        expect(state.spentTokens).toBeLessThanOrEqual(maxTokens);
      }
    },
    TIMEOUT,
  );

  it(
    "cost limits, two models with different prices (40 seeded scripts)",
    async () => {
      const prices: PriceTable = {
        small: { inputPerMillion: 0.15, outputPerMillion: 0.6, cacheReadPerMillion: 0.075 },
        big: {
          inputPerMillion: 3,
          outputPerMillion: 15,
          cacheReadPerMillion: 0.3,
          cacheWritePerMillion: 3.75,
        },
      };
      for (let seed = 101; seed <= 140; seed++) {
        const maxCost = int(prng(seed * 17), 1, 500) / 1000;
        const { state, totals } = await run(seed, { maxCost }, prices);
        expect(state.spentCost).toBeLessThanOrEqual(maxCost + 1e-12);
        expect(state.spentCost).toBeCloseTo(totals.cost, 12);
      }
    },
    TIMEOUT,
  );

  it(
    "token and cost limits together on one model with retries through its own limiter",
    async () => {
      for (let seed = 201; seed <= 220; seed++) {
        const rnd = prng(seed);
        const prices: PriceTable = { m: { inputPerMillion: 1, outputPerMillion: 4 } };
        const budget = new Budget({
          maxTokens: int(rnd, 1_000, 20_000),
          maxCost: int(rnd, 1, 50) / 1000,
          prices,
        });
        const model = wrapModel(
          randomModel(rnd, "m"),
          retry({ maxAttempts: 2, initialDelayMs: 1 }),
          rateLimit({ concurrency: int(rnd, 1, 8) }),
          enforceBudget(budget),
        );
        await Promise.allSettled(
          Array.from({ length: int(rnd, 1, 40) }, () =>
            model.generate(user(prompt(rnd), { maxTokens: 500 })),
          ),
        );
        const s = budget.state();
        expect(s.spentTokens).toBeLessThanOrEqual(budget.maxTokens);
        expect(s.spentCost).toBeLessThanOrEqual(budget.maxCost + 1e-12);
        expect(s.reservedTokens).toBe(0);
      }
    },
    TIMEOUT,
  );
});
