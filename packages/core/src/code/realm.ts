import { types } from "node:util";

/** The intrinsic prototypes of a sandbox realm. */
export interface RealmPrototypes {
  readonly object: object;
  readonly array: object;
  readonly map: object;
  readonly set: object;
  readonly date: object;
  readonly regexp: object;
  readonly error: object;
  readonly promise: object;
}

const HOST_ERRORS: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/**
 * Converts values made by sandboxed code into host-realm values, so that code downstream of a
 * recompiled function behaves as it did with the original: arrays pass `instanceof Array`, errors
 * pass `instanceof Error`. Plain objects, arrays, Maps, Sets, Dates, RegExps and errors of the
 * sandbox realm are copied (deeply, cycles kept); host-realm objects and anything else (class
 * instances defined by the code, functions) are passed through unchanged.
 */
export class RealmBridge {
  readonly #protos: RealmPrototypes;

  /** @param protos the sandbox realm's intrinsic prototypes */
  constructor(protos: RealmPrototypes) {
    this.#protos = protos;
  }

  /** The host-realm equivalent of a value returned by sandboxed code. */
  adopt(value: unknown): unknown {
    if (typeof value !== "object" || value === null) return value;
    return this.#adopt(value, new Map());
  }

  /** The host-realm equivalent of an error thrown by sandboxed code (the original is its `cause`). */
  adoptError(error: unknown): unknown {
    if (typeof error !== "object" || error === null || !this.#isSandboxError(error)) return error;
    return this.#copyError(error as Error);
  }

  #isSandboxError(value: object): boolean {
    if (!types.isNativeError(value) || value instanceof Error) return false;
    let proto = Object.getPrototypeOf(value) as object | null;
    while (proto !== null) {
      if (proto === this.#protos.error) return true;
      proto = Object.getPrototypeOf(proto) as object | null;
    }
    return false;
  }

  #copyError(error: Error): Error {
    const Host = HOST_ERRORS[error.name] ?? Error;
    const copy = new Host(error.message, { cause: error });
    if (!(error.name in HOST_ERRORS)) copy.name = error.name;
    if (typeof error.stack === "string") copy.stack = error.stack;
    return copy;
  }

  #adopt(value: object, seen: Map<object, unknown>): unknown {
    const done = seen.get(value);
    if (done !== undefined) return done;
    const proto = Object.getPrototypeOf(value) as object | null;
    const p = this.#protos;
    if (proto === p.array) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value as unknown[]) out.push(this.#adoptValue(item, seen));
      return out;
    }
    if (proto === p.object) {
      const out: Record<string, unknown> = {};
      seen.set(value, out);
      for (const key of Object.keys(value))
        out[key] = this.#adoptValue((value as Record<string, unknown>)[key], seen);
      return out;
    }
    if (proto === p.map) {
      const out = new Map<unknown, unknown>();
      seen.set(value, out);
      for (const [k, v] of value as Map<unknown, unknown>)
        out.set(this.#adoptValue(k, seen), this.#adoptValue(v, seen));
      return out;
    }
    if (proto === p.set) {
      const out = new Set<unknown>();
      seen.set(value, out);
      for (const v of value as Set<unknown>) out.add(this.#adoptValue(v, seen));
      return out;
    }
    if (proto === p.date) return new Date((value as Date).getTime());
    if (proto === p.regexp) return new RegExp((value as RegExp).source, (value as RegExp).flags);
    if (this.#isSandboxError(value)) return this.#copyError(value as Error);
    return value;
  }

  #adoptValue(value: unknown, seen: Map<object, unknown>): unknown {
    return typeof value === "object" && value !== null ? this.#adopt(value, seen) : value;
  }
}
