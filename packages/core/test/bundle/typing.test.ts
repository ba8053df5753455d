// Typing of bundled calls under `strict`, with no casts: checked by `tsc -p tsconfig.test.json`
// (each @ts-expect-error must be an error, or tsc fails), and run by jest.
import { describe, expect, it } from "@jest/globals";
import { bundle, type MaybeNode, type MessageNode, Model, type Node, node, traced } from "@trace-ts/core";

class Agent extends Model {
  prompt = node("Be brief.", { trainable: true });

  // pattern 1: a function-form bundle as a field; per instance, exact types
  summarize = bundle(
    function summarize(this: Agent, text: string, limit = 20): string {
      return text.slice(0, limit);
    },
    { trainable: true },
  );

  // pattern 2: a decorated method, called with nodes through traced()
  @bundle({ trainable: true })
  answer(prompt: string, question: string): string {
    return `${prompt} ${question}`;
  }

  @bundle()
  async lookup(id: number): Promise<string> {
    return `doc${id}`;
  }

  forward(question: MaybeNode<string>): MessageNode<string> {
    const t = traced(this);
    return this.summarize(t.answer(this.prompt, question));
  }
}

describe("typing", () => {
  it("bundled functions and traced methods accept nodes and return MessageNodes", async () => {
    const agent = new Agent();
    const q: Node<string> = node("why?");
    const a: MessageNode<string> = traced(agent).answer(agent.prompt, q);
    const s: MessageNode<string> = agent.summarize(a, 5);
    const f: MessageNode<string> = agent.forward(q);
    const l: Promise<MessageNode<string>> = traced(agent).lookup(node(3));
    const free = bundle((x: number, y: number) => x * y);
    const m: MessageNode<number> = free(node(2), 3);
    expect([a.data, s.data, f.data, (await l).data, m.data]).toEqual([
      "Be brief. why?",
      "Be br",
      "Be brief. why?",
      "doc3",
      6,
    ]);
    const source: string = traced(agent).answer.getSource();
    expect(source.startsWith("answer(")).toBe(true);
  });

  it("wrong argument types are compile errors", () => {
    const agent = new Agent();
    const free = bundle((x: number) => x);
    const wrong = (): void => {
      // @ts-expect-error a string node is not a number
      free(node("x"));
      // @ts-expect-error a number is not a string
      traced(agent).answer(1, "q");
      const detached = agent.summarize;
      // @ts-expect-error summarize needs its `this`
      detached("text");
    };
    expect(typeof wrong).toBe("function");
  });
});
