/**
 * Language-model layer benchmark (issue [llm]):
 *  1. overhead of the full middleware stack (log → usage → cache → budget → retry → rate limit)
 *     on a cache hit, in µs per call, next to the cache middleware alone;
 *  2. throughput against a loopback stub of the OpenAI API at concurrency 64: the bare `openai`
 *     SDK versus `OpenAIChatModel` wrapped in the full stack (every request distinct, so every
 *     call misses the cache and goes through every layer), in alternating segments of the same
 *     run, with the provider alone as a third client to split the cost. Target ratio ≥ 0.9. The
 *     stub runs in this process, so every client shares its cost.
 * Run: `npm run bench -- llm`.
 */
import { Budget, type GenerateRequest, type LanguageModel, UsageTracker, withDefaults } from "@trace-ts/core";
import { responseCache, wrapModel } from "@trace-ts/core/llm";
import { openAIChatResponse, ScriptedModel, startStubServer } from "@trace-ts/core/testing";
import { OpenAIChatModel } from "@trace-ts/openai";
import OpenAI from "openai";
import { fullGc, median, printTable } from "./util.js";

const HIT_CALLS = 20_000;
const HIT_REPEATS = 5;
const CONCURRENCY = 64;
const HTTP_SEGMENT = 400;
const HTTP_ROUNDS = 8;
const FAKE_KEY = "sk-test-not-real-bench";
const PRICES = {
  bench: { inputPerMillion: 1, outputPerMillion: 2 },
  "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 },
};

function fullStack(model: LanguageModel, usage: UsageTracker): LanguageModel {
  return withDefaults(model, {
    retry: { maxAttempts: 3, initialDelayMs: 5 },
    concurrency: CONCURRENCY,
    requestsPerMinute: 10_000_000,
    cache: { memory: { maxEntries: 100_000 } },
    usage,
    budget: new Budget({ maxTokens: 1e15, maxCost: 1e12, prices: PRICES }),
    log: () => undefined,
  });
}

async function perCallMicros(model: LanguageModel, request: GenerateRequest, calls: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await model.generate(request);
  return ((performance.now() - t0) * 1000) / calls;
}

async function cacheHitOverhead(): Promise<void> {
  const request: GenerateRequest = {
    messages: [
      { role: "system", content: "You are a careful assistant. Answer briefly and precisely." },
      {
        role: "user",
        content: "Summarize the plot of a short story about a lighthouse keeper in two sentences.",
      },
    ],
    maxTokens: 200,
    temperature: 0,
  };
  const base = new ScriptedModel(() => "A keeper tends the light. A storm tests him.", { modelId: "bench" });
  const stack = fullStack(base, new UsageTracker({ prices: PRICES }));
  const cacheOnly = wrapModel(base, responseCache());
  await stack.generate(request);
  await cacheOnly.generate(request);
  const bare = new ScriptedModel(() => "x", { modelId: "bench", whenExhausted: "repeat-last" });
  const samples = { stack: [] as number[], cache: [] as number[], bare: [] as number[] };
  for (let r = 0; r < HIT_REPEATS; r++) {
    samples.stack.push(await perCallMicros(stack, request, HIT_CALLS));
    samples.cache.push(await perCallMicros(cacheOnly, request, HIT_CALLS));
    bare.reset();
    samples.bare.push(await perCallMicros(bare, request, HIT_CALLS));
  }
  if (base.callCount !== 2) throw new Error(`expected one model call per cache, got ${base.callCount}`);
  console.log(`cache hit, ${HIT_CALLS} sequential calls × ${HIT_REPEATS} (median µs per call):`);
  printTable(
    ["what", "µs/call"],
    [
      ["full stack, cache hit", median(samples.stack)],
      ["responseCache alone, cache hit", median(samples.cache)],
      ["bare ScriptedModel (reference)", median(samples.bare)],
    ],
  );
}

async function runPool(
  total: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await call(next++);
    }),
  );
  return (total / (performance.now() - t0)) * 1000;
}

async function throughput(): Promise<void> {
  const body = JSON.stringify(openAIChatResponse("ok", { model: "gpt-4o-mini" }));
  const stub = await startStubServer(() => ({ body }), { record: false });
  const baseURL = `${stub.url}/v1`;
  try {
    const sdk = new OpenAI({ apiKey: FAKE_KEY, baseURL, maxRetries: 0 });
    const usage = new UsageTracker({ prices: PRICES });
    const provider = new OpenAIChatModel("gpt-4o-mini", { apiKey: FAKE_KEY, baseURL, provider: "openai" });
    const ours = fullStack(provider, usage);
    const messages = (i: number, round: number, who: string) => [
      { role: "system" as const, content: "You are a careful assistant." },
      { role: "user" as const, content: `request ${who} ${round} ${i}: say ok` },
    ];
    const clients = {
      bare: (round: number) => (i: number) =>
        sdk.chat.completions.create({
          model: "gpt-4o-mini",
          messages: messages(i, round, "bare"),
          max_completion_tokens: 16,
        }),
      provider: (round: number) => (i: number) =>
        provider.generate({ messages: messages(i, round, "provider"), maxTokens: 16 }),
      ours: (round: number) => (i: number) =>
        ours.generate({ messages: messages(i, round, "ours"), maxTokens: 16 }),
    };
    type Client = keyof typeof clients;
    const names = Object.keys(clients) as Client[];
    // warm-up (connections, JIT)
    for (const who of names) await runPool(500, CONCURRENCY, clients[who](-1));
    // Short segments in alternating order (A B C, C B A, ...) so load drifts on a shared machine
    // hit every client alike; throughput is requests over the summed time of each client's
    // segments. This process's CPU time per request is reported too: it is much less affected
    // by other processes competing for the cores than wall-clock time.
    const time = { bare: 0, provider: 0, ours: 0 };
    const cpu = { bare: 0, provider: 0, ours: 0 };
    for (let round = 0; round < HTTP_ROUNDS; round++) {
      for (const who of round % 2 === 0 ? names : [...names].reverse()) {
        fullGc();
        const c0 = process.cpuUsage();
        const rate = await runPool(HTTP_SEGMENT, CONCURRENCY, clients[who](round));
        const c = process.cpuUsage(c0);
        cpu[who] += c.user + c.system;
        time[who] += HTTP_SEGMENT / rate;
      }
    }
    const n = HTTP_SEGMENT * HTTP_ROUNDS;
    if (usage.totals().calls !== 500 + n || usage.totals().cachedCalls !== 0) {
      throw new Error(`unexpected accounting: ${JSON.stringify(usage.totals())}`);
    }
    console.log(
      `\nthroughput at concurrency ${CONCURRENCY} against a 127.0.0.1 stub (in this process), ` +
        `${HTTP_ROUNDS} rounds × ${HTTP_SEGMENT} requests per client, alternating order:`,
    );
    const rate = (who: Client) => n / time[who];
    const cpuPer = (who: Client) => cpu[who] / n;
    printTable(
      ["client", "req/s", "CPU µs/req (client+stub)"],
      [
        ["bare openai SDK", rate("bare"), cpuPer("bare")],
        ["OpenAIChatModel, no middleware", rate("provider"), cpuPer("provider")],
        ["OpenAIChatModel + full stack", rate("ours"), cpuPer("ours")],
      ],
    );
    console.log(
      `throughput ratio (full stack / bare SDK), wall clock: ${(rate("ours") / rate("bare")).toFixed(3)} (target ≥ 0.9)`,
    );
    console.log(
      `ratio from CPU per request (bare / full stack): ${(cpuPer("bare") / cpuPer("ours")).toFixed(3)}; ` +
        `CPU added by the provider: ${(cpuPer("provider") - cpuPer("bare")).toFixed(0)} µs/req, ` +
        `by the middleware: ${(cpuPer("ours") - cpuPer("provider")).toFixed(0)} µs/req`,
    );
  } finally {
    await stub.close();
  }
}

/** Runs the language-model benchmark and prints its tables. */
export async function runLlmBench(): Promise<void> {
  await cacheHitOverhead();
  await throughput();
}
