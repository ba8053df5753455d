import { describe, expect, it } from "@jest/globals";
import {
  createContainer,
  getDefaultLanguageModel,
  hasDefaultLanguageModel,
  LANGUAGE_MODEL,
  type LanguageModel,
  languageModelFromEnv,
  MissingApiKeyError,
  MissingProviderPackageError,
  NoDefaultLanguageModelError,
  parseModelSpec,
  registeredProviders,
  registerLanguageModel,
  registerProvider,
  resolveLanguageModel,
  UnknownModelError,
  unregisterProvider,
} from "@trace-ts/core";
import { unwrapModel, WrappedModel } from "@trace-ts/core/llm";
import { ScriptedModel } from "@trace-ts/core/testing";

describe("container helpers", () => {
  it("registers a default model; children override and fall back to parents", () => {
    const parent = createContainer();
    const a = new ScriptedModel(["a"], { modelId: "a" });
    const b = new ScriptedModel(["b"], { modelId: "b" });
    registerLanguageModel(parent, a);
    const child = createContainer(parent);
    expect(getDefaultLanguageModel(child)).toBe(a);
    registerLanguageModel(child, b);
    expect(getDefaultLanguageModel(child)).toBe(b);
    expect(getDefaultLanguageModel(parent)).toBe(a);
    expect(child.resolve<LanguageModel>(LANGUAGE_MODEL)).toBe(b);
  });

  it("accepts a factory and reports a missing default clearly", () => {
    const c = createContainer();
    expect(hasDefaultLanguageModel(c)).toBe(false);
    expect(() => getDefaultLanguageModel(c)).toThrow(NoDefaultLanguageModelError);
    expect(() => getDefaultLanguageModel(c)).toThrow(/registerLanguageModel\(container, model\)/);
    let built = 0;
    registerLanguageModel(c, () => {
      built++;
      return new ScriptedModel(["x"]);
    });
    getDefaultLanguageModel(c);
    expect(built).toBe(1);
    expect(() => registerLanguageModel(c, {} as never)).toThrow(TypeError);
  });
});

describe("parseModelSpec", () => {
  it("parses provider:model[@baseURL] and infers well-known prefixes", () => {
    expect(parseModelSpec("openai:gpt-4o-mini")).toEqual({ provider: "openai", modelId: "gpt-4o-mini" });
    expect(parseModelSpec("anthropic:claude-sonnet-4-6")).toEqual({
      provider: "anthropic",
      modelId: "claude-sonnet-4-6",
    });
    expect(parseModelSpec("openai-compatible:llama3.1:8b@http://localhost:11434/v1")).toEqual({
      provider: "openai-compatible",
      modelId: "llama3.1:8b",
      baseURL: "http://localhost:11434/v1",
    });
    expect(parseModelSpec("gpt-4o")).toEqual({ provider: "openai", modelId: "gpt-4o" });
    expect(parseModelSpec("o3-mini").provider).toBe("openai");
    expect(parseModelSpec("claude-haiku-4-5").provider).toBe("anthropic");
    expect(() => parseModelSpec("llama3")).toThrow(UnknownModelError);
    expect(() => parseModelSpec("openai:")).toThrow(/no model id/);
    expect(() => parseModelSpec("")).toThrow(UnknownModelError);
  });
});

describe("resolveLanguageModel", () => {
  const env = { OPENAI_API_KEY: "sk-test-not-real", ANTHROPIC_API_KEY: "sk-ant-test-not-real" };

  it("loads @trace-ts/openai on demand and wraps the model in the default stack", async () => {
    const m = await resolveLanguageModel("openai:gpt-4o-mini", { env });
    expect(m).toBeInstanceOf(WrappedModel);
    expect(m.provider).toBe("openai");
    expect(m.modelId).toBe("gpt-4o-mini");
    expect(unwrapModel(m).constructor.name).toBe("OpenAIChatModel");
    const bare = await resolveLanguageModel("openai:gpt-4o-mini", { env, defaults: false });
    expect(bare.constructor.name).toBe("OpenAIChatModel");
    expect(String(bare)).not.toContain("sk-test");
  });

  it("builds anthropic and openai-compatible models", async () => {
    const claude = await resolveLanguageModel("anthropic:claude-sonnet-4-6", { env, defaults: false });
    expect(claude).toMatchObject({ provider: "anthropic", modelId: "claude-sonnet-4-6" });
    const local = await resolveLanguageModel("openai-compatible:llama3.1@http://127.0.0.1:9/v1", {
      env: {},
      defaults: false,
    });
    expect(local).toMatchObject({
      provider: "openai-compatible",
      modelId: "llama3.1",
      baseURL: "http://127.0.0.1:9/v1",
    });
    await expect(resolveLanguageModel("openai-compatible:llama3.1", { env: {} })).rejects.toThrow(
      /TRACE_BASE_URL/,
    );
  });

  it("names the environment variable when a key is missing", async () => {
    await expect(resolveLanguageModel("openai:gpt-4o-mini", { env: {} })).rejects.toMatchObject({
      code: "LLM_MISSING_KEY",
      envVar: "OPENAI_API_KEY",
    });
    const err = await resolveLanguageModel("anthropic:claude-sonnet-4-6", { env: {} }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MissingApiKeyError);
    expect((err as Error).message).toMatch(/set the ANTHROPIC_API_KEY environment variable/);
  });

  it("says which package to install when a provider package is missing", async () => {
    registerProvider("nowhere", { packageName: "trace-ts-provider-that-is-not-installed" });
    try {
      const err = await resolveLanguageModel("nowhere:x").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingProviderPackageError);
      expect((err as Error).message).toMatch(/npm install trace-ts-provider-that-is-not-installed/);
    } finally {
      unregisterProvider("nowhere");
    }
    expect(registeredProviders()).not.toContain("nowhere");
  });

  it("uses registered providers and rejects unknown ones", async () => {
    registerProvider(
      "echo",
      (id) => new ScriptedModel((r) => r.messages.at(-1)!.content, { modelId: id, provider: "echo" }),
    );
    try {
      const m = await resolveLanguageModel("echo:e1", { defaults: false });
      expect((await m.generate({ messages: [{ role: "user", content: "ping" }] })).text).toBe("ping");
    } finally {
      unregisterProvider("echo");
    }
    await expect(resolveLanguageModel("nope:x")).rejects.toThrow(/unknown provider "nope"/);
    expect(() => registerProvider("Bad Name", () => new ScriptedModel([]))).toThrow(RangeError);
  });
});

describe("languageModelFromEnv", () => {
  it("errors naming TRACE_MODEL when it is not set", async () => {
    const err = await languageModelFromEnv({ env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownModelError);
    expect((err as Error).message).toMatch(/TRACE_MODEL environment variable is not set/);
  });

  it("errors naming the provider's key variable", async () => {
    await expect(languageModelFromEnv({ env: { TRACE_MODEL: "openai:gpt-4o-mini" } })).rejects.toMatchObject({
      envVar: "OPENAI_API_KEY",
    });
  });

  it("reads TRACE_MODEL and TRACE_BASE_URL", async () => {
    const m = await languageModelFromEnv({
      env: { TRACE_MODEL: "qwen2:7b", TRACE_BASE_URL: "http://127.0.0.1:9/v1" },
      defaults: false,
    });
    expect(m).toMatchObject({
      provider: "openai-compatible",
      modelId: "qwen2:7b",
      baseURL: "http://127.0.0.1:9/v1",
    });
    const o = await languageModelFromEnv({
      env: { TRACE_MODEL: "openai:gpt-4o", OPENAI_API_KEY: "sk-test-not-real" },
    });
    expect(o).toMatchObject({ provider: "openai", modelId: "gpt-4o" });
  });
});
