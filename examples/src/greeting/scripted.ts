/**
 * Scripted responses for running the greeting example without a language model. The agent's two
 * model calls are answered from the user's message; the optimizer's calls get a fixed sequence of
 * suggestions: first a broken `decideLang` (calling a helper that does not exist, to show errors
 * flowing back as feedback), then a working `decideLang`, then a `greet` that branches on the
 * language.
 */
import type { GenerateRequest, ParameterNode } from "@trace-ts/core";
import { ScriptedModel } from "@trace-ts/core/testing";
import { optoPrimeRequestInfo } from "@trace-ts/optoprime";

/** Code parameters of the agent, by role. */
export interface AgentCode {
  readonly decideLang: ParameterNode;
  readonly greet: ParameterNode;
}

const BROKEN_DECIDE = `decideLang(response) {
  return detectLanguage(response);
}`;

const DECIDE = `decideLang(response) {
  const text = response.toLowerCase();
  return text.includes("spanish") || text.includes("español") ? "es" : "en";
}`;

const GREET = `greet(lang, userName) {
  const greeting = lang === "es" ? "Hola" : "Hello";
  return \`\${greeting}, \${userName}!\`;
}`;

/** A model that plays both the agent's model and the optimizer's, without any network. */
export function scriptedGreetingModel(code: AgentCode): ScriptedModel {
  let optimizerCalls = 0;
  return new ScriptedModel((request: GenerateRequest) => {
    if (optoPrimeRequestInfo(request) !== undefined) {
      optimizerCalls++;
      return optimizerResponse(optimizerCalls, code);
    }
    return agentResponse(request);
  });
}

function agentResponse(request: GenerateRequest): string {
  const query = request.messages.at(-1)?.content ?? "";
  const instruction = request.messages.at(-2)?.content.toLowerCase() ?? "";
  const spanish = /\bhola\b|\bsoy\b/i.test(query);
  if (instruction.includes("language")) return spanish ? "Spanish" : "English";
  return /(?:I'm|soy)\s+(\p{Lu}\p{L}*)/u.exec(query)?.[1] ?? "friend";
}

function optimizerResponse(call: number, code: AgentCode): string {
  switch (call) {
    case 1:
      return JSON.stringify({
        reasoning:
          "The English query was greeted with 'Hola'. decideLang returns nothing, so greet cannot know the language. " +
          "Make decideLang return a language code first.",
        answer: "decideLang should return the detected language.",
        suggestion: { [code.decideLang.key]: BROKEN_DECIDE },
      });
    case 2:
      return JSON.stringify({
        reasoning:
          "decideLang calls detectLanguage, which does not exist: only built-ins are available. " +
          "Read the language from the model's reply (it names the language) instead.",
        answer: "Return 'es' when the reply mentions Spanish, otherwise 'en'.",
        suggestion: { [code.decideLang.key]: DECIDE },
      });
    default:
      return JSON.stringify({
        reasoning:
          "decideLang now returns 'en' for the English query, but greet ignores lang and always says 'Hola'. " +
          "Choose the greeting word from lang.",
        answer: "greet must branch on the language code.",
        suggestion: { [code.greet.key]: GREET },
      });
  }
}
