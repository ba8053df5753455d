import {
  type StubHandler,
  type StubRequest,
  type StubServer,
  type StubServerOptions,
  startStubServer,
} from "./stub-server.js";

/** The lifecycle hooks of a test framework (jest's, vitest's and node:test's have this shape). */
export interface TestHooks {
  /** Runs once before the tests of the file (or `describe` block). */
  readonly beforeAll: (fn: () => Promise<void>) => void;
  /** Runs once after them. */
  readonly afterAll: (fn: () => Promise<void>) => void;
  /** Runs before each test. */
  readonly beforeEach: (fn: () => void) => void;
}

/**
 * One stub server for the tests of a file (or `describe` block): started before the first test,
 * closed after the last, and before each test cleared of recorded requests with `handler` put back
 * (so a test that replaces the handler does not leak into the next). Returns the server's handle;
 * read `url` inside tests or hooks, not at the top level (the server starts in `beforeAll`).
 *
 * @example
 * import { afterAll, beforeAll, beforeEach } from "@jest/globals";
 * const stub = stubServerForTests({ beforeAll, afterAll, beforeEach }, () => ({ json: openAIChatResponse("hello") }));
 * it("calls the stub", async () => { await fetch(`${stub.url}/v1/chat/completions`, { method: "POST" }); });
 *
 * @param hooks the test framework's `beforeAll`, `afterAll` and `beforeEach`
 * @param handler the default handler, restored before each test
 * @param options server options (see `startStubServer`)
 */
export function stubServerForTests(
  hooks: TestHooks,
  handler: StubHandler,
  options?: StubServerOptions,
): StubServer {
  let server: StubServer | undefined;
  const current = (): StubServer => {
    if (server === undefined)
      throw new Error("the stub server starts in beforeAll: use it inside a test or hook");
    return server;
  };
  hooks.beforeAll(async () => {
    server = await startStubServer(handler, options);
  });
  hooks.afterAll(async () => {
    await server?.close();
    server = undefined;
  });
  hooks.beforeEach(() => {
    current().clear();
    current().setHandler(handler);
  });
  return {
    get url(): string {
      return current().url;
    },
    get port(): number {
      return current().port;
    },
    get requests(): readonly StubRequest[] {
      return current().requests;
    },
    get requestCount(): number {
      return current().requestCount;
    },
    get openConnections(): number {
      return current().openConnections;
    },
    waitForNoConnections: (timeoutMs?: number) => current().waitForNoConnections(timeoutMs),
    setHandler: (next: StubHandler) => current().setHandler(next),
    clear: () => current().clear(),
    close: () => current().close(),
  };
}
