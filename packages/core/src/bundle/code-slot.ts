import { effectiveIsolation } from "../code/isolation.js";
import type { IsolationLevel } from "../code/runner.js";
import { ParameterNode } from "../graph/node.js";
import type { BundleDefinition, Runnable } from "./definition.js";
import { NotTrainableError, SourceUnavailableError } from "./errors.js";

const slotsByParameter = new WeakMap<object, CodeSlot>();

/**
 * The isolation tier that runs suggested code for a trainable code parameter (see
 * `effectiveIsolation`), or undefined when the parameter is not the code of a bundle.
 */
export function codeIsolationOf(parameter: object): IsolationLevel | undefined {
  return slotsByParameter.get(parameter)?.isolation;
}

/**
 * @internal The code of one bundled function, or of one bundled method on one instance: its code
 * parameter (trainable bundles only, created on first use), the code currently compiled from it,
 * and the last source that ran without error (for `rollback()`).
 *
 * A changed parameter value is noticed on the next call (a string comparison per call); each
 * distinct source is compiled once.
 */
export class CodeSlot {
  /** What is being called. */
  readonly definition: BundleDefinition;
  #parameter: ParameterNode<string> | undefined;
  #active: Runnable | undefined;
  #activeSource: unknown;
  #activeIsolation: IsolationLevel | undefined;
  #failedSource: unknown;
  #failure: unknown;
  #lastGood: string | undefined;

  /** @param definition the bundled function */
  constructor(definition: BundleDefinition) {
    this.definition = definition;
  }

  /** Whether the code may change. */
  get trainable(): boolean {
    return this.definition.options.trainable;
  }

  /**
   * The trainable code parameter (key like `__code0`), created on first access; undefined when the
   * bundle is not trainable.
   *
   * @throws SourceUnavailableError when the function's source cannot be read
   */
  get parameter(): ParameterNode<string> | undefined {
    if (!this.trainable) return undefined;
    if (this.#parameter === undefined) {
      const def = this.definition;
      const source = def.source;
      if (source === undefined) throw new SourceUnavailableError(def.name);
      this.#parameter = new ParameterNode<string>(source, {
        name: "__code",
        description: `The source code of the function ${def.name}. ${def.options.description ?? ""}`.trim(),
        constraint: def.constraint(),
        trainable: true,
        info: { code: true, bundle: def.name },
        validate: (candidate) => {
          def.prepareOrOriginal(candidate);
        },
      });
      this.#lastGood = source;
      slotsByParameter.set(this.#parameter, this);
      def.warnAboutMissingScope();
    }
    return this.#parameter;
  }

  /** The isolation tier suggested code of this slot runs in now. */
  get isolation(): IsolationLevel {
    return effectiveIsolation(this.definition.options.isolation, this.#parameter);
  }

  /**
   * The code to run now. Reads the code parameter and compiles a new value (once per distinct
   * source; a failed source is remembered and fails again without recompiling).
   *
   * @throws the compile error of the current source
   */
  resolve(): Runnable {
    const def = this.definition;
    if (!this.trainable) return def.originalRunnable;
    def.warnAboutMissingScope();
    const source = this.#parameter === undefined ? def.source : this.#parameter._data;
    const isolation = this.isolation;
    if (source === this.#activeSource && isolation === this.#activeIsolation && this.#active !== undefined)
      return this.#active;
    if (source === this.#failedSource) throw this.#failure;
    let runnable: Runnable;
    try {
      runnable = source === def.source ? def.originalRunnable : def.runnableFor(source, isolation);
    } catch (error) {
      this.#failedSource = source;
      this.#failure = error;
      throw error;
    }
    this.#active = runnable;
    this.#activeSource = source;
    this.#activeIsolation = isolation;
    this.#failedSource = undefined;
    this.#failure = undefined;
    return runnable;
  }

  /** Records that `runnable` finished a call without error. */
  succeeded(runnable: Runnable): void {
    if (this.trainable && runnable === this.#active) this.#lastGood = runnable.source;
  }

  /** The current source (the code parameter's value, or the captured source). */
  getSource(): string {
    const p = this.trainable ? this.parameter : undefined;
    if (p !== undefined) return p._data;
    const source = this.definition.source;
    if (source === undefined) throw new SourceUnavailableError(this.definition.name);
    return source;
  }

  /**
   * Checks and applies new source (JavaScript or TypeScript).
   *
   * @throws NotTrainableError, or the compile/signature error (the current code stays)
   */
  setSource(source: string): void {
    const p = this.parameter;
    if (p === undefined) throw new NotTrainableError(this.definition.name, "setSource()");
    if (source === p._data) return;
    this.definition.prepareOrOriginal(source);
    p.data = source;
  }

  /** The last source that ran without error (the original until a suggestion succeeds). */
  get lastWorkingSource(): string | undefined {
    if (!this.trainable) return this.definition.source;
    void this.parameter;
    return this.#lastGood;
  }

  /**
   * Puts the last working source back into the code parameter.
   *
   * @returns whether the code changed
   * @throws NotTrainableError
   */
  rollback(): boolean {
    const p = this.parameter;
    if (p === undefined) throw new NotTrainableError(this.definition.name, "rollback()");
    if (this.#lastGood === undefined || this.#lastGood === p._data) return false;
    p.data = this.#lastGood;
    return true;
  }
}
