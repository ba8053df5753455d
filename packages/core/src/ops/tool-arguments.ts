/**
 * Reading the arguments of a tool call: the model writes them as JSON text, which may be too
 * long, invalid, or not fit the tool's schema. Every problem comes back as a sentence for the
 * model (sent as the tool result so that it can try again), never as a thrown error.
 */

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

/**
 * Parses a tool call's JSON arguments and checks them against the top level of the tool's JSON
 * Schema: the value must be an object, `required` properties must be present, with
 * `additionalProperties: false` no other property may be, and a property whose schema gives a
 * `type` (string, number, integer, boolean, object, array, null, or a list of them) or an `enum`
 * must match it. Nested schemas are not checked (the tool sees the value as parsed). Empty text
 * counts as `{}`, as some models send it for tools without parameters.
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
  const args = value as Record<string, unknown>;
  const problems: string[] = [];
  const properties = isRecord(schema.properties) ? schema.properties : {};
  if (Array.isArray(schema.required)) {
    const missing = schema.required.filter(
      (k): k is string => typeof k === "string" && !Object.hasOwn(args, k),
    );
    if (missing.length > 0)
      problems.push(`missing required ${plural(missing.length, "property", "properties")} ${list(missing)}`);
  }
  if (schema.additionalProperties === false) {
    const extra = Object.keys(args).filter((k) => !Object.hasOwn(properties, k));
    if (extra.length > 0)
      problems.push(`unknown ${plural(extra.length, "property", "properties")} ${list(extra)}`);
  }
  for (const [key, sub] of Object.entries(properties)) {
    if (!Object.hasOwn(args, key) || !isRecord(sub)) continue;
    const problem = checkValue(args[key], sub);
    if (problem !== undefined) problems.push(`"${key}" ${problem}`);
  }
  if (problems.length > 0)
    return fail(`the arguments do not fit the tool's parameters: ${problems.join("; ")}`);
  return { ok: true, args };
}

function fail(problem: string): ToolArgumentsReading {
  return { ok: false, problem };
}

function checkValue(value: unknown, schema: Readonly<Record<string, unknown>>): string | undefined {
  const type = schema.type;
  const types =
    typeof type === "string" ? [type] : Array.isArray(type) ? type.filter((t) => typeof t === "string") : [];
  if (types.length > 0 && !types.some((t) => fitsType(value, t))) {
    return `must be ${types.join(" or ")}, got ${jsonKind(value)}`;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => sameJson(e, value))) {
    return `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  }
  return undefined;
}

function fitsType(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return isRecord(value);
    default:
      return true; // a type we do not know: leave it to the tool
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value === "number" || typeof value === "boolean" ? "" : "a "}${typeof value} (${JSON.stringify(value)})`.trim();
}

function list(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
