import { type ChatMessage, feedbackToText, type ProblemView } from "@trace-ts/core";
import { formatValue } from "@trace-ts/core/optimizer";

/** The system message: what the model is asked to do and how to answer. */
export const LINE_EDIT_SYSTEM =
  "You tune the variables of a program so that its outputs earn better feedback. " +
  "Reply with one line per variable you change, written as `key = value`, where value is JSON " +
  "(a number, true/false, or a string in double quotes). Write nothing else.";

/**
 * The two messages of a LineEdit request: the instructions, then the objective, each variable
 * (key, type, description, constraint, current value) and the feedback the outputs received.
 *
 * @param view the problem: variables and feedback
 * @param objective what the optimization should achieve
 * @param valueChars how many characters of each value to show
 */
export function lineEditPrompt(view: ProblemView, objective: string, valueChars: number): ChatMessage[] {
  const variables = view.variables.map(
    (v) =>
      `- ${v.key} (${v.type})${v.description ? `: ${v.description}` : ""}` +
      `${v.constraint ? `\n  must be: ${v.constraint}` : ""}\n  now: ${formatValue(v.value, valueChars)}`,
  );
  const feedback = view.feedback.map((f) => `- ${feedbackToText(f.feedback)}`);
  const problem = [
    `Objective: ${objective}`,
    `Variables:\n${variables.join("\n")}`,
    `Feedback:\n${feedback.join("\n")}`,
  ].join("\n\n");
  return [
    { role: "system", content: LINE_EDIT_SYSTEM },
    { role: "user", content: problem },
  ];
}

/** The re-ask after an unusable answer: what was wrong, and the format again. */
export function lineEditRetry(problems: readonly string[]): string {
  return `Your answer could not be used:\n${problems.map((p) => `- ${p}`).join("\n")}\nAnswer again with lines \`key = JSON value\` only.`;
}
