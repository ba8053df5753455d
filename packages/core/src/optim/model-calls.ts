import { rootErrorCode } from "../errors/trace-error.js";
import { describeError } from "../graph/node.js";
import type { GenerateRequest, GenerateResult, LanguageModel } from "../llm/types.js";
import { generateInstrumented } from "../ops/llm-span.js";
import type { ModelCall } from "./report.js";

/**
 * Records the model calls an optimizer makes while proposing, so they end up in the step report
 * (prompts, responses, usage, failures with their error code). Safe for concurrent calls.
 */
export class ModelCallLog {
  readonly #calls: ModelCall[] = [];

  /** The calls recorded so far, in the order they finished. */
  get calls(): readonly ModelCall[] {
    return this.#calls;
  }

  /**
   * Calls `model.generate(request)` with `purpose` set on the request (unless it has one) and
   * records the call under it; a failure is recorded (message and `errorCode`) and rethrown. The
   * call is a `model.call` unit of work of the current instrumentation, with `purpose` as its
   * `trace_ts.call.purpose`.
   */
  async generate(model: LanguageModel, request: GenerateRequest, purpose: string): Promise<GenerateResult> {
    const started = performance.now();
    const sent = request.purpose === undefined ? { ...request, purpose } : request;
    try {
      const result = await generateInstrumented(model, sent, purpose);
      this.#calls.push({
        purpose,
        messages: request.messages,
        response: result.text,
        usage: result.usage,
        durationMs: performance.now() - started,
      });
      return result;
    } catch (error) {
      const errorCode = rootErrorCode(error);
      this.#calls.push({
        purpose,
        messages: request.messages,
        error: describeError(error),
        ...(errorCode !== undefined ? { errorCode } : {}),
        durationMs: performance.now() - started,
      });
      throw error;
    }
  }
}
