/** A request builder shared by the cache and cassette tests. */
import type { GenerateRequest } from "@trace-ts/core";

/**
 * A two-message request (a fixed system message, then `content` from the user).
 * @param content the user's message
 * @param extra other request fields
 */
export const req = (content: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [
    { role: "system", content: "be brief" },
    { role: "user", content },
  ],
  ...extra,
});
