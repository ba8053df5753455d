/** UsageTracker.measure: the calls of one piece of work, apart from concurrent ones. */
import { describe, expect, it } from "@jest/globals";
import { UsageTracker } from "@trace-ts/core";
import { trackUsage, wrapModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

const prices = { scripted: { inputPerMillion: 1_000_000, outputPerMillion: 0 } };

function model(tracker: UsageTracker) {
  // the reply's input tokens are the number in the prompt, so each call's cost is known
  return wrapModel(
    new ScriptedModel(
      (request) => {
        const n = Number(/\d+/.exec(String(request.messages.at(-1)?.content))?.[0] ?? 0);
        return { text: "ok", usage: { inputTokens: n, outputTokens: 1 } };
      },
      { latencyMs: 3 },
    ),
    trackUsage(tracker),
  );
}

const ask = (m: ReturnType<typeof model>, n: number) =>
  m.generate({ messages: [{ role: "user", content: `tokens ${n}` }] });

describe("UsageTracker.measure", () => {
  it("counts each concurrent scope's own calls, and the totals all of them", async () => {
    const tracker = new UsageTracker({ prices });
    const m = model(tracker);
    const [a, b] = await Promise.all([
      tracker.measure(async () => {
        await ask(m, 10);
        await ask(m, 20);
        return "a";
      }),
      tracker.measure(async () => {
        await Promise.all([ask(m, 5), ask(m, 7), ask(m, 1)]);
        return "b";
      }),
    ]);
    expect(a.value).toBe("a");
    expect(a.usage).toMatchObject({ calls: 2, inputTokens: 30, outputTokens: 2, totalTokens: 32, cost: 30 });
    expect(b.usage).toMatchObject({ calls: 3, inputTokens: 13, cost: 13 });
    await ask(m, 100); // outside every scope
    expect(tracker.totals()).toMatchObject({ calls: 6, inputTokens: 143 });
  });

  it("nests, and reports what failed work spent through the settled callback", async () => {
    const tracker = new UsageTracker();
    const other = new UsageTracker();
    const m = model(tracker);
    let inner: unknown;
    const outer = await tracker.measure(async () => {
      await ask(m, 1);
      // a scope of another tracker does not see this tracker's calls
      const foreign = await other.measure(() => ask(m, 2));
      expect(foreign.usage.calls).toBe(0);
      await expect(
        tracker.measure(
          async () => {
            await ask(m, 3);
            throw new Error("agent failed");
          },
          (usage) => {
            inner = usage;
          },
        ),
      ).rejects.toThrow("agent failed");
    });
    expect(inner).toMatchObject({ calls: 1, inputTokens: 3 });
    expect(outer.usage).toMatchObject({ calls: 3, inputTokens: 6 });
  });
});
