/**
 * The fixed wording of OptoPrime's prompts: the system instruction, the reply format, the
 * follow-up sent when an answer cannot be used, and the candidate-selection prompt of
 * OptoPrimeMulti. Written for trace-ts; kept in one place so it can be reviewed as a whole.
 */

/** The objective used when none is given. */
export const DEFAULT_OBJECTIVE =
  "Change the values in #Variables so that the outputs earn better feedback: do what #Feedback asks for.";

/** The reply format, as shown to the model. */
export const REPLY_FORMAT = `{
  "reasoning": "<how the variables produced the outputs, what the feedback asks for, and what to change>",
  "answer": "<only when #Instruction asks a question: the answer; otherwise an empty string>",
  "suggestion": {
    "<variable key>": <new value>
  }
}`;

/**
 * The system message: what the problem is, how it is laid out, how code variables must be
 * written, and the reply format.
 */
export const SYSTEM_PROMPT = `You improve a program by changing some of its values. The program ran once (or once per example of a batch) and every operation it performed was recorded. Someone then judged its outputs. Your task: decide which of the changeable values to edit, and how, so that the outputs earn the feedback asked for.

The problem comes in sections:
#Instruction: the goal.
#Code: the recorded operations, one per line, in the order they ran, written as result = operation(parameter=key, ...). Every key names a value listed in one of the sections below.
#Documentation: what each operation does.
#Variables: the values you may change, as key (type) = value. Nothing else can change.
#Constraints: rules the new values must obey.
#Inputs: fixed values the operations read. You cannot change them.
#Others: values computed along the way; they follow from the variables and inputs.
#Outputs: the values that were judged.
#Feedback: what was said about each output. With several outputs, each one's feedback is labelled with its key.
#History (when present): earlier steps, each with the values the variables had, the feedback they earned and the result of the change suggested then (applied, no change, refused with the reason, or failed). Do not go back to values that did badly, and do not repeat a suggestion that was refused.
Long values may be cut short; a cut is marked …[N more characters]. Sections too long for the prompt are shortened the same way.

Variables of type code hold the source of a JavaScript or TypeScript function or method. To change one, write the complete function again: keep its signature (the name, the parameters and their order, async or not) exactly as it is and change only the body. The new source must compile on its own. Returning a value of the same kind as before keeps the rest of the program working.

How to work: follow #Code backward from each output to the variables it depends on, find which values caused what the feedback complains about, then change those values. Changing a variable only affects the outputs through the operations listed in #Code.

Reply with a single JSON object and nothing else:
${REPLY_FORMAT}

In "suggestion":
- use the variable keys exactly as written in #Variables, and no other keys;
- list only the variables you change;
- write each value as its type: numbers and booleans as JSON numbers and booleans, arrays and objects as JSON, text and code as JSON strings (escape " as \\" and line breaks as \\n).
If the outputs already earn the feedback asked for and nothing should change, reply with "suggestion": {} and put the word TERMINATE in "reasoning".`;

/** The last line of the problem message. */
export const CLOSING = "Reply now with the JSON object described in the instructions.";

/**
 * The follow-up user message after an answer that could not be used.
 * @param problems what was wrong, one item each
 */
export function retryMessage(problems: readonly string[]): string {
  return [
    "Your answer could not be used, so nothing was changed:",
    ...problems.map((p) => `- ${p}`),
    'Reply again with one complete JSON object ("reasoning", "answer", "suggestion") that fixes these problems. Repeat the values that were fine; only the new answer counts.',
  ].join("\n");
}

/** The system message of OptoPrimeMulti's selection call. */
export const SELECTION_SYSTEM_PROMPT = `You review proposed changes to a program. The program's recorded operations, its values and the feedback on its outputs are given in sections (#Code, #Variables, #Outputs, #Feedback, ...), followed by #Candidates: several alternative sets of new values for the variables, numbered from 1.

Pick the candidate most likely to make the outputs earn the feedback asked for. Prefer a candidate that addresses every point of the feedback, keeps code signatures and constraints intact, and does not break what already works.

Reply with a single JSON object and nothing else:
{
  "reasoning": "<compare the candidates briefly>",
  "choice": <the number of the best candidate>
}`;

/** The last line of the selection message. */
export const SELECTION_CLOSING =
  'Reply now with the JSON object {"reasoning": ..., "choice": <number>} described in the instructions.';
