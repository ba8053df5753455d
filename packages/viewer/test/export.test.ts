import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { ViewerExportExistsError } from "../src/errors.js";
import { exportReport } from "../src/export/export.js";
import type { StaticData } from "../src/protocol.js";
import {
  cassetteText,
  completeRun,
  jsonl,
  put,
  removeDir,
  stepRecord,
  stubAssets,
  tempDir,
} from "./support-server/logs.js";

const HOSTILE = "</script><script>alert(1)</script><!-- \u2028 </style>";
let dir: string;
let assetsDir: string;

beforeEach(() => {
  dir = tempDir();
  assetsDir = stubAssets(
    dir,
    'const s = "</script><img src=x>"; console.log(s);\n',
    "a::after { content: '</style>'; }\n",
  );
  const records = completeRun(2);
  records.splice(2, 1, stepRecord(1, 0.5, HOSTILE));
  put(dir, "runs/a.jsonl", jsonl(records));
  put(dir, "runs/a.cassette.jsonl", cassetteText([HOSTILE]));
  put(dir, "runs/nested/b.jsonl", jsonl(completeRun(1)));
});
afterEach(() => removeDir(dir));

function hash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

describe("exportReport", () => {
  it("writes one self-contained file whose CSP hashes match its inline code", async () => {
    const out = join(dir, "report.html");
    const result = await exportReport({ paths: [join(dir, "runs")], out, assetsDir });
    const html = readFileSync(out, "utf8");
    expect(result).toEqual({ out, runs: 2, bytes: Buffer.byteLength(html) });
    const markup = html.replace(/<(script|style)\b([^>]*)>[\s\S]*?<\/\1>/g, "<$1$2>");
    expect(markup).not.toMatch(/\s(src|href)\s*=/i);
    expect(markup).not.toMatch(/<(link|img|iframe|object|embed|base)\b/i);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)];
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)];
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    expect(scripts[0]![1]).toContain("<\\/script><img");
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
    expect(csp).toBe(
      `default-src 'none'; script-src ${hash(scripts[0]![1]!)} 'wasm-unsafe-eval'; style-src ${hash(styles[0]![1]!)}; ` +
        "img-src data:; base-uri 'none'; form-action 'none'",
    );
    expect(readdirSync(dir).sort()).toEqual(["assets", "report.html", "runs"]);
  });

  it("keeps hostile strings inside the JSON data", async () => {
    const out = join(dir, "report.html");
    await exportReport({ paths: [join(dir, "runs")], out, assetsDir });
    const html = readFileSync(out, "utf8");
    const all = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(all.map((m) => m[1])).toEqual([' type="application/json" id="trace-viewer-data"', ""]);
    const json = all[0]![2]!;
    expect(json).not.toContain("<");
    expect(json).not.toMatch(/[\u2028\u2029]/);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain("alert(1)</script>");
    const data = JSON.parse(json) as StaticData;
    expect(data.protocol).toBe(1);
    expect(Object.keys(data.run).sort()).toEqual(["a.jsonl", "nested/b.jsonl"]);
    expect(JSON.stringify(data.run["a.jsonl"]?.records)).toContain(JSON.stringify(HOSTILE).slice(1, -1));
    expect(data.cassette["a.jsonl"]?.calls[0]?.response).toBe(`reply: ${HOSTILE}`);
    expect(data.cassette["nested/b.jsonl"]).toBeUndefined();
  });

  it("refuses to replace a file unless told to", async () => {
    const out = put(dir, "report.html", "keep me");
    await expect(exportReport({ paths: [join(dir, "runs")], out, assetsDir })).rejects.toThrow(
      ViewerExportExistsError,
    );
    expect(readFileSync(out, "utf8")).toBe("keep me");
    await exportReport({ paths: [join(dir, "runs")], out, assetsDir, overwrite: true });
    expect(readFileSync(out, "utf8")).toMatch(/^<!doctype html>/);
    expect(readdirSync(dir).sort()).toEqual(["assets", "report.html", "runs"]);
  });
});
