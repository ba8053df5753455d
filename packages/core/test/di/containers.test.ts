/**
 * The provider registry, the default model and the optimizer factories all live in tsyringe
 * containers: a child container overrides any of them for one experiment without touching the root.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "@jest/globals";
import {
  callLLM,
  createContainer,
  createOptimizer,
  getDefaultLanguageModel,
  type LanguageModel,
  languageModelFromEnv,
  type Optimizer,
  registeredProviders,
  registerLanguageModel,
  registerOptimizer,
  registerProvider,
  resolveLanguageModel,
  rootTraceContainer,
  UnknownModelError,
  unregisterProvider,
} from "@trace-ts/core";
import { unwrapModel } from "@trace-ts/core/llm";
import {
  type LazyProvider,
  type ProviderEntry,
  type ProviderFactory,
  providerToken,
} from "@trace-ts/core/provider";
import { ScriptedModel } from "@trace-ts/core/testing";

const env = { OPENAI_API_KEY: "sk-test-not-real", ANTHROPIC_API_KEY: "sk-ant-test-not-real" };

/** A provider whose models answer with `tag` and report `provider` as their provider name. */
const tagged =
  (provider: string, tag: string): ProviderFactory =>
  (modelId) =>
    new ScriptedModel(() => tag, { provider, modelId });

async function answerOf(model: LanguageModel): Promise<string> {
  return (await model.generate({ messages: [{ role: "user", content: "?" }] })).text;
}

/** The registration `container` holds itself for provider `name` (not its ancestors'). */
function ownEntry(container: ReturnType<typeof createContainer>, name: string): ProviderEntry | undefined {
  const token = providerToken(name);
  return container.isRegistered(token, false) ? container.resolve(token) : undefined;
}

// Kept first: it needs the root's `anthropic` entry not yet loaded (each test file has its own root).
describe("lazy providers", () => {
  it("caches the loaded factory in the container that held the lazy entry", async () => {
    const root = rootTraceContainer();
    const lazyRoot = ownEntry(root, "anthropic");
    expect(lazyRoot).toEqual({ packageName: "@trace-ts/anthropic" });

    // a lazy entry in a middle container, resolved from its grandchild
    const middle = createContainer();
    const leaf = createContainer(middle);
    registerProvider("anthropic", { packageName: "@trace-ts/anthropic" }, middle);
    const m = await resolveLanguageModel("anthropic:claude-haiku-4-5", {
      env,
      defaults: false,
      container: leaf,
    });
    expect(m.constructor.name).toBe("AnthropicMessagesModel");
    expect(typeof ownEntry(middle, "anthropic")).toBe("function"); // cached where the lazy entry was
    expect(ownEntry(leaf, "anthropic")).toBeUndefined(); // not in the container asked
    expect(ownEntry(root, "anthropic")).toBe(lazyRoot); // the root's own entry is still lazy

    // the root's built-in, resolved from a child with no override: cached in the root
    const other = createContainer();
    await resolveLanguageModel("anthropic:claude-haiku-4-5", { env, defaults: false, container: other });
    expect(ownEntry(other, "anthropic")).toBeUndefined();
    expect(typeof ownEntry(root, "anthropic")).toBe("function");
  });

  it("does not overwrite a provider registered while the package was loading", async () => {
    const c = createContainer();
    registerProvider("openai", { packageName: "@trace-ts/openai" }, c);
    const loading = resolveLanguageModel("openai:gpt-4o-mini", { env, defaults: false, container: c });
    const replacement = tagged("openai", "replacement");
    registerProvider("openai", replacement, c); // before the dynamic import has finished
    expect(unwrapModel(await loading).constructor.name).toBe("OpenAIChatModel");
    expect(ownEntry(c, "openai")).toBe(replacement);
  });

  it("keeps the error for a package that is not installed", async () => {
    const c = createContainer();
    registerProvider(
      "nowhere",
      { packageName: "trace-ts-provider-that-is-not-installed" } as LazyProvider,
      c,
    );
    await expect(resolveLanguageModel("nowhere:x", { container: c })).rejects.toThrow(
      /npm install trace-ts-provider-that-is-not-installed/,
    );
    await expect(resolveLanguageModel("nowhere:x")).rejects.toThrow(/unknown provider "nowhere"/);
  });
});

describe("child containers override providers", () => {
  it("registers under one tsyringe token per provider name", () => {
    expect(providerToken("openai")).toBe("trace-ts.Provider:openai");
    const root = rootTraceContainer();
    expect(root.isRegistered(providerToken("openai-compatible"), false)).toBe(true);
    // a value registered with tsyringe directly is found too
    const c = createContainer();
    c.register(providerToken("direct"), { useValue: tagged("direct", "direct") });
    return expect(resolveLanguageModel("direct:x", { container: c }).then(answerOf)).resolves.toBe("direct");
  });

  it("overrides a provider in a child without affecting the root", async () => {
    registerProvider("echo", tagged("echo", "root"));
    try {
      const child = createContainer();
      registerProvider("echo", tagged("echo", "child"), child);
      expect(await answerOf(await resolveLanguageModel("echo:x", { container: child }))).toBe("child");
      expect(await answerOf(await resolveLanguageModel("echo:x"))).toBe("root");

      // a built-in, too
      registerProvider("openai", tagged("openai", "fake-openai"), child);
      expect(await answerOf(await resolveLanguageModel("openai:gpt-4o-mini", { container: child }))).toBe(
        "fake-openai",
      );
      const real = await resolveLanguageModel("openai:gpt-4o-mini", { env, defaults: false });
      expect(real.constructor.name).toBe("OpenAIChatModel");
    } finally {
      unregisterProvider("echo");
    }
  });

  it("unregistering in a child restores the parent's provider", async () => {
    registerProvider("echo", tagged("echo", "root"));
    try {
      const child = createContainer();
      const grandchild = createContainer(child);
      registerProvider("echo", tagged("echo", "child"), child);
      registerProvider("openai", tagged("openai", "fake-openai"), child);
      expect(await answerOf(await resolveLanguageModel("echo:x", { container: grandchild }))).toBe("child");

      unregisterProvider("echo", child);
      expect(await answerOf(await resolveLanguageModel("echo:x", { container: grandchild }))).toBe("root");
      expect(await answerOf(await resolveLanguageModel("echo:x", { container: child }))).toBe("root");

      unregisterProvider("openai", child); // back to the root's built-in
      const m = await resolveLanguageModel("openai:gpt-4o-mini", { env, defaults: false, container: child });
      expect(m.constructor.name).toBe("OpenAIChatModel");

      // removing what the child does not hold is a no-op; the root keeps its provider
      unregisterProvider("echo", grandchild);
      expect(await answerOf(await resolveLanguageModel("echo:x", { container: grandchild }))).toBe("root");
      expect(registeredProviders(grandchild)).toContain("echo");
    } finally {
      unregisterProvider("echo");
    }
    expect(registeredProviders()).not.toContain("echo");
  });

  it("removes a provider that only the child had", async () => {
    const child = createContainer();
    registerProvider("local-only", tagged("local-only", "x"), child);
    expect(registeredProviders(child)).toContain("local-only");
    unregisterProvider("local-only", child);
    expect(registeredProviders(child)).not.toContain("local-only");
    const err = await resolveLanguageModel("local-only:x", { container: child }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownModelError);
    expect((err as Error).message).toMatch(/unknown provider "local-only"/);
    expect((err as Error).message).toMatch(/known: anthropic, openai, openai-compatible/);
  });

  it("lists the names visible from a container, its parents' included", () => {
    const parent = createContainer();
    const child = createContainer(parent);
    registerProvider("from-parent", tagged("from-parent", "p"), parent);
    registerProvider("from-child", tagged("from-child", "c"), child);
    expect(registeredProviders(child)).toEqual([
      "anthropic",
      "from-child",
      "from-parent",
      "openai",
      "openai-compatible",
    ]);
    expect(registeredProviders(parent)).toEqual(["anthropic", "from-parent", "openai", "openai-compatible"]);
    expect(registeredProviders()).toEqual(["anthropic", "openai", "openai-compatible"]);
    expect(registeredProviders(rootTraceContainer())).toEqual(registeredProviders());
  });

  it("finds the parent of a container made with createChildContainer() directly", async () => {
    const parent = createContainer();
    registerProvider("echo", tagged("echo", "parent"), parent);
    const raw = parent.createChildContainer();
    expect(await answerOf(await resolveLanguageModel("echo:x", { container: raw }))).toBe("parent");
    expect(registeredProviders(raw)).toContain("echo");
  });

  it("languageModelFromEnv looks providers up in the given container", async () => {
    const child = createContainer();
    registerProvider("echo", tagged("echo", "child"), child);
    const fromEnv = { TRACE_MODEL: "echo:x", TRACE_BASE_URL: "http://127.0.0.1:9/v1" };
    expect(await answerOf(await languageModelFromEnv({ env: fromEnv, container: child }))).toBe("child");
    // in the root, "echo" is no provider: the specifier is a model on the OpenAI-compatible server
    expect(await languageModelFromEnv({ env: fromEnv, defaults: false })).toMatchObject({
      provider: "openai-compatible",
      modelId: "echo:x",
    });
  });
});

describe("child containers override the default model and the optimizer", () => {
  it("overrides the default model without affecting the root", async () => {
    const root = rootTraceContainer();
    registerLanguageModel(root, new ScriptedModel(() => "root answer", { modelId: "root" }));
    const child = createContainer();
    registerLanguageModel(child, new ScriptedModel(() => "child answer", { modelId: "child" }));
    expect(getDefaultLanguageModel(child).modelId).toBe("child");
    expect(getDefaultLanguageModel().modelId).toBe("root");
    expect((await callLLM(null, "?", { container: child })).data).toBe("child answer");
    expect((await callLLM(null, "?")).data).toBe("root answer");
    expect(getDefaultLanguageModel(createContainer()).modelId).toBe("root"); // a fresh child falls back
  });

  it("overrides the optimizer factory without affecting the root", () => {
    const made: string[] = [];
    const factory = (tag: string) => () => {
      made.push(tag);
      return {} as Optimizer;
    };
    const root = rootTraceContainer();
    registerOptimizer(root, factory("root"), { name: "root-one" });
    const child = createContainer();
    registerOptimizer(child, factory("child"), { name: "child-one" });
    createOptimizer([], child);
    createOptimizer([]);
    createOptimizer([], createContainer());
    expect(made).toEqual(["child", "root", "root"]);
    expect(root.isRegistered("trace-ts.OptimizerFactory:child-one", true)).toBe(false);
  });
});

describe("layers", () => {
  it("nothing under llm/ imports di/", () => {
    const llm = fileURLToPath(new URL("../../src/llm", import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".ts")) {
          const text = readFileSync(path, "utf8");
          if (/from\s+["'](\.\.\/)+di\/|import\(\s*["'](\.\.\/)+di\//.test(text)) offenders.push(path);
        }
      }
    };
    walk(llm);
    expect(offenders).toEqual([]);
  });
});
