import { types } from "node:util";
import { findStopError } from "../errors/stop-error.js";
import { HOST_ERROR_CONSTRUCTORS as HOST_ERRORS, SandboxDataError } from "./errors.js";
import { BLOCKED_PROPERTIES } from "./parse.js";
import type { SandboxRuntime } from "./sandbox.js";

/** What kind of host value `importValue` copies (or `other`: it goes behind a proxy). */
type PlainKind = "array" | "object" | "date" | "regexp" | "map" | "set" | "other";

/**
 * The host side of a `realm` sandbox's boundary.
 *
 * Host values going in (`toSandbox`): primitives as they are; plain data (arrays, plain objects,
 * Dates, RegExps, Maps, Sets) copied into realm objects; functions as realm-made wrappers that
 * convert their arguments to host data inside the realm; promises as realm promises (the run-time
 * clock stops while the host promise is pending); errors as realm errors with the same name and
 * message; anything else (class instances, graph nodes, `this`) behind a proxy whose prototype is
 * null, which hides `constructor`/`__proto__` and whose property values go through the same
 * conversion. Proxies made during a call are revoked when the call ends.
 *
 * Errors a helper raised that must stop the run (cancellation, spent budget) are remembered per
 * call, so the host can rethrow them whatever the sandboxed code did with them.
 *
 * This narrows what host objects expose; it is not a boundary for objects the user hands in: a
 * method of `this` runs host code with host powers.
 */
export class Membrane {
  readonly #runtime: SandboxRuntime;
  readonly #name: string;
  #wrappers = new WeakMap<object, unknown>();
  #proxies = new WeakMap<object, object>();
  readonly #targets = new WeakMap<object, object>();
  #revokers: Array<() => void> | undefined;
  #stop: unknown;

  /**
   * @param runtime the sandbox's trusted runtime
   * @param name the function the sandbox runs (error messages)
   */
  constructor(runtime: SandboxRuntime, name: string) {
    this.#runtime = runtime;
    this.#name = name;
  }

  /**
   * The host functions the realm runtime is given (as closure variables; sandboxed code never holds
   * them): `base` plus the membrane's conversions.
   */
  static hooks(base: object, membrane: () => Membrane): object {
    const m = membrane;
    return Object.freeze(
      Object.assign(base, {
        isProxy: (v: unknown) => types.isProxy(v),
        isNativeError: (v: unknown) => types.isNativeError(v),
        isPromise: (v: unknown) => types.isPromise(v),
        unwrap: (v: unknown) => (typeof v === "object" && v !== null ? m().#targets.get(v) : undefined),
        dataError: (where: unknown, problem: unknown) =>
          new SandboxDataError(m().#name, String(where), String(problem)),
        TAG: EXPORT_TAG,
        newError: (name: unknown, message: unknown, stack: unknown) => hostError(name, message, stack),
        plainKind,
        keys: (v: object) => Object.keys(v),
        entries: (v: Map<unknown, unknown>) => [...v.entries()],
        values: (v: Set<unknown>) => [...v.values()],
        time: (v: Date) => v.getTime(),
        toSandbox: (v: unknown) => m().toSandbox(v),
        callHost: (fn: (...a: unknown[]) => unknown, self: unknown, args: readonly unknown[]) => {
          const membrane = m();
          const hostArgs: unknown[] = [];
          for (let i = 0; i < args.length; i++) hostArgs.push(membrane.adopt(args[i]));
          return membrane.callHost(fn, self, hostArgs);
        },
      }),
    );
  }

  /**
   * Copies what the realm runtime's `exportValue` built (a fresh structure nothing else references:
   * arrays, objects without prototype, and records marked with `EXPORT_TAG`) into host values.
   */
  adopt(shadow: unknown): unknown {
    if (typeof shadow !== "object" || shadow === null) return shadow;
    return adoptShadow(shadow, new Map());
  }

  /** Starts a call: proxies made from now on are revoked by `endCall`; no stop error yet. */
  beginCall(): void {
    this.#revokers = [];
    this.#stop = undefined;
  }

  /**
   * Ends a call: revokes its proxies.
   *
   * @returns the run-stopping error a helper raised during the call, if any
   */
  endCall(): unknown {
    const revokers = this.#revokers;
    this.#revokers = undefined;
    if (revokers !== undefined && revokers.length > 0) {
      for (const revoke of revokers) revoke();
      this.#proxies = new WeakMap();
    }
    const stop = this.#stop;
    this.#stop = undefined;
    return stop;
  }

  /** A host value as the sandbox may see it (see the class comment). */
  toSandbox(value: unknown): unknown {
    if (typeof value === "function") {
      let wrapper = this.#wrappers.get(value);
      if (wrapper === undefined) {
        wrapper = this.#runtime.makeFunction(value as (...args: unknown[]) => unknown);
        this.#wrappers.set(value, wrapper);
      }
      return wrapper;
    }
    if (typeof value !== "object" || value === null) return value;
    if (types.isPromise(value)) return this.#bridgePromise(value as Promise<unknown>);
    if (types.isNativeError(value)) return this.#errorIn(value);
    const kind = plainKind(value);
    if (kind !== "other") return this.#runtime.importValue(value, kind);
    return this.#proxy(value);
  }

  /** Calls a host function for the sandbox (arguments are host data already). */
  callHost(fn: (...args: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
    let result: unknown;
    try {
      result = Reflect.apply(fn, self, args);
    } catch (error) {
      this.#note(error);
      throw this.#errorIn(error);
    }
    return this.toSandbox(result);
  }

  #note(error: unknown): void {
    if (this.#stop !== undefined) return;
    const stop = findStopError(error);
    if (stop !== undefined) this.#stop = stop;
  }

  #errorIn(error: unknown): unknown {
    if (error instanceof Error || types.isNativeError(error)) {
      const e = error as Error;
      return this.#runtime.importError(String(e.name), String(e.message));
    }
    return this.#runtime.importError("Error", `a host function threw ${String(error)}`);
  }

  #bridgePromise(promise: Promise<unknown>): unknown {
    const { promise: inner, resolve, reject } = this.#runtime.newPromise();
    promise.then(
      (value) => {
        this.#runtime.resumed();
        try {
          resolve(this.toSandbox(value));
        } catch (error) {
          reject(this.#errorIn(error));
        }
      },
      (error: unknown) => {
        this.#note(error);
        this.#runtime.resumed();
        reject(this.#errorIn(error));
      },
    );
    return inner;
  }

  #proxy(target: object): object {
    const known = this.#proxies.get(target);
    if (known !== undefined) return known;
    const membrane = this;
    const runtime = this.#runtime;
    const handler: ProxyHandler<object> = {
      get(_shadow, key) {
        if (typeof key === "string" && BLOCKED_PROPERTIES.has(key)) return undefined;
        return membrane.toSandbox(Reflect.get(target, key, target));
      },
      set(_shadow, key, value) {
        if (typeof key === "string" && BLOCKED_PROPERTIES.has(key)) return false;
        return Reflect.set(
          target,
          key,
          runtime.exportValue(value, `the value set as '${String(key)}'`),
          target,
        );
      },
      has: (_shadow, key) => Reflect.has(target, key),
      deleteProperty: (_shadow, key) => Reflect.deleteProperty(target, key),
      ownKeys: () => Reflect.ownKeys(target),
      getOwnPropertyDescriptor(_shadow, key) {
        const d = Reflect.getOwnPropertyDescriptor(target, key);
        if (d === undefined) return undefined;
        const value =
          typeof key === "string" && BLOCKED_PROPERTIES.has(key)
            ? undefined
            : membrane.toSandbox("value" in d ? d.value : Reflect.get(target, key, target));
        return { value, writable: true, enumerable: d.enumerable ?? false, configurable: true };
      },
      defineProperty: () => false,
      getPrototypeOf: () => null,
      setPrototypeOf: () => false,
      preventExtensions: () => false,
      isExtensible: () => true,
    };
    let proxy: object;
    if (this.#revokers !== undefined) {
      const r = Proxy.revocable(Object.create(null) as object, handler);
      this.#revokers.push(r.revoke);
      proxy = r.proxy;
    } else {
      proxy = new Proxy(Object.create(null) as object, handler);
    }
    this.#proxies.set(target, proxy);
    this.#targets.set(proxy, target);
    return proxy;
  }
}

/** Marks the records of an exported structure that are not arrays or plain objects. */
const EXPORT_TAG = Symbol("trace-ts.realm-export");

interface ExportRecord {
  readonly [EXPORT_TAG]: "host" | "date" | "regexp" | "map" | "set";
  readonly a: unknown;
  readonly b: unknown;
}

function adoptShadow(v: object, seen: Map<object, unknown>): unknown {
  const done = seen.get(v);
  if (done !== undefined) return done;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    seen.set(v, out);
    for (let i = 0; i < v.length; i++) out.push(adoptItem(v[i], seen));
    return out;
  }
  const r = v as ExportRecord;
  switch (r[EXPORT_TAG]) {
    case "host":
      return r.a;
    case "date":
      return new Date(r.a as number);
    case "regexp":
      return new RegExp(r.a as string, r.b as string);
    case "map": {
      const out = new Map<unknown, unknown>();
      seen.set(v, out);
      const e = r.a as unknown[];
      for (let i = 0; i + 1 < e.length; i += 2) out.set(adoptItem(e[i], seen), adoptItem(e[i + 1], seen));
      return out;
    }
    case "set": {
      const out = new Set<unknown>();
      seen.set(v, out);
      const e = r.a as unknown[];
      for (let i = 0; i < e.length; i++) out.add(adoptItem(e[i], seen));
      return out;
    }
    default: {
      const out: Record<string, unknown> = {};
      seen.set(v, out);
      for (const k of Object.keys(v)) {
        const value = adoptItem((v as Record<string, unknown>)[k], seen);
        if (k === "__proto__")
          Object.defineProperty(out, k, { value, writable: true, enumerable: true, configurable: true });
        else out[k] = value;
      }
      return out;
    }
  }
}

function adoptItem(v: unknown, seen: Map<object, unknown>): unknown {
  return typeof v === "object" && v !== null ? adoptShadow(v, seen) : v;
}

function plainKind(v: unknown): PlainKind {
  if (typeof v !== "object" || v === null || types.isProxy(v)) return "other";
  if (Array.isArray(v)) return "array";
  if (types.isDate(v)) return "date";
  if (types.isRegExp(v)) return "regexp";
  if (types.isMap(v)) return "map";
  if (types.isSet(v)) return "set";
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== null && Object.getPrototypeOf(proto) !== null) return "other";
  // an object with methods (a namespace of helpers, a store) keeps its identity behind a proxy
  for (const key of Object.keys(v))
    if (typeof (v as Record<string, unknown>)[key] === "function") return "other";
  return "object";
}

/** A host error built from a name, message and stack read inside the realm. */
function hostError(name: unknown, message: unknown, stack: unknown): Error {
  const n = typeof name === "string" ? name : "Error";
  const Host = HOST_ERRORS.get(n) ?? Error;
  const error = new Host(typeof message === "string" ? message : "");
  if (Host === Error && n !== "Error")
    Object.defineProperty(error, "name", { value: n, writable: true, configurable: true });
  if (typeof stack === "string")
    Object.defineProperty(error, "stack", { value: stack, writable: true, configurable: true });
  return error;
}
