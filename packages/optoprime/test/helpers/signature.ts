/** The text of a method's source up to its body, whitespace collapsed. */
export function signatureOfSource(source: string): string {
  const at = source.indexOf("{");
  return (at < 0 ? source : source.slice(0, at)).replace(/\s+/g, " ").trim();
}
