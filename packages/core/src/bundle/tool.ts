/**
 * `tool()`: makes a `callLLM` tool (contract v2) from a bundled function (its name, description and
 * parameters come from the bundle, and its calls are traced) or from a plain function with an
 * explicit JSON Schema. It lives with bundles because it reads a bundle's definition.
 */
import type { MaybeNode } from "../graph/node.js";
import { checkToolName } from "../llm/contract.js";
import type { LLMTool } from "../ops/llm-tools.js";
import type { BundleDefinition } from "./definition.js";
import { bundleOf } from "./registry.js";

/** Options of {@link tool}. */
export interface ToolOptions {
  /** The name the model calls it by (default: the bundle's or the function's name). */
  readonly name?: string;
  /**
   * What the tool does, as text or a (trainable) node holding text. Default for a bundled function:
   * its bundle description; required for a plain function.
   */
  readonly description?: MaybeNode<string>;
  /**
   * JSON Schema of the arguments object. Default for a bundled function: one property per
   * parameter, in order, each any JSON value, all required; required for a plain function.
   */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/**
 * Makes an {@link LLMTool} for `callLLM`.
 *
 * - From a **bundled function** (`bundle(fn, …)`): the name is the bundle's, the description the
 *   bundle's description, the parameters one property per parameter (any JSON value, all required;
 *   a rest parameter is not offered). The model's arguments are passed positionally in parameter
 *   order, and each call is traced: its result node (or, when it throws, its `ExceptionNode`, whose
 *   error text goes back to the model) becomes an input of the answer, so feedback reaches the
 *   bundle's trainable code. `options` may override each of the three.
 * - From a **plain function** (sync or async): it receives the arguments object; give
 *   `description` and `parameters`. Its calls are not traced.
 *
 * @example
 * const lookup = bundle(function lookup(city: string) { return { city, temperatureC: 21 }; },
 *   { description: "Current weather of a city.", trainable: true });
 * const answer = await callLLM(system, "Weather in Oslo?", { model, tools: [tool(lookup)] });
 *
 * @param fn a bundled function, or a plain function taking the arguments object
 * @param options name, description and parameters schema, overriding the bundle's
 */
export function tool(fn: (...args: never[]) => unknown, options: ToolOptions = {}): LLMTool {
  if (typeof fn !== "function") throw new TypeError("tool: pass a bundled function or a plain function");
  if (options === null || typeof options !== "object") throw new TypeError("tool: options must be an object");
  const definition = bundleOf(fn)?.definition;
  const name = options.name ?? definition?.name ?? fn.name;
  checkToolName("tool", name);
  if (options.parameters !== undefined) checkSchema("tool", name, options.parameters);
  const call = fn as unknown as (...args: unknown[]) => unknown;
  if (definition === undefined) {
    if (options.description === undefined || options.parameters === undefined) {
      throw new TypeError(
        `tool(${name}): a plain function needs { description, parameters } (a JSON Schema of its arguments object); ` +
          "or bundle it first: tool(bundle(fn)) takes both from the bundle",
      );
    }
    return {
      name,
      description: options.description,
      parameters: options.parameters,
      run: (args) => call(args),
    };
  }
  const fixed = definition.layout.fixed;
  const parameters = options.parameters ?? {
    type: "object",
    properties: Object.fromEntries(fixed.map((p) => [p, {}])),
    required: [...fixed],
    additionalProperties: false,
  };
  const description = options.description ?? bundleDescription(definition);
  return { name, description, parameters, run: (args) => call(...fixed.map((p) => args[p])) };
}

/** The bundle's description without the `[name] ` prefix it carries in the graph. */
function bundleDescription(definition: BundleDefinition): string {
  const text = definition.description;
  const prefix = `[${definition.name}] `;
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

function checkSchema(where: string, name: string, schema: unknown): void {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    throw new TypeError(`${where}(${name}): parameters must be a JSON Schema object`);
  }
}
