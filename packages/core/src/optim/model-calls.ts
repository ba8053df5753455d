import { describeError } from "../graph/node.js";
import type { GenerateRequest, GenerateResult, LanguageModel } from "../llm/types.js";
import type { ModelCall } from "./report.js";

/**
 * Records the model calls an optimizer makes while proposing, so they end up in the step report
 * (prompts, responses, usage, failures). Safe for concurrent calls.
 */
export class ModelCallLog {
  readonly #calls: ModelCall[] = [];

  /** The calls recorded so far, in the order they finished. */
  get calls(): readonly ModelCall[] {
    return this.#calls;
  }

  /**
   * Calls `model.generate(request)` and records it under `purpose`; a failure is recorded and
   * rethrown.
   */
  async generate(model: LanguageModel, request: GenerateRequest, purpose: string): Promise<GenerateResult> {
    const started = performance.now();
    try {
      const result = await model.generate(request);
      this.#calls.push({
        purpose,
        messages: request.messages,
        response: result.text,
        usage: result.usage,
        durationMs: performance.now() - started,
      });
      return result;
    } catch (error) {
      this.#calls.push({
        purpose,
        messages: request.messages,
        error: describeError(error),
        durationMs: performance.now() - started,
      });
      throw error;
    }
  }
}
