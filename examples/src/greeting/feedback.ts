/** The feedback of the greeting example: is the greeting in the user's language? */

/** The two languages of the example. */
export type Language = "en" | "es";

const WORD: Record<Language, string> = { en: "Hello", es: "Hola" };
const NAME: Record<Language, string> = { en: "English", es: "Spanish" };

/**
 * `Correct.` when the greeting starts with the expected language's greeting word (leading space
 * ignored), else what is wrong. The check is what the feedback says: "must start with".
 */
export function languageFeedback(greeting: string, expected: Language): string {
  if (greeting.trimStart().startsWith(WORD[expected])) return "Correct.";
  return `Incorrect: the user wrote in ${NAME[expected]}, so the greeting must start with "${WORD[expected]}" (got ${JSON.stringify(greeting)}).`;
}

/** Whether feedback from `languageFeedback` means success. */
export const isCorrect = (feedback: string): boolean => feedback === "Correct.";
