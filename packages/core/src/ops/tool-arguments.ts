/**
 * Reading the arguments of a tool call: the model writes them as JSON text, which may be too
 * long, invalid, or not fit the tool's schema. Every problem comes back as a sentence for the
 * model (sent as the tool result so that it can try again), never as a thrown error.
 */

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

/** The longest arguments text `callLLM` parses (in characters); longer text is refused. */
export const MAX_TOOL_ARGUMENTS_CHARS = 100_000;

/** What reading a tool call's arguments gave: the arguments object, or what was wrong with them. */
export type ToolArgumentsReading =
  | {
      /** The arguments could be used. */
      readonly ok: true;
      /** The parsed arguments object. */
      readonly args: Readonly<Record<string, unknown>>;
    }
  | {
      /** The arguments could not be used. */
      readonly ok: false;
      /** What was wrong, as a phrase for the model (`the arguments are not valid JSON (…)`). */
      readonly problem: string;
    };

/** One validator per schema object (tools are made once and called many times). */
const validators = new WeakMap<object, ValidateFunction>();
/**
 * The JSON Schema validator: every error (not only the first, each with the offending value),
 * unknown keywords and formats allowed (`strict: false`: a tool's schema may carry `description`, `examples`, `format`, … written
 * for the model).
 */
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, verbose: true });

/**
 * The validator of a tool's schema, compiled once. Throws `TypeError` naming the problem when the
 * schema itself is not valid JSON Schema (a programming error in the tool, not the model's).
 */
function validatorOf(schema: Readonly<Record<string, unknown>>): ValidateFunction {
  let validate = validators.get(schema);
  if (validate === undefined) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new TypeError(
        `a tool's parameters are not a valid JSON Schema (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    validators.set(schema, validate);
  }
  return validate;
}

/**
 * Throws `TypeError` when `schema` is not a valid JSON Schema; used where tools are made, so a
 * broken schema fails there and not at the model's first call.
 *
 * @param schema a tool's parameters schema
 */
export function checkToolSchema(schema: Readonly<Record<string, unknown>>): void {
  validatorOf(schema);
}

/**
 * Parses a tool call's JSON arguments and checks them against the tool's JSON Schema (all of it,
 * nested schemas included, with Ajv). Empty text counts as `{}`, as some models send it for tools
 * without parameters. Every problem is returned as a phrase for the model, never thrown.
 *
 * @param text the arguments as the model wrote them
 * @param schema the tool's parameters schema
 */
export function readToolArguments(
  text: string,
  schema: Readonly<Record<string, unknown>>,
): ToolArgumentsReading {
  if (text.length > MAX_TOOL_ARGUMENTS_CHARS) {
    return fail(
      `the arguments are ${text.length} characters long, more than the ${MAX_TOOL_ARGUMENTS_CHARS} allowed`,
    );
  }
  let value: unknown;
  if (text.trim() === "") value = {};
  else {
    try {
      value = JSON.parse(text);
    } catch (error) {
      return fail(
        `the arguments are not valid JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return fail(`the arguments must be a JSON object, got ${jsonKind(value)}`);
  }
  const validate = validatorOf(schema);
  if (validate(value)) return { ok: true, args: value as Readonly<Record<string, unknown>> };
  const problems = (validate.errors ?? []).slice(0, MAX_PROBLEMS).map(describeProblem);
  return fail(`the arguments do not fit the tool's parameters: ${[...new Set(problems)].join("; ")}`);
}

/** At most this many schema problems are reported to the model. */
const MAX_PROBLEMS = 10;

function fail(problem: string): ToolArgumentsReading {
  return { ok: false, problem };
}

/** One Ajv error as a phrase: `missing required property "city"`, `"days" must be integer, got string`. */
function describeProblem(error: ErrorObject): string {
  const path = error.instancePath === "" ? [] : error.instancePath.slice(1).split("/");
  const at = (...more: string[]): string => `"${[...path, ...more].join(".")}"`;
  const subject = path.length === 0 ? "" : `${at()} `;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `missing required property ${at(String(params.missingProperty))}`;
    case "additionalProperties":
      return `unknown property ${at(String(params.additionalProperty))}`;
    case "type":
      return `${subject}must be ${String(params.type)}, got ${kindOfJson(error.data)}`;
    case "enum":
      return `${subject}must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return `${subject}${error.message ?? `does not fit "${error.keyword}"`}`;
  }
}

/** `string`, `number`, `an array`, … for type errors. */
function kindOfJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value === "number" || typeof value === "boolean" ? "" : "a "}${typeof value} (${JSON.stringify(value)})`.trim();
}
