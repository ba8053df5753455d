import { afterEach, describe, expect, it } from "@jest/globals";
import { bundle, node, SandboxDataError, traced } from "@trace-ts/core";
import { outcome, payload, suggested } from "./helpers.js";

// Each attack is a plain suggestion called with a string: no host object is handed in. Each would
// reach the host's Function (and with it `process`) if the realm let a host object through.
const MARKER = "TRACE_TS_SECURITY_TEST_PWNED";

afterEach(() => {
  delete process.env[MARKER];
});

describe("realm: no host object is reachable without one handed in", () => {
  it("console.log of an object with a custom inspect function never calls it (it is formatted inside the realm)", () => {
    const f = suggested(`fmt(answer) {
      let got = "never called";
      const probe = {
        [Symbol.for("nodejs.util.inspect.custom")](depth, options, inspect) {
          got = typeof inspect;
          ${payload("inspect['constr' + 'uctor']", MARKER)}
          return "probe";
        },
      };
      console.log(probe);
      console.error("and", probe);
      return answer.trim() + ": " + got;
    }`);
    const original = { log: console.log, error: console.error };
    const printed: unknown[][] = [];
    console.log = (...args: unknown[]) => printed.push(args);
    console.error = (...args: unknown[]) => printed.push(args);
    try {
      expect(outcome(() => f(" hi ")).value).toBe("hi: never called");
    } finally {
      console.log = original.log;
      console.error = original.error;
    }
    expect(printed.every((args) => args.every((a) => typeof a === "string"))).toBe(true);
    expect(process.env[MARKER]).toBeUndefined();
  });

  it("a returned array whose prototype was replaced is refused; the host never calls its methods", () => {
    const f = suggested(`fmt(answer) {
      const steal = (cb) => { ${payload("cb['constr' + 'uctor']", MARKER)} return false; };
      const arr = [answer];
      Object.setPrototypeOf(arr, { some: steal, filter: steal, map: steal, every: steal, forEach: steal, [Symbol.iterator]: steal });
      return arr;
    }`);
    const { error } = outcome(() => f("x"));
    expect(error).toBeInstanceOf(SandboxDataError);
    expect((error as SandboxDataError).code).toBe("SANDBOX_DATA");
    expect(process.env[MARKER]).toBeUndefined();
  });

  it("returned objects with getters, proxies or functions are refused with a clear error", () => {
    for (const body of [
      "return { get x() { while (true) {} } };",
      "return new Proxy({}, { ownKeys() { while (true) {} } });",
      "return { f() {} };",
      "return [new (class Foo {})()];",
    ]) {
      const { error } = outcome(() => suggested(`fmt(answer) { ${body} }`)("x"));
      expect(error).toBeInstanceOf(SandboxDataError);
    }
  });

  it("Error.prepareStackTrace cannot be set, so no hook sees the host's call sites", () => {
    const f = suggested(`fmt(answer) {
      const hook = (e, sites) => { ${payload("sites[0]['constr' + 'uctor']['constr' + 'uctor']", MARKER)} return "hooked"; };
      const results = [];
      try { Error.prepareStackTrace = hook; results.push("set"); } catch (e) { results.push(e.name); }
      try { Object.defineProperty(Error, "prepareStackTrace", { value: hook }); results.push("defined"); } catch (e) { results.push(e.name); }
      try { globalThis.Error = { prepareStackTrace: hook }; results.push("replaced"); } catch (e) { results.push(e.name); }
      const err = new Error("boom");
      results.push(typeof err.stack === "string" && err.stack.startsWith("Error: boom") ? "plain stack" : "hooked stack");
      return results.join(",");
    }`);
    expect(outcome(() => f("x")).value).toBe("TypeError,TypeError,TypeError,plain stack");
    // the host reads the stack of a thrown sandbox error too: still no hook
    const g = suggested(`fmt(answer) {
      try { Error.prepareStackTrace = (e, sites) => { ${payload("sites[0]['constr' + 'uctor']['constr' + 'uctor']", MARKER)} }; } catch (e) {}
      throw new TypeError("thrown " + answer);
    }`);
    const { error } = outcome(() => g("x"));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe("thrown x");
    expect(String((error as Error).stack)).toContain("thrown x");
    expect(process.env[MARKER]).toBeUndefined();
  });

  it("errors keep names that are Object.prototype's own (toString, hasOwnProperty, __proto__)", () => {
    for (const name of ["toString", "hasOwnProperty", "__proto__", "constructor", "valueOf"]) {
      const f = suggested(`fmt(answer) {
        const e = new Error("message of " + answer);
        Object.defineProperty(e, "name", { value: answer });
        throw e;
      }`);
      const { error } = outcome(() => f(name));
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe(name);
      expect((error as Error).message).toBe(`message of ${name}`);
    }
  });

  it("a thrown error with a looping message getter still gives a clear error (the getter is time-limited)", () => {
    const f = suggested(
      `fmt(answer) {
      const e = new RangeError("bad " + answer);
      Object.defineProperty(e, "message", { get() { while (true) {} } });
      throw e;
    }`,
      { timeoutMs: 200 },
    );
    const { error } = outcome(() => f("x"));
    expect(error).toBeInstanceOf(RangeError); // getters are never run: the message is just missing
  });

  it("scope helpers are realm-made wrappers: their constructor cannot compile code", () => {
    const helper = (s: string): string => s.toUpperCase();
    const f = suggested(
      `fmt(answer) {
        const out = [helper(answer)];
        try { helper['constr' + 'uctor']("return process")(); out.push("compiled"); } catch (e) { out.push(e.name); }
        try { out.push(Object.getPrototypeOf(helper) === Function.prototype ? "realm function" : "foreign"); } catch (e) { out.push(e.name); }
        ${payload("helper['constr' + 'uctor']", MARKER)}
        return out.join(",");
      }`,
      { scope: () => ({ helper }) },
    );
    expect(outcome(() => f("x")).value).toBe("X,EvalError,realm function");
    expect(process.env[MARKER]).toBeUndefined();
  });

  it("a plain-data argument is copied into the realm: its constructor is the realm's", () => {
    const f = suggested(`fmt(answer) {
      ${payload("answer['constr' + 'uctor']['constr' + 'uctor']", MARKER)}
      ${payload("answer[0]['constr' + 'uctor']['constr' + 'uctor']", MARKER)}
      answer.push("added in the sandbox");
      return answer.length;
    }`);
    const input = [{ a: 1 }, "b"];
    expect(outcome(() => f(input)).value).toBe(3);
    expect(input).toHaveLength(2); // a copy was changed, not the caller's array
    expect(process.env[MARKER]).toBeUndefined();
  });

  it("this sits behind a proxy without prototype or constructor, revoked when the call ends", () => {
    class Agent {
      threshold = 3;
      prompt = node("Be brief.", { trainable: true });
      calls = 0;
      label(x: number): string {
        return x > this.threshold ? "high" : "low";
      }
      @bundle({ trainable: true, allowExternalDependencies: true })
      classify(x: number): string {
        return this.label(x);
      }
    }
    const agent = new Agent();
    const t = traced(agent);
    t.classify.parameter!.data = `classify(x) {
      const seen = [typeof this['constr' + 'uctor'], String(Object.getPrototypeOf(this)), typeof this['__pro' + 'to__']];
      ${payload("this['constr' + 'uctor']['constr' + 'uctor']", MARKER)}
      ${payload("this.label['constr' + 'uctor']", MARKER)}
      globalThis.kept = this;
      this.calls = this.calls + 1;
      return [this.label(x), this.prompt.data, ...seen].join("|");
    }`;
    expect(t.classify(5).data).toBe("high|Be brief.|undefined|null|undefined");
    expect(agent.calls).toBe(1); // writes through the proxy reach the instance
    t.classify.parameter!.data = `classify(x) {
      try { return String(globalThis.kept.threshold); } catch (e) { return e.name + ": revoked"; }
    }`;
    expect(t.classify(1).data).toBe("TypeError: revoked");
    expect(process.env[MARKER]).toBeUndefined();
  });
});
