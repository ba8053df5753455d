/**
 * Traced graphs: DOT → SVG with Graphviz (WebAssembly, @viz-js/viz), then stripped of everything
 * that could run code or load something (links, scripts, foreign content, images, references,
 * event handlers, styles) before it goes into the page.
 */
import { instance, type Viz } from "@viz-js/viz";
import { el } from "./dom.js";

let viz: Promise<Viz> | undefined;

const DROP = new Set([
  "script",
  "foreignobject",
  "image",
  "use",
  "style",
  "iframe",
  "animate",
  "animatemotion",
  "animatetransform",
  "set",
  "feimage",
]);
const DROP_ATTRS = new Set(["href", "xlink:href", "style", "src", "action", "formaction"]);

/** Removes dangerous elements and attributes from `root` (in place) and returns it. */
export function sanitizeSvg<T extends Element>(root: T): T {
  const walk = (node: Element) => {
    for (const child of [...node.children]) {
      const name = child.localName.toLowerCase();
      if (DROP.has(name)) child.remove();
      else if (name === "a") {
        // a link (DOT `URL`/`href`): keep what it draws, drop the link itself
        walk(child);
        child.replaceWith(...child.childNodes);
      } else walk(child);
    }
    for (const attr of [...node.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on") || DROP_ATTRS.has(name) || name.endsWith(":href"))
        node.removeAttribute(attr.name);
    }
  };
  walk(root);
  return root;
}

/** A `data-testid="graph"` box that fills with the rendered graph (or the error). */
export function graphElement(label: string, dot: string): HTMLElement {
  const box = el("div", { class: "graph", testid: "graph" }, el("div", { class: "graph-title" }, label));
  const target = el("div", { class: "graph-svg" }, el("p", { class: "muted" }, "Rendering graph…"));
  box.appendChild(target);
  viz ??= instance();
  viz
    .then((v) => {
      const svg = sanitizeSvg(v.renderSVGElement(dot));
      target.replaceChildren(svg);
    })
    .catch((error: unknown) => {
      target.replaceChildren(
        el(
          "div",
          { class: "problem", role: "alert", testid: "graph-error" },
          `Could not draw the graph: ${errorText(error)}`,
        ),
      );
    });
  return box;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
