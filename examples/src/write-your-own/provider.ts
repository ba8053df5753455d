import type { GenerateRequest, GenerateResult, LanguageModel } from "@trace-ts/core";
import {
  BadResponseError,
  CallSignal,
  callAbortError,
  estimateInputTokens,
  estimateTextTokens,
  type ProviderErrorContext,
  type ProviderFactory,
  providerFailureToError,
} from "@trace-ts/core/provider";

/**
 * A provider for a small JSON-over-HTTP text service (`POST {baseURL}/generate` with
 * `{ messages, temperature, max_tokens }`, answering `{ text }`), as an example of adding one:
 * the model contract, a per-call abort signal with a time limit, and typed errors.
 */
export class PlainHttpModel implements LanguageModel {
  /** Version of the contract this model follows. */
  readonly specificationVersion = "v1" as const;
  /** `plain-http`. */
  readonly provider = "plain-http";
  readonly #context: ProviderErrorContext;

  /**
   * @param modelId the service's model name
   * @param baseURL where the service listens, e.g. `http://127.0.0.1:8080`
   * @param timeoutMs the time limit of a whole call
   */
  constructor(
    readonly modelId: string,
    readonly baseURL: string,
    readonly timeoutMs = 60_000,
  ) {
    this.#context = { provider: this.provider, modelId, baseURL, timeoutMs };
  }

  /** Sends one request; rejects with a trace-ts error (`CancelledError`, `LLMTimeoutError`, …). */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const call = new CallSignal(request.signal, this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.baseURL}/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          messages: request.messages,
          temperature: request.temperature,
          max_tokens: request.maxTokens,
        }),
        signal: call.signal,
      });
      text = await response.text();
    } catch (error) {
      throw (
        callAbortError(call, error, this.#context) ??
        providerFailureToError({ kind: "connection", error, detail: String(error) }, this.#context)
      );
    } finally {
      call.done();
    }
    if (!response.ok) {
      const failure = {
        kind: "http",
        error: text,
        status: response.status,
        headers: response.headers,
        message: text,
      } as const;
      throw providerFailureToError(failure, this.#context);
    }
    const body = parseBody(text);
    if (body === undefined) throw new BadResponseError(`${this.provider} answered without a text field`);
    return {
      text: body,
      usage: { inputTokens: estimateInputTokens(request), outputTokens: estimateTextTokens(body) },
      finishReason: "stop",
      model: this.modelId,
    };
  }
}

function parseBody(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const value = (body as { text?: unknown } | null)?.text;
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The registry factory: `registerProvider("plain-http", plainHttpProvider)`, then `plain-http:<model>@<url>`. */
export const plainHttpProvider: ProviderFactory = (modelId, options) => {
  if (options.baseURL === undefined)
    throw new TypeError("plain-http models need a base URL: plain-http:<model>@<url>");
  return new PlainHttpModel(modelId, options.baseURL, options.timeoutMs);
};
