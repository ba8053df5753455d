/**
 * The example in the README, kept here so that CI type-checks it. It needs a real model
 * (OPENAI_API_KEY); the runnable, keyless version of the same idea is `npm run demo`.
 */
import "./exit-on-outage.js";
import {
  bundle,
  callLLM,
  ExecutionError,
  type MessageNode,
  node,
  resolveLanguageModel,
} from "@trace-ts/core";
import { OptoPrime } from "@trace-ts/optoprime";

const model = await resolveLanguageModel("openai:gpt-4o-mini"); // reads OPENAI_API_KEY
const instruction = node("Which language is this?", { trainable: true });
const greet = bundle(
  // biome-ignore lint/correctness/noUnusedFunctionParameters: ignoring the language is the bug to learn away
  (language: string, name: string): string => `Hola, ${name}!`, // wrong for English speakers
  { trainable: true, name: "greet" },
);

const optimizer = new OptoPrime([instruction, greet.parameter!], { model });
for (let step = 0; step < 5; step++) {
  optimizer.zeroFeedback();
  let out: MessageNode;
  try {
    const language = await callLLM("Answer in one word.", [instruction, "Hello, I'm John."], { model });
    out = greet(language, "John");
  } catch (e) {
    if (!(e instanceof ExecutionError)) throw e;
    out = e.exceptionNode; // errors are feedback too
  }
  if (String(out.data).startsWith("Hello")) break;
  optimizer.backward(out, "The user wrote in English: greet them in English.");
  await optimizer.step(); // may rewrite the instruction and the code of greet
}
