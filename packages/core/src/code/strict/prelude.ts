/**
 * The sandbox side of the strict tier: JavaScript evaluated once per engine, in the engine's
 * context, before the context is locked down (it captures the built-ins it uses, and user code
 * never gets a reference to it). It provides one function:
 *
 * `setup(factory, scopeJson, helperNamesJson, methodWrap, bridge, read)` returns the engine's
 * `call(selfText, argsText)`, which for each call
 * - builds a fresh scope object (data parsed from `scopeJson`, so the code cannot keep state in
 *   it; helpers are frozen arrow functions that send their arguments as JSON through `bridge`),
 * - calls `factory(scope)` for a fresh function object (for a method shorthand, its one property),
 * - builds `this` (a deep-frozen snapshot; graph nodes as frozen `{ data }` objects whose getter
 *   asks the host through `read`), calls the function, and returns the result in wire form. The
 *   code's errors are caught and described, never thrown.
 *
 * Wire form of values (both directions): `u` undefined, `j<json>` data, `d<json>` a data problem
 * `{where, problem}`, `x<json>` a host error `{name, message}`, `e<json>` a sandbox error
 * `{k: "e", name, message, stack, where?, problem?}` or thrown non-error `{k: "v", text}`.
 * `call` returns a string, or a promise of one when the function returned a promise.
 */

/** Source of the prelude: one expression evaluating to a frozen `{ setup }`. No `${` inside. */
export const PRELUDE_SOURCE = String.raw`(() => {
const O = Object, R = Reflect, J = JSON, P = Promise, A = Array;
const getProto = O.getPrototypeOf, keys = O.keys, freeze = O.freeze, isFrozen = O.isFrozen, define = O.defineProperty, getDesc = O.getOwnPropertyDescriptor;
const apply = R.apply, ownKeys = R.ownKeys, isArray = A.isArray, stringify = J.stringify, parse = J.parse, isView = ArrayBuffer.isView;
const then = P.prototype.then, test = RegExp.prototype.test, slice = String.prototype.slice, join = A.prototype.join;
const objectProto = O.prototype, arrayProto = A.prototype, IDENT = /^[A-Za-z_$][\w$]*$/, MAX = 200;
const KNOWN = [[Map, "a Map"], [Set, "a Set"], [WeakMap, "a WeakMap"], [WeakSet, "a WeakSet"], [Date, "a Date"], [RegExp, "a RegExp"], [P, "a Promise"], [ArrayBuffer, "binary data (a typed array or buffer)"], [Error, "an Error"]];
const PROBLEM = freeze({});
let problem = "", trail = [];
function what(v) {
  const t = typeof v;
  if (t === "undefined") return "undefined";
  if (t === "number" || t === "boolean") return "" + v;
  if (t === "bigint") return "a BigInt";
  if (t === "symbol") return "a symbol";
  if (t === "function") return "a function";
  try {
    for (let i = 0; i < KNOWN.length; i++) if (v instanceof KNOWN[i][0]) return KNOWN[i][1];
    if (isView(v)) return "binary data (a typed array or buffer)";
    if (isArray(v)) return "an Array subclass";
    const proto = getProto(v), c = proto === null ? undefined : getDesc(proto, "constructor");
    const name = c !== undefined && typeof c.value === "function" ? c.value.name : "";
    return typeof name === "string" && name !== "" ? "an instance of " + name : "an object with a custom prototype";
  } catch (e) {
    return "an object that cannot be inspected";
  }
}
function pathText() {
  let p = "";
  for (let i = 0; i < trail.length; i++) {
    const k = trail[i];
    p += typeof k === "number" ? "[" + k + "]" : apply(test, IDENT, [k]) ? "." + k : "[" + stringify(k) + "]";
  }
  return p;
}
function bad(text) {
  const p = pathText();
  problem = p === "" ? "it is " + text : text + " at " + p;
  throw PROBLEM;
}
function check(v, depth, stack) {
  const t = typeof v;
  if (t === "string" || t === "boolean" || v === null) return;
  if (t === "number") { if (v - v !== 0) bad("" + v); return; }
  if (t !== "object") bad(what(v));
  if (depth >= MAX) bad("data nested more than " + MAX + " levels deep");
  for (let i = 0; i < stack.length; i++) if (stack[i] === v) bad("a cycle (a value that contains itself)");
  const proto = getProto(v);
  stack[stack.length] = v;
  if (proto === arrayProto && isArray(v)) {
    const n = v.length;
    for (let i = 0; i < n; i++) {
      const x = v[i];
      if (x === undefined || x === null || typeof x !== "object") {
        if (x === undefined || typeof x === "number" || typeof x === "bigint" || typeof x === "symbol" || typeof x === "function") {
          trail[trail.length] = i;
          if (!(i in v)) bad("an empty array slot");
          if (x === undefined) bad("undefined (use null in arrays)");
          check(x, depth + 1, stack);
          trail.length = trail.length - 1;
        }
        continue;
      }
      trail[trail.length] = i;
      check(x, depth + 1, stack);
      trail.length = trail.length - 1;
    }
  } else if (proto === objectProto || proto === null) {
    const ks = keys(v);
    for (let i = 0; i < ks.length; i++) {
      const k = ks[i], x = v[k];
      const t2 = typeof x;
      if (t2 === "string" || t2 === "boolean" || t2 === "undefined" || x === null) continue;
      trail[trail.length] = k;
      check(x, depth + 1, stack);
      trail.length = trail.length - 1;
    }
  } else {
    bad(what(v));
  }
  stack.length = stack.length - 1;
}
function ser(v, depth, stack) {
  check(v, depth, stack);
  return stringify(v);
}
function dataError(where, text) {
  const e = new TypeError(where + " cannot cross the sandbox: " + text);
  define(e, "name", { value: "SandboxDataError", writable: true, configurable: true });
  define(e, "where", { value: where });
  define(e, "problem", { value: text });
  return e;
}
function encode(v, where) {
  if (v === undefined) return "u";
  trail = [];
  try {
    return "j" + ser(v, 0, []);
  } catch (e) {
    if (e === PROBLEM) throw dataError(where, problem);
    throw e;
  }
}
function encodeArgs(args, suffix) {
  const parts = [], undef = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === undefined) { undef[undef.length] = i; parts[parts.length] = "null"; }
    else parts[parts.length] = apply(slice, encode(a, "argument " + (i + 1) + suffix), [1]);
  }
  return "[[" + apply(join, parts, [","]) + "],[" + apply(join, undef, [","]) + "]]";
}
function decodeArgs(text) {
  const x = parse(text), values = x[0], undef = x[1];
  for (let i = 0; i < undef.length; i++) values[undef[i]] = undefined;
  return values;
}
function take(r) {
  const tag = r[0];
  if (tag === "u") return undefined;
  const body = parse(apply(slice, r, [1]));
  if (tag === "j") return body;
  if (tag === "d") throw dataError(body.where, body.problem);
  const e = new Error(body.message);
  define(e, "name", { value: body.name, writable: true, configurable: true });
  throw e;
}
function settle(r) {
  return typeof r === "string" ? take(r) : apply(then, r, [take]);
}
function deepFreeze(root) {
  const todo = [root];
  while (todo.length > 0) {
    const v = todo[todo.length - 1];
    todo.length = todo.length - 1;
    if (typeof v !== "object" || v === null || isFrozen(v)) continue;
    freeze(v);
    const ks = keys(v);
    for (let i = 0; i < ks.length; i++) {
      const d = getDesc(v, ks[i]);
      if (d !== undefined && "value" in d) todo[todo.length] = d.value;
    }
  }
  return root;
}
function makeThis(text, read) {
  const snap = parse(text);
  if (snap.v !== undefined) return deepFreeze(snap.v);
  const self = snap.d, nodes = snap.n;
  for (let i = 0; i < nodes.length; i++) {
    const index = nodes[i][1];
    const node = freeze({ get data() { return take(read(index)); } });
    define(self, nodes[i][0], { value: node, enumerable: true, writable: true, configurable: true });
  }
  return deepFreeze(self);
}
function text(x) {
  return typeof x === "string" ? x : "";
}
function thrown(v) {
  if (typeof v === "string") return v;
  if (typeof v === "symbol") return "a symbol";
  if (v === null || typeof v !== "object") return "" + v;
  try {
    trail = [];
    return ser(v, 0, []);
  } catch (e) {
    return what(v);
  }
}
function describe(e) {
  try {
    if (e instanceof Error) {
      const d = { k: "e", name: text(e.name), message: text(e.message), stack: text(e.stack) };
      if (d.name === "SandboxDataError") { d.where = text(e.where); d.problem = text(e.problem); }
      return "e" + stringify(d);
    }
    return "e" + stringify({ k: "v", text: thrown(e) });
  } catch (inner) {
    return "e" + stringify({ k: "v", text: "a value that could not be described" });
  }
}
function finish(v) {
  try {
    return encode(v, "the result");
  } catch (e) {
    return describe(e);
  }
}
function run(fn, selfText, argsText, read) {
  let value;
  try {
    const self = selfText === undefined ? undefined : makeThis(selfText, read);
    value = apply(fn, self, decodeArgs(argsText));
  } catch (e) {
    return describe(e);
  }
  if (value instanceof P) return apply(then, value, [finish, describe]);
  return finish(value);
}
function setup(factory, scopeJson, namesJson, methodWrap, bridge, read) {
  const names = parse(namesJson), helpers = [];
  for (let i = 0; i < names.length; i++) {
    const suffix = " of helper " + names[i];
    const h = (...args) => settle(bridge(i, encodeArgs(args, suffix)));
    define(h, "name", { value: names[i] });
    helpers[i] = h;
  }
  return function call(selfText, argsText) {
    let fn;
    try {
      const s = parse(scopeJson);
      for (let i = 0; i < names.length; i++) define(s, names[i], { value: helpers[i], writable: true, enumerable: true, configurable: true });
      const made = factory(s);
      fn = methodWrap ? made[ownKeys(made)[0]] : made;
    } catch (e) {
      return describe(e);
    }
    return run(fn, selfText, argsText, read);
  };
}
return freeze({ setup });
})()`;
