import { describe, expect, it } from "@jest/globals";
import {
  bundle,
  ExecutionError,
  type MessageNode,
  node,
  noTrace,
  traced,
  UndeclaredDependencyError,
} from "@trace-ts/core";
import { asyncExceptionOf, inputNames } from "./helpers.js";

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("async bundles", () => {
  it("return a Promise of a MessageNode whose inputs are the arguments", async () => {
    const fetchName = bundle(async function fetchName(id: number, suffix = "!"): Promise<string> {
      await tick();
      return `user${id}${suffix}`;
    });
    const id = node(7);
    const pending: Promise<MessageNode<string>> = fetchName(id);
    expect(pending).toBeInstanceOf(Promise);
    const out = await pending;
    expect(out.data).toBe("user7!");
    expect(inputNames(out)).toEqual(["id", "suffix"]);
    expect(out.inputs.id).toBe(id);
  });

  it("1000 concurrent calls under Promise.all stay isolated (inputs, results and dependency checks)", async () => {
    const shared = node(1000, { name: "shared" });
    const work = bundle(async function work(id: number, readShared: boolean): Promise<number> {
      await tick(id % 7);
      const extra = readShared ? shared.data : 0;
      await Promise.resolve();
      return id * 2 + extra;
    });
    const ids = Array.from({ length: 1000 }, (_, i) => node(i));
    const settled = await Promise.allSettled(ids.map((id, i) => work(id, i % 10 === 0)));
    settled.forEach((s, i) => {
      if (i % 10 === 0) {
        expect(s.status).toBe("rejected");
        expect((s as PromiseRejectedResult).reason).toBeInstanceOf(UndeclaredDependencyError);
      } else {
        expect(s.status).toBe("fulfilled");
        const out = (s as PromiseFulfilledResult<MessageNode<number>>).value;
        expect(out.data).toBe(i * 2);
        expect(out.inputs.id).toBe(ids[i]);
        expect(out.parents).toContain(ids[i]);
      }
    });
  });

  it("concurrent traced and nested (plain) calls of the same bundle do not see each other's state", async () => {
    class Service {
      @bundle()
      async inner(x: number): Promise<number> {
        await tick(x % 3);
        return x + 1;
      }
      @bundle()
      async outer(x: number): Promise<number> {
        await tick(x % 5);
        const y = await this.inner(x); // plain inside outer's body: a number
        return y * 2;
      }
    }
    const t = traced(new Service());
    const xs = Array.from({ length: 200 }, (_, i) => node(i));
    const outs = await Promise.all(xs.map((x, i) => (i % 2 ? t.outer(x) : t.inner(x))));
    outs.forEach((out, i) => {
      expect(out.data).toBe(i % 2 ? (i + 1) * 2 : i + 1);
      expect(out.op).toBe(i % 2 ? "outer" : "inner");
      expect(out.parents).toEqual([xs[i]]);
    });
    const untraced = await noTrace(() => t.outer(node(1)));
    expect(untraced.parents).toEqual([]);
  });

  it("an error in an async bundle rejects with ExecutionError; the failing line after an await is marked", async () => {
    const load = bundle(async function load(key: string): Promise<number> {
      await tick();
      const table: Record<string, { v: number }> = { a: { v: 1 } };
      return table[key]!.v;
    });
    const key = node("missing");
    const rejected = load(key);
    await expect(rejected).rejects.toBeInstanceOf(ExecutionError);
    const ex = await asyncExceptionOf(load(key));
    expect(ex.op).toBe("load");
    expect(ex.data).toMatch(/^TypeError: Cannot read properties of undefined/);
    expect(ex.inputs.key).toBe(key);
    expect(ex.annotatedSource).toMatch(/>> \d+ \| +return table\[key\]\.v;/); // swc re-prints the literal above
  });

  it("a rejected trainable async suggestion keeps the code parameter as a parent and can be rolled back", async () => {
    const f = bundle(
      async function answer(q: string): Promise<string> {
        return q.toUpperCase();
      },
      { trainable: true },
    );
    f.setSource("async answer(q) {\n  await null;\n  return q.nope();\n}");
    const ex = await asyncExceptionOf(f("hi"));
    expect(ex.inputs.__code).toBe(f.parameter);
    expect(ex.annotatedSource).toMatch(/>> 3 \| {3}return q\.nope\(\);/);
    expect(f.rollback()).toBe(true);
    expect((await f("hi")).data).toBe("HI");
  });

  it("a function that returns a promise without being async is awaited too", async () => {
    const later = bundle(function later(x: number): Promise<number> {
      return tick().then(() => x * 3);
    });
    const out = await later(2);
    expect(out.data).toBe(6);
  });
});
