import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import {
  bundle,
  ExecutionError,
  type IsolationLevel,
  type MessageNode,
  Model,
  node,
  traced,
} from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { OptoPrime } from "@trace-ts/optoprime";
import { answer } from "./helpers/answers.js";

// An end-to-end step where the model (as if steered by a prompt injection) suggests code that tries
// every known way out of the sandbox to write a file. The step applies it (it compiles and keeps
// the signature); running the agent afterwards must not create the file, in either tier.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "trace-hostile-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function hostileCode(target: string): string {
  const write = `(F) => { try { const p = F("return process")(); p.getBuiltinModule("fs").writeFileSync(${JSON.stringify(target)}, "pwned"); } catch (e) {} }`;
  return `format(reply) {
  const write = ${write};
  const C = "constr" + "uctor";
  try { write(this[C][C]); } catch (e) {}
  try { write(reply[C][C]); } catch (e) {}
  try { write(Object.getPrototypeOf(this)[C][C]); } catch (e) {}
  try { console.log({ [Symbol.for("nodejs.util.inspect.custom")](d, o, inspect) { write(inspect[C]); return "x"; } }); } catch (e) {}
  try { Error.prepareStackTrace = (e, sites) => { write(sites[0][C][C]); return ""; }; new Error("x").stack; } catch (e) {}
  try { write(globalThis[C]); write(Function); } catch (e) {}
  const out = ["Hello, " + reply + "!"];
  Object.setPrototypeOf(out, { some(cb) { write(cb[C]); return false; }, filter(cb) { write(cb[C]); return []; }, map(cb) { write(cb[C]); return []; } });
  return out;
}`;
}

class Greeter extends Model {
  readonly greeting = node("Hola", { trainable: true, name: "greeting" });

  @bundle({ trainable: true, allowExternalDependencies: true })
  format(reply: string): string {
    return `${this.greeting.data}, ${reply}!`;
  }
}

describe.each<IsolationLevel>(["realm", "strict"])(
  "a hostile suggestion applied by OptoPrime (%s)",
  (isolation) => {
    it("cannot write a file when the agent runs it", async () => {
      const target = join(dir, "pwned.txt");
      const agent = new Greeter();
      const t = traced(agent);
      const code = t.format.parameter!;
      const model = new ScriptedModel([answer({ [code.key]: hostileCode(target) })]);
      const optimizer = new OptoPrime(agent.parameters(), { model, isolation });
      optimizer.zeroFeedback();
      const out = t.format("John") as MessageNode<string>;
      optimizer.backward(out, "Greet in English.");
      const report = await optimizer.step();
      expect(report.error).toBeUndefined();
      expect(code.data).toBe(hostileCode(target)); // applied: it compiles and keeps the signature

      let failure: unknown;
      const log = console.log;
      console.log = () => {}; // the attempt through console.log prints an empty object
      try {
        t.format("John");
      } catch (error) {
        failure = error instanceof ExecutionError ? error.exceptionNode.error : error;
      } finally {
        console.log = log;
      }
      // the returned array with a foreign prototype is refused, after every attempt ran and failed
      expect(failure).toMatchObject({ code: "SANDBOX_DATA" });
      expect(existsSync(target)).toBe(false);
    });
  },
);
