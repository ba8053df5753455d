import type { ParameterNode } from "../graph/node.js";
import { formatValue } from "../problem/format-value.js";
import { valueTypeOf } from "../problem/value-type.js";
import { stripFence } from "../text/scan.js";

/** Result of turning a model's suggested value into a parameter value. */
export type ConversionResult =
  | {
      /** The value converted and passed the parameter's validator. */
      readonly ok: true;
      /** The converted value, ready to assign to the parameter. */
      readonly value: unknown;
      /** The value equals the parameter's current one (`sameValue`): applying it changes nothing. */
      readonly unchanged: boolean;
    }
  | {
      /** The value could not be converted, or the validator refused it. */
      readonly ok: false;
      /** Why, in words meant for the model (e.g. `expected a finite number, got "abc"`). */
      readonly reason: string;
    };

/**
 * Converts a value as a model wrote it into a value for `parameter`, following the type of the
 * parameter's current value, then runs the parameter's validator (for code parameters: compiling
 * the new source). Shared by every optimizer so they all accept and reject the same things.
 *
 * - number: numbers, or text holding one (`"3.5"`, `" 42 "`); not NaN or ±Infinity
 * - boolean: booleans, `"true"`/`"false"`/`"yes"`/`"no"` in any case, 1 and 0
 * - string: text; numbers and booleans are turned into text; objects are refused
 * - array / object: the value itself, or JSON text of the right kind
 * - code: text that compiles and keeps the signature (the parameter's validator decides)
 * - null / undefined current value: anything
 */
export function convertSuggestedValue(parameter: ParameterNode, raw: unknown): ConversionResult {
  const converted = convertByType(parameter, raw);
  if (!converted.ok) return converted;
  const reason = parameter.validate(converted.value);
  if (reason !== undefined) return { ok: false, reason };
  return { ok: true, value: converted.value, unchanged: sameValue(parameter._data, converted.value) };
}

function convertByType(
  parameter: ParameterNode,
  raw: unknown,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  const type = valueTypeOf(parameter);
  const shown = formatValue(raw, 80);
  switch (type) {
    case "code":
      return typeof raw === "string" && raw.trim() !== ""
        ? { ok: true, value: stripCodeFence(raw) }
        : { ok: false, reason: `expected the source code of a function as text, got ${shown}` };
    case "number": {
      const value =
        typeof raw === "number"
          ? raw
          : typeof raw === "string" && raw.trim() !== ""
            ? Number(raw.trim())
            : Number.NaN;
      return Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, reason: `expected a finite number, got ${shown}` };
    }
    case "boolean": {
      if (typeof raw === "boolean") return { ok: true, value: raw };
      const text = String(raw).trim().toLowerCase();
      if (["true", "yes", "1"].includes(text)) return { ok: true, value: true };
      if (["false", "no", "0"].includes(text)) return { ok: true, value: false };
      return { ok: false, reason: `expected true or false, got ${shown}` };
    }
    case "string":
      if (typeof raw === "string") return { ok: true, value: raw };
      if (typeof raw === "number" || typeof raw === "boolean") return { ok: true, value: String(raw) };
      return { ok: false, reason: `expected text, got ${shown}` };
    case "array":
    case "object": {
      let value = raw;
      if (typeof raw === "string") {
        try {
          value = JSON.parse(raw);
        } catch {
          return {
            ok: false,
            reason: `expected ${type === "array" ? "a JSON array" : "a JSON object"}, got text that is not JSON: ${shown}`,
          };
        }
      }
      const isArray = Array.isArray(value);
      const fits = type === "array" ? isArray : value !== null && typeof value === "object" && !isArray;
      return fits
        ? { ok: true, value }
        : { ok: false, reason: `expected ${type === "array" ? "an array" : "an object"}, got ${shown}` };
    }
    case "null":
    case "undefined":
      return { ok: true, value: raw };
    default:
      return { ok: false, reason: `a parameter holding a ${type} cannot be set from a suggestion` };
  }
}

/**
 * Removes a surrounding markdown code fence (```ts … ```), which models often add to code. One pass
 * over the text (see `stripFence`).
 */
export function stripCodeFence(text: string): string {
  return stripFence(text);
}

/** Structural equality for JSON-like values. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
