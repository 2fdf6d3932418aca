/**
 * A WebSocket proxy that puts a network between a page and the server: it listens on a loopback
 * port, forwards every connection to the server's /ws, and delays each frame by a one-way delay
 * plus seeded jitter, per direction. Frames of one direction stay in order (a frame never
 * overtakes the one before it, as on a TCP connection: jitter that would reorder becomes
 * queueing). The upstream socket carries no Origin header, so the server sees a non-browser
 * client, which every origin policy allows.
 */
import { seededRandom } from "../../bench/random.ts";

/** One direction: every frame takes `delayMs` ± `jitterMs` (uniform), never less than 0. */
export interface PathDelay {
  readonly delayMs: number;
  readonly jitterMs: number;
}

export interface DelayProfile {
  /** Page → server. */
  readonly up: PathDelay;
  /** Server → page. */
  readonly down: PathDelay;
}

export const NO_DELAY: DelayProfile = Object.freeze({
  up: { delayMs: 0, jitterMs: 0 },
  down: { delayMs: 0, jitterMs: 0 },
});

export interface DelayProxyOptions {
  /** The server's WebSocket URL (ws://127.0.0.1:<port>/ws). */
  readonly target: string;
  readonly profile: DelayProfile;
  /** Seeds the jitter; each connection draws from its own stream (seed + connection number). */
  readonly seed?: number;
}

export interface DelayProxy {
  /** ws://127.0.0.1:<port>/ws: give it to a page instead of the server's. */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

type Frame = string | ArrayBuffer;

/**
 * One direction of one connection: frames go out at their due instant, in order. Nothing is
 * delivered before `open()`; a frame due earlier goes out then.
 */
export class DelayLine {
  readonly #queue: { due: number; frame: Frame }[] = [];
  readonly #delay: () => number;
  readonly #deliver: (frame: Frame) => void;
  #lastDue = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #open = false;
  #closed = false;
  #onDrained: (() => void) | null = null;

  constructor(delay: () => number, deliver: (frame: Frame) => void) {
    this.#delay = delay;
    this.#deliver = deliver;
  }

  get pending(): number {
    return this.#queue.length;
  }

  push(frame: Frame): void {
    if (this.#closed) return;
    const due = Math.max(performance.now() + this.#delay(), this.#lastDue);
    this.#lastDue = due;
    this.#queue.push({ due, frame });
    this.#pump();
  }

  open(): void {
    this.#open = true;
    this.#pump();
  }

  /**
   * Calls `then` once every queued frame is delivered: at once when none is and the line is
   * open, else once it opens (a close right after connecting waits for the other side).
   */
  drain(then: () => void): void {
    this.#onDrained = then;
    this.#pump();
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #finish(): void {
    const then = this.#onDrained;
    this.#onDrained = null;
    then?.();
  }

  #pump(): void {
    if (!this.#open || this.#timer !== null || this.#closed) return;
    const now = performance.now();
    while (this.#queue.length > 0 && this.#queue[0]!.due <= now) {
      this.#deliver(this.#queue.shift()!.frame);
    }
    if (this.#queue.length === 0) {
      if (this.#onDrained) this.#finish();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, Math.max(0, this.#queue[0]!.due - now));
  }
}

/** A delay source for one direction: the delay plus uniform jitter in ±jitterMs, at least 0. */
export function delaySource(path: PathDelay, random: () => number): () => number {
  if (path.jitterMs === 0) return () => Math.max(0, path.delayMs);
  return () => Math.max(0, path.delayMs + (random() * 2 - 1) * path.jitterMs);
}

export function startDelayProxy(options: DelayProxyOptions): DelayProxy {
  const seed = options.seed ?? 1;
  let connections = 0;
  const open = new Set<{ close(): void }>();

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const { socket: page, response } = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    const number = connections++;
    // Each direction of each connection draws from its own stream.
    const upRandom = seededRandom(seed * 1_000_003 + number * 2);
    const downRandom = seededRandom(seed * 1_000_003 + number * 2 + 1);
    // Deno's client sends no Origin header.
    const upstream = new WebSocket(options.target);
    upstream.binaryType = "arraybuffer";
    page.binaryType = "arraybuffer";
    const send = (socket: WebSocket) => (frame: Frame) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
    };
    const up = new DelayLine(delaySource(options.profile.up, upRandom), send(upstream));
    const down = new DelayLine(delaySource(options.profile.down, downRandom), send(page));
    let closing = false;
    /** A close on one side reaches the other after the frames before it (its own delay). */
    const closeBoth = (code: number, reason: string, from: "page" | "upstream") => {
      if (closing) return;
      closing = true;
      const [line, other] = from === "page" ? [up, upstream] : [down, page];
      line.drain(() => {
        up.close();
        down.close();
        const safeCode = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
        try {
          if (other.readyState === WebSocket.OPEN || other.readyState === WebSocket.CONNECTING) {
            other.close(safeCode, reason);
          }
        } catch { /* already closing */ }
      });
    };
    const connection = {
      close() {
        up.close();
        down.close();
        for (const socket of [page, upstream]) {
          try {
            socket.close(1001, "proxy closing");
          } catch { /* already closed */ }
        }
      },
    };
    open.add(connection);
    upstream.onopen = () => up.open();
    page.onopen = () => down.open();
    page.onmessage = (event: MessageEvent<Frame>) => up.push(event.data);
    upstream.onmessage = (event: MessageEvent<Frame>) => down.push(event.data);
    page.onclose = (event) => {
      open.delete(connection);
      closeBoth(event.code, event.reason, "page");
    };
    upstream.onclose = (event) => {
      open.delete(connection);
      closeBoth(event.code, event.reason, "upstream");
    };
    page.onerror = () => {};
    upstream.onerror = () => {};
    return response;
  });

  return {
    url: `ws://127.0.0.1:${server.addr.port}/ws`,
    port: server.addr.port,
    get connections() {
      return connections;
    },
    async close() {
      for (const connection of [...open]) connection.close();
      open.clear();
      await server.shutdown();
    },
  };
}
