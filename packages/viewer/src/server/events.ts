/**
 * The `/api/events` stream: follows one run log and sends what is appended as server-sent events.
 */
import type { ServerResponse } from "node:http";
import type { LogEvent } from "../protocol.js";
import { LogFollower } from "../read/follow.js";
import type { ReadLimits } from "../read/limits.js";
import { SECURITY_HEADERS } from "./security.js";

/** Most streams open at once. */
export const MAX_STREAMS = 32;
/** How often the log is checked for new lines, in milliseconds. */
export const POLL_MS = 200;
/** How often a comment keeps an idle stream open, in milliseconds. */
export const KEEP_ALIVE_MS = 15_000;

/** One event as SSE text: `event: <kind>` and `data: <JSON>`. */
export function sseMessage(event: LogEvent): string {
  return `event: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** The open event streams of a viewer. */
export class EventStreams {
  private readonly open = new Set<() => void>();
  private readonly limits: Partial<ReadLimits> | undefined;

  /** @param limits size caps of the reader */
  constructor(limits?: Partial<ReadLimits>) {
    this.limits = limits;
  }

  /** Number of streams open. */
  get size(): number {
    return this.open.size;
  }

  /** Whether another stream may open. */
  get full(): boolean {
    return this.open.size >= MAX_STREAMS;
  }

  /**
   * Streams the records appended to `path` after byte `from` until the client goes away or
   * {@link EventStreams.closeAll} is called.
   *
   * @param res the response to stream into
   * @param path the run log
   * @param from bytes the page has already
   * @param head whether the request is HEAD (headers only)
   */
  async stream(res: ServerResponse, path: string, from: number, head: boolean): Promise<void> {
    let closed = false;
    let poll: NodeJS.Timeout | undefined;
    let keepAlive: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(keepAlive);
      this.open.delete(stop);
      if (!res.writableEnded) res.end();
    };
    this.open.add(stop);
    res.on("close", stop);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "Content-Type": "text/event-stream; charset=utf-8",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    if (head) {
      stop();
      return;
    }
    res.write(": following\n\n");
    const follower = await LogFollower.start(path, from, this.limits);
    if (closed) return;
    let busy = false;
    const tick = async (): Promise<void> => {
      if (busy || closed || follower.done) return;
      busy = true;
      try {
        const events = await follower.poll();
        if (!closed) for (const event of events) res.write(sseMessage(event));
      } finally {
        busy = false;
      }
    };
    poll = setInterval(() => void tick(), POLL_MS);
    keepAlive = setInterval(() => {
      if (!closed) res.write(": keep-alive\n\n");
    }, KEEP_ALIVE_MS);
    await tick();
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const stop of [...this.open]) stop();
  }
}
