/**
 * Composition of language-model middleware. A middleware takes a model and returns a model with
 * the same `provider`/`modelId` that adds behaviour around `generate` (retry, cache, limits...).
 */
import { checkContract } from "../contract.js";
import type { GenerateRequest, GenerateResult, LanguageModel, LanguageModelSpecification } from "../types.js";

/** Wraps a model into another model (same provider and model id) that adds some behaviour. */
export type LanguageModelMiddleware = (model: LanguageModel) => LanguageModel;

/** Calls the next model in the chain. */
export type NextGenerate = (request: GenerateRequest) => Promise<GenerateResult>;

/**
 * The behaviour of a middleware: receives each request and `next`, which calls the wrapped model,
 * and resolves with the result (or throws).
 */
export type MiddlewareHandler = (
  request: GenerateRequest,
  next: NextGenerate,
  model: LanguageModel,
) => Promise<GenerateResult>;

/**
 * A model produced by a middleware. `inner` is the model it wraps, so chains can be inspected
 * (see {@link unwrapModel}).
 */
export class WrappedModel implements LanguageModel {
  /** The wrapped model's contract version (a wrapper adds behaviour, not capabilities). */
  readonly specificationVersion: LanguageModelSpecification;
  /** The wrapped model's provider. */
  readonly provider: string;
  /** The wrapped model's id. */
  readonly modelId: string;
  /** Name of the middleware that produced this wrapper (for debugging). */
  readonly middleware: string;
  /** The wrapped model. */
  readonly inner: LanguageModel;
  readonly #handler: MiddlewareHandler;
  readonly #next: NextGenerate;

  /**
   * @param inner the model to wrap
   * @param name the middleware's name
   * @param handler its behaviour
   */
  constructor(inner: LanguageModel, name: string, handler: MiddlewareHandler) {
    this.inner = inner;
    this.specificationVersion = inner.specificationVersion;
    this.provider = inner.provider;
    this.modelId = inner.modelId;
    this.middleware = name;
    this.#handler = handler;
    this.#next = (request) => inner.generate(request);
  }

  /**
   * Runs the middleware around the wrapped model. A request that needs contract v2 (tools,
   * images) for a v1 model is refused here with `InvalidRequestError`, before any middleware runs.
   */
  generate(request: GenerateRequest): Promise<GenerateResult> {
    try {
      checkContract(this.inner, request);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#handler(request, this.#next, this.inner);
  }

  /** `WrappedModel(middleware → provider:modelId)`. */
  toString(): string {
    return `WrappedModel(${this.middleware} → ${this.provider}:${this.modelId})`;
  }
}

/**
 * Builds a middleware from a handler.
 *
 * @example
 * const upper = defineMiddleware("upper", async (req, next) => {
 *   const r = await next(req);
 *   return { ...r, text: r.text.toUpperCase() };
 * });
 *
 * @param name shown in `WrappedModel.middleware` and `toString()`
 * @param handler the behaviour around `generate`
 */
export function defineMiddleware(name: string, handler: MiddlewareHandler): LanguageModelMiddleware {
  return (model) => new WrappedModel(model, name, handler);
}

/**
 * Applies middleware to a model. The first middleware listed is the outermost: it sees each call
 * first and the result last. `wrapModel(m, a, b)` is `a(b(m))`.
 *
 * @param model the model to wrap
 * @param middleware middleware, outermost first; `undefined`/`false` entries are skipped so
 *   stacks can be built conditionally
 */
export function wrapModel(
  model: LanguageModel,
  ...middleware: ReadonlyArray<LanguageModelMiddleware | undefined | false>
): LanguageModel {
  let wrapped = model;
  for (let i = middleware.length - 1; i >= 0; i--) {
    const m = middleware[i];
    if (m) wrapped = m(wrapped);
  }
  return wrapped;
}

/** The model at the bottom of a chain of {@link WrappedModel}s (the provider model). */
export function unwrapModel(model: LanguageModel): LanguageModel {
  let m = model;
  while (m instanceof WrappedModel) m = m.inner;
  return m;
}
