/** A well-formed OptoPrime answer. */
export function answer(suggestion: Record<string, unknown>, reasoning = "because of the feedback"): string {
  return JSON.stringify({ reasoning, answer: "", suggestion });
}
