/**
 * Source of the trusted runtime installed in every `realm` sandbox before any suggested code runs.
 *
 * It runs inside the sandbox's V8 context and captures that context's intrinsics (`Reflect`,
 * `Object.getOwnPropertyDescriptor`, the built-in prototypes…) at creation, so later changes by
 * suggested code (a replaced `Array.prototype.push`, a getter on `Object.prototype`) cannot steer
 * it. Host functions reach it only as closure variables (the `H` object), never as properties
 * suggested code could read. It provides:
 *
 * - the guard called at every loop head and function entry, which keeps the run-time clock;
 * - `exportValue`/`exportError`: sandbox values turned into host data *inside* the realm (data
 *   properties only; proxies, getters, foreign prototypes and functions are refused), so the host
 *   never calls into an object the sandbox made;
 * - `importValue`: host plain data copied into realm objects;
 * - `makeFunction`: realm-made wrappers of host functions (scope helpers, methods of `this`);
 * - a `console` that formats its arguments into strings inside the realm;
 * - regular-expression methods that run patterns with backreferences or lookarounds (which V8's
 *   linear engine cannot take) under vm's hard timeout with the remaining budget;
 * - a locked `Error.prepareStackTrace`, so no stack formatting hook of the sandbox ever sees host
 *   call sites.
 */
export const REALM_RUNTIME_SOURCE = `(function (H) {
  "use strict";
  const G = globalThis;
  const R = Reflect;
  const apply = R.apply, ownKeys = R.ownKeys, getProto = R.getPrototypeOf;
  const getDesc = R.getOwnPropertyDescriptor, define = R.defineProperty;
  const freeze = Object.freeze, create = Object.create, isArray = Array.isArray;
  const now = Date.now;
  const P = {
    object: Object.prototype, array: Array.prototype, date: Date.prototype, map: Map.prototype,
    set: Set.prototype, regexp: RegExp.prototype, error: Error.prototype, promise: Promise.prototype,
  };
  const ERRORS = [
    [TypeError.prototype, "TypeError"], [RangeError.prototype, "RangeError"],
    [ReferenceError.prototype, "ReferenceError"], [SyntaxError.prototype, "SyntaxError"],
    [EvalError.prototype, "EvalError"], [URIError.prototype, "URIError"], [Error.prototype, "Error"],
  ];
  const AggregateProto = typeof AggregateError === "function" ? AggregateError.prototype : undefined;
  const dateTime = Date.prototype.getTime;
  const mapForEach = Map.prototype.forEach, setForEach = Set.prototype.forEach;
  const mapSet = Map.prototype.set, setAdd = Set.prototype.add;
  const MapCtor = Map, SetCtor = Set, DateCtor = Date, RegExpCtor = RegExp, PromiseCtor = Promise;
  const seenGet = Map.prototype.get, seenSet = Map.prototype.set;
  const promiseThen = Promise.prototype.then;
  const rxSource = getDesc(RegExp.prototype, "source").get;
  const rxFlags = getDesc(RegExp.prototype, "flags").get;
  const symToString = Symbol.prototype.toString;
  const stringify = JSON.stringify;
  const strSlice = String.prototype.slice;
  const ErrorCtor = Error, RangeErrorCtor = RangeError, TypeErrorCtor = TypeError;
  const WeakMapCtor = WeakMap, wmGet = WeakMap.prototype.get, wmSet = WeakMap.prototype.set;
  const MAX_ITEMS = 1000000;

  // ---- clock: run time of this instance's current call ----
  // The clock is read at most every 16th guard (a countdown costs far less than Date.now()); the
  // time between two reads is counted in full, so sampling delays a check but loses no time.
  const STRIDE = 16;
  let budget = Infinity, used = 0, last = 0, dead = false, heapMark = 0, countdown = STRIDE;
  const fail = () => {
    dead = true;
    countdown = 0;
    const error = new RangeErrorCtor("time limit: the code ran for more than " + budget + " ms");
    H.markTimeout(error);
    throw error;
  };
  const failMemory = () => {
    dead = true;
    countdown = 0;
    const error = new RangeErrorCtor("memory limit: the code allocated too much");
    H.markMemory(error);
    throw error;
  };
  // the stride adapts: guards far apart in time (slow steps, big allocations) are all checked
  let stride = STRIDE;
  const guard = () => {
    if (--countdown > 0) return;
    const t = now();
    const gap = t - last;
    stride = gap > 1 ? 1 : stride < STRIDE ? stride * 2 : STRIDE;
    countdown = stride;
    used += gap;
    last = t;
    if (dead || used > budget) fail();
    // slow steps are where memory grows fast (a doubling array): check the heap after each of them
    if (gap > 1 || t - heapMark > 8) {
      heapMark = t;
      if (H.heapFull()) failMemory();
    }
  };
  const tick = () => {
    const t = now();
    used += t - last;
    last = t;
    if (dead || used > budget) fail();
  };

  // ---- export: sandbox values to host data, read inside the realm ----
  const DataError = (where, problem) => H.dataError(where, problem);
  const errorName = (value) => {
    let proto = getProto(value);
    let own = getDesc(value, "name");
    for (let depth = 0; proto !== null && depth < 32; depth++) {
      if (H.isProxy(proto)) break;
      for (let i = 0; i < ERRORS.length; i++) {
        if (proto === ERRORS[i][0]) {
          if (own !== undefined && "value" in own && typeof own.value === "string") return own.value;
          return ERRORS[i][1];
        }
      }
      if (proto === AggregateProto) return "AggregateError";
      if (own === undefined) own = getDesc(proto, "name");
      proto = getProto(proto);
    }
    return own !== undefined && "value" in own && typeof own.value === "string" ? own.value : "Error";
  };
  const dataString = (value, key) => {
    const d = getDesc(value, key);
    return d !== undefined && "value" in d && typeof d.value === "string" ? d.value : undefined;
  };
  // V8 12 and later (Node 22+) make an error's stack an own accessor whose getter is shared and
  // native; only that getter is called, never one the code defined.
  const probeStack = getDesc(new ErrorCtor(), "stack");
  const nativeStackGet = probeStack !== undefined && typeof probeStack.get === "function" ? probeStack.get : undefined;
  const stackText = (error) => {
    const d = getDesc(error, "stack");
    if (d === undefined) return undefined;
    if ("value" in d) return typeof d.value === "string" ? d.value : undefined;
    if (nativeStackGet === undefined || d.get !== nativeStackGet) return undefined;
    const text = apply(nativeStackGet, error, []);
    return typeof text === "string" ? text : undefined;
  };
  const exportError = (error) => {
    if (typeof error !== "object" || error === null || H.isProxy(error) || !H.isNativeError(error)) {
      if (typeof error === "object" && error !== null && !H.isProxy(error)) {
        const host = H.unwrap(error);
        if (host !== undefined) return host;
      }
      let text;
      try { text = typeof error === "symbol" ? apply(symToString, error, []) : typeof error === "object" || typeof error === "function" ? "a non-Error object" : "" + error; }
      catch (_) { text = "a value that could not be shown"; }
      return H.newError("Error", "the code threw " + text, undefined);
    }
    const name = errorName(error);
    const message = dataString(error, "message") || "";
    let stack;
    try { stack = stackText(error); } catch (_) { stack = undefined; }
    return H.newError(name, message, stack);
  };
  // The export builds a fresh structure that only this runtime ever references (arrays, objects
  // without prototype, and TAG-marked records for the other kinds), with data properties only; the
  // host then copies it in one pass (Membrane.adopt) without calling back into the realm.
  const TAG = H.TAG;
  const put = (o, k, v) => { define(o, k, { value: v, writable: true, enumerable: true, configurable: true }); };
  const record = (tag, a, b) => {
    const o = create(null);
    put(o, TAG, tag);
    put(o, "a", a);
    put(o, "b", b);
    return o;
  };
  const exportValue = (value, where, trusted) => {
    if (typeof value !== "object" || value === null) {
      if (typeof value === "function" && trusted !== true) throw DataError(where, "it is a function");
      return value;
    }
    let count = 0;
    const seen = new MapCtor();
    const walk = (v) => {
      if (typeof v !== "object" || v === null) {
        if (typeof v !== "function") return v;
        if (trusted !== true) throw DataError(where, "it holds a function");
        return record("host", v);
      }
      if (++count > MAX_ITEMS) throw DataError(where, "it has more than " + MAX_ITEMS + " items");
      if (H.isProxy(v)) {
        const host = H.unwrap(v);
        if (host !== undefined) return record("host", host);
        throw DataError(where, "it holds a proxy");
      }
      const done = apply(seenGet, seen, [v]);
      if (done !== undefined) return done;
      const proto = getProto(v);
      if (proto === P.array && isArray(v)) {
        const out = [];
        apply(seenSet, seen, [v, out]);
        const n = getDesc(v, "length").value;
        for (let i = 0; i < n; i++) {
          const d = getDesc(v, i);
          if (d === undefined) { put(out, i, undefined); continue; }
          if (!("value" in d)) throw DataError(where, "it has a getter at index " + i);
          put(out, i, walk(d.value));
        }
        return out;
      }
      if (proto === P.object || proto === null) {
        const out = create(null);
        apply(seenSet, seen, [v, out]);
        const keys = ownKeys(v);
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          if (typeof k !== "string") continue;
          const d = getDesc(v, k);
          if (d === undefined || !d.enumerable) continue;
          if (!("value" in d)) throw DataError(where, "it has a getter for '" + k + "'");
          put(out, k, walk(d.value));
        }
        return out;
      }
      if (proto === P.date) return record("date", apply(dateTime, v, []));
      if (proto === P.regexp) return record("regexp", apply(rxSource, v, []), apply(rxFlags, v, []));
      if (proto === P.map) {
        const entries = [];
        const out = record("map", entries);
        apply(seenSet, seen, [v, out]);
        apply(mapForEach, v, [(val, key) => { put(entries, entries.length, walk(key)); put(entries, entries.length, walk(val)); }]);
        return out;
      }
      if (proto === P.set) {
        const items = [];
        const out = record("set", items);
        apply(seenSet, seen, [v, out]);
        apply(setForEach, v, [(val) => { put(items, items.length, walk(val)); }]);
        return out;
      }
      if (H.isNativeError(v)) return record("host", exportError(v));
      const host = H.unwrap(v);
      if (host !== undefined) return record("host", host);
      if (trusted === true) return record("host", v);
      throw DataError(where, "it holds an object that is not plain data (a class instance, or a built-in other than Array, Object, Date, RegExp, Map, Set and Error)");
    };
    return walk(value);
  };

  // ---- import: host plain data copied into the realm ----
  const importValue = (value, topKind) => {
    const seen = new MapCtor();
    const walk = (v, known) => {
      if (typeof v !== "object" || v === null) return typeof v === "function" ? H.toSandbox(v) : v;
      const done = apply(seenGet, seen, [v]);
      if (done !== undefined) return done;
      const kind = known ?? H.plainKind(v);
      if (kind === "array") {
        const out = [];
        apply(seenSet, seen, [v, out]);
        const n = v.length;
        for (let i = 0; i < n; i++) define(out, i, { value: walk(v[i]), writable: true, enumerable: true, configurable: true });
        return out;
      }
      if (kind === "object") {
        const out = {};
        apply(seenSet, seen, [v, out]);
        const keys = H.keys(v);
        for (let i = 0; i < keys.length; i++) define(out, keys[i], { value: walk(v[keys[i]]), writable: true, enumerable: true, configurable: true });
        return out;
      }
      if (kind === "date") return new DateCtor(H.time(v));
      if (kind === "regexp") return new RegExpCtor(v.source, v.flags);
      if (kind === "map") {
        const out = new MapCtor();
        apply(seenSet, seen, [v, out]);
        const entries = H.entries(v);
        for (let i = 0; i < entries.length; i++) apply(mapSet, out, [walk(entries[i][0]), walk(entries[i][1])]);
        return out;
      }
      if (kind === "set") {
        const out = new SetCtor();
        apply(seenSet, seen, [v, out]);
        const values = H.values(v);
        for (let i = 0; i < values.length; i++) apply(setAdd, out, [walk(values[i])]);
        return out;
      }
      return H.toSandbox(v);
    };
    return walk(value, topKind);
  };
  const importError = (name, message) => {
    let Ctor = ErrorCtor;
    if (name === "TypeError") Ctor = TypeError; else if (name === "RangeError") Ctor = RangeError;
    else if (name === "ReferenceError") Ctor = ReferenceError; else if (name === "SyntaxError") Ctor = SyntaxError;
    const e = new Ctor(message);
    if (Ctor === ErrorCtor && name !== "Error") define(e, "name", { value: name, writable: true, configurable: true });
    return e;
  };

  // ---- host functions as realm-made wrappers ----
  const makeFunction = (hostFn) => {
    const wrapper = function (...args) {
      tick();
      const self = typeof this !== "object" || this === null ? this : H.isProxy(this) ? H.unwrap(this) : undefined;
      const hostArgs = [];
      for (let i = 0; i < args.length; i++) put(hostArgs, i, exportValue(args[i], "argument " + (i + 1) + " of a host function"));
      try {
        return H.callHost(hostFn, self, hostArgs);
      } finally {
        last = now();
        if (dead) fail();
      }
    };
    return freeze(wrapper);
  };
  const newPromise = () => {
    let resolve, reject;
    const promise = new PromiseCtor((a, b) => { resolve = a; reject = b; });
    return freeze({ promise, resolve, reject });
  };

  // ---- console: formatted inside the realm ----
  const show = (v) => {
    if (typeof v === "string") return v;
    if (typeof v === "symbol") return apply(symToString, v, []);
    if (typeof v === "function") return "[Function]";
    if (typeof v !== "object" || v === null) return "" + v;
    if (H.isNativeError(v) && !H.isProxy(v)) {
      const m = dataString(v, "message");
      return errorName(v) + (m ? ": " + m : "");
    }
    try { const s = stringify(v); return s === undefined ? "[object]" : s; } catch (_) { return "[object]"; }
  };
  const sandboxConsole = create(null);
  const levels = ["log", "info", "warn", "error", "debug"];
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    sandboxConsole[level] = freeze(function (...args) {
      tick();
      let text = "";
      for (let j = 0; j < args.length; j++) {
        const part = show(args[j]);
        text += (j > 0 ? " " : "") + (part.length > 10000 ? apply(strSlice, part, [0, 10000]) + "…" : part);
        if (text.length > 100000) break;
      }
      H.log(level, text);
    });
  }
  define(G, "console", { value: freeze(sandboxConsole), writable: false, configurable: false });

  // ---- no stack hook can see host call sites ----
  define(ErrorCtor, "prepareStackTrace", { value: undefined, writable: false, configurable: false });
  define(G, "Error", { value: ErrorCtor, writable: false, configurable: false });
  for (const name of ["SharedArrayBuffer", "Atomics", "WebAssembly"]) delete G[name];

  // ---- regular expressions V8's linear engine cannot take run under the hard timeout ----
  const charAt = String.prototype.charCodeAt;
  // backreferences (\\1-\\9, \\k<name>) and lookarounds ((?=, (?!, (?<=, (?<!), found by a plain scan:
  // a regular expression here would call the patched methods below
  const scanDanger = (source) => {
    const n = source.length;
    for (let i = 0; i + 1 < n; i++) {
      const c = apply(charAt, source, [i]);
      if (c === 92) {
        const d = apply(charAt, source, [i + 1]);
        if ((d >= 49 && d <= 57) || d === 107) return true;
        i++;
      } else if (c === 40 && apply(charAt, source, [i + 1]) === 63) {
        const d = apply(charAt, source, [i + 2]);
        if (d === 61 || d === 33) return true;
        if (d === 60) {
          const e = apply(charAt, source, [i + 3]);
          if (e === 61 || e === 33) return true;
        }
      }
    }
    return false;
  };
  const danger = new WeakMapCtor();
  const isDangerous = (rx) => {
    if (typeof rx !== "object" || rx === null) return false;
    let d = apply(wmGet, danger, [rx]);
    if (d === undefined) {
      let source;
      try { source = apply(rxSource, rx, []); } catch (_) { return false; }
      d = scanDanger(source);
      apply(wmSet, danger, [rx, d]);
    }
    return d;
  };
  let inTimed = false;
  const timed = (original, self, args) => {
    if (inTimed || !isDangerous(self)) return apply(original, self, args);
    tick();
    inTimed = true;
    try { return H.timedCall(original, self, args, budget - used); } finally { inTimed = false; last = now(); if (dead) fail(); }
  };
  const RXP = RegExp.prototype;
  const patch = (key) => {
    const original = RXP[key];
    define(RXP, key, { value: freeze(function (...args) { return timed(original, this, args); }), writable: false, configurable: false });
  };
  for (const key of ["exec", "test", Symbol.match, Symbol.replace, Symbol.search, Symbol.split]) patch(key);
  const originalMatchAll = RXP[Symbol.matchAll];
  const collect = function (string) {
    const all = [];
    for (const m of apply(originalMatchAll, this, [string])) all[all.length] = m;
    return all;
  };
  define(RXP, Symbol.matchAll, {
    value: freeze(function (string) {
      if (!isDangerous(this)) return apply(originalMatchAll, this, [string]);
      return timed(collect, this, [string]).values();
    }),
    writable: false, configurable: false,
  });
  // a promise's prototype identifies sandbox promises (see the unhandled-rejection filter)
  const setProto = Object.setPrototypeOf;
  const refuseForPromises = (target) => {
    if (H.isPromise(target)) throw new TypeErrorCtor("the prototype of a promise cannot be changed here");
  };
  define(Object, "setPrototypeOf", { value: freeze(function setPrototypeOf(o, p) { refuseForPromises(o); return setProto(o, p); }), writable: false, configurable: false });
  const reflectSetProto = R.setPrototypeOf;
  define(R, "setPrototypeOf", { value: freeze(function setPrototypeOf(o, p) { refuseForPromises(o); return reflectSetProto(o, p); }), writable: false, configurable: false });
  delete P.object.__proto__;

  define(G, "__traceRun", { value: () => H.runPending() });
  return freeze({
    guard,
    begin(ms) { budget = ms; used = 0; last = now(); heapMark = last; countdown = dead ? 0 : 1; stride = 1; },
    isDead() { return dead; },
    kill() { dead = true; countdown = 0; },
    exportValue, exportError, importValue, importError, makeFunction, newPromise,
    resumed() { last = now(); },
    settle(promise, ok, err) { apply(promiseThen, promise, [ok, err]); },
    first(object) { return object[ownKeys(object)[0]]; },
    promiseProto: P.promise,
    objectProto: P.object,
  });
})`;
