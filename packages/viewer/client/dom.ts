/**
 * DOM building without HTML strings: every text (all of it may come from a model) goes in through
 * `textContent`, attributes through `setAttribute`.
 */

/** Children accepted by {@link el}: nodes, text, or nothing. */
export type Child = Node | string | number | null | undefined | false;

/** Attributes for {@link el}; `testid` becomes `data-testid`. */
export type Attrs = Readonly<Record<string, string | undefined>>;

/** Creates `<tag>` with the given attributes and children (text children become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: readonly Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (name.startsWith("on")) continue; // never an event handler attribute
    node.setAttribute(name === "testid" ? "data-testid" : name, value);
  }
  append(node, ...children);
  return node;
}

/** Appends children to `parent` (text as text nodes). */
export function append(parent: Node, ...children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Removes every child of `node`. */
export function clear(node: Node): void {
  while (node.firstChild !== null) node.removeChild(node.firstChild);
}

/** A visible problem box (`role="alert"`, class `problem`). */
export function problemBox(message: string): HTMLElement {
  return el("div", { class: "problem", role: "alert", testid: "problem" }, message);
}

/** `<details>` with a summary line and a preformatted body. */
export function details(summary: string, body: string, testid?: string): HTMLDetailsElement {
  return el("details", { testid }, el("summary", {}, summary), el("pre", { class: "text" }, body));
}

/** A `<table>` with a header row. */
export function table(
  testid: string,
  headers: readonly string[],
): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const body = el("tbody");
  const t = el(
    "table",
    { testid },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
    body,
  );
  return { table: t, body };
}
