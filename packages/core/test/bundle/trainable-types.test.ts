// `bundle(fn, { trainable: true }).parameter` is a ParameterNode<string> (no `| undefined`) when the
// options literal says `trainable: true`; otherwise it may be undefined. Checked by
// `tsc -p tsconfig.test.json` (each @ts-expect-error must be an error) and run by jest.
import { describe, expect, it } from "@jest/globals";
import {
  type BundledFunction,
  type BundleOptions,
  bundle,
  type MessageNode,
  Model,
  node,
  type ParameterNode,
  type TrainableBundledFunction,
  traced,
} from "@trace-ts/core";

class Agent extends Model {
  classify = bundle(
    function classify(this: Agent, text: string): string {
      return text.length > 3 ? "long" : "short";
    },
    { trainable: true, description: "Labels a text." },
  );
}

describe("the type of a bundle's code parameter", () => {
  it("trainable: true in the options literal gives ParameterNode<string>", () => {
    const upper = bundle((s: string) => s.toUpperCase(), { trainable: true });
    const p: ParameterNode<string> = upper.parameter;
    const same: TrainableBundledFunction<(s: string) => string> = upper;
    const viaField: ParameterNode<string> = new Agent().classify.parameter;
    const viaTraced: ParameterNode<string> = traced(new Agent()).classify.parameter;
    const asConst = { trainable: true, name: "shout" } as const;
    const shout = bundle((s: string) => `${s}!`, asConst);
    const q: ParameterNode<string> = shout.parameter;
    const out: MessageNode<string> = upper(node("a"));
    expect([p.data, same.trainable, viaField.trainable, viaTraced.trainable, q.data, out.data]).toEqual([
      upper.getSource(),
      true,
      true,
      true,
      shout.getSource(),
      "A",
    ]);
  });

  it("without a literal trainable: true, parameter may be undefined", () => {
    const plain = bundle((s: string) => s);
    // @ts-expect-error not trainable: there is no code parameter
    const a: ParameterNode<string> = plain.parameter;
    const off = bundle((s: string) => s, { trainable: false });
    // @ts-expect-error trainable: false
    const b: ParameterNode<string> = off.parameter;
    const options: BundleOptions = { trainable: true };
    const dynamic: BundledFunction<(s: string) => string> = bundle((s: string) => s, options);
    // @ts-expect-error trainable is only known at run time
    const c: ParameterNode<string> = dynamic.parameter;
    const d: ParameterNode<string> | undefined = dynamic.parameter;
    expect([a, b, c === d]).toEqual([undefined, undefined, true]);
    expect(d?.data).toBe(dynamic.getSource());
  });
});
