import type { GenerateRequest } from "@trace-ts/core";
import { OPRO_TITLE } from "./prompt.js";

/**
 * Whether a model request was made by `Opro` (its first user message starts with the OPRO
 * title); for scripting test models (`ScriptedModel`) and for logs. Re-asks are recognized too.
 */
export function isOproRequest(request: GenerateRequest): boolean {
  const first = request.messages.find((m) => m.role === "user")?.content ?? "";
  return first.startsWith(OPRO_TITLE);
}
