/**
 * A protocol client for integration tests: real WebSocket, every message recorded, and
 * `next(type)` that fails the test when the message does not come in time.
 */
import { isDeepStrictEqual } from "node:util";
import { type ServerMessage, ServerMessageSchema } from "../../protocol/mod.ts";

type Of<T extends ServerMessage["type"]> = Extract<ServerMessage, { type: T }>;

const DEFAULT_TIMEOUT_MS = 3_000;
let barrierCounter = 0;

interface Waiter {
  readonly match: (message: ServerMessage) => boolean;
  readonly resolve: (message: ServerMessage) => void;
}

export class TestClient {
  /** Every message received, in order, including consumed ones. */
  readonly received: ServerMessage[] = [];
  /** Received but not yet taken by next()/nextAny(). */
  readonly #unconsumed: ServerMessage[] = [];
  #waiters: Waiter[] = [];
  readonly #socket: WebSocket;
  readonly closedEvent: Promise<CloseEvent>;
  id = "";

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    this.closedEvent = new Promise((resolve) => {
      socket.addEventListener("close", (event) => resolve(event), { once: true });
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") throw new Error("server sent a binary frame");
      const message = JSON.parse(event.data) as ServerMessage;
      assertPublished(message, event.data);
      this.received.push(message);
      const waiter = this.#waiters.find((w) => w.match(message));
      if (waiter) {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        waiter.resolve(message);
      } else {
        this.#unconsumed.push(message);
      }
    });
  }

  /** Opens a socket and waits for the server's client_hello. */
  static async connect(url: string, headers?: Record<string, string>): Promise<TestClient> {
    // Deno's WebSocket takes extra request headers (Origin) as a non-standard option.
    const socket = headers
      ? new WebSocket(url, { headers } as unknown as string[])
      : new WebSocket(url);
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), {
        once: true,
      });
    });
    const hello = await client.next("client_hello");
    client.id = hello.payload.client_id;
    return client;
  }

  get readyState(): number {
    return this.#socket.readyState;
  }

  send(type: string, payload?: unknown, room = ""): void {
    this.sendJson({ type, room, payload, ts: Date.now() });
  }

  sendJson(value: unknown): void {
    this.sendRaw(JSON.stringify(value));
  }

  sendRaw(data: string | Uint8Array): void {
    this.#socket.send(data as string);
  }

  /** The next message of `type` not yet taken; others stay for later calls. */
  next<T extends ServerMessage["type"]>(type: T, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Of<T>> {
    return this.#take((m) => m.type === type, `${type}`, timeoutMs) as Promise<Of<T>>;
  }

  /** The earliest message not yet taken, whatever its type. */
  nextAny(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ServerMessage> {
    return this.#take(() => true, "any message", timeoutMs);
  }

  /** The next message of `type` that satisfies `match`. */
  nextOf<T extends ServerMessage["type"]>(
    type: T,
    match: (message: Of<T>) => boolean,
    what: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<Of<T>> {
    return this.#take(
      (m) => m.type === type && match(m as Of<T>),
      what,
      timeoutMs,
    ) as Promise<Of<T>>;
  }

  /** The next message that satisfies `match`. */
  nextWhere(
    match: (message: ServerMessage) => boolean,
    what: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<ServerMessage> {
    return this.#take(match, what, timeoutMs);
  }

  /**
   * Ping → pong. The server handles one frame at a time, so once this pong arrives, everything
   * that earlier frames (this client's or, written before, anyone's) caused for this client
   * has arrived too: a way to prove something was NOT sent without sleeping.
   */
  async barrier(): Promise<void> {
    const token = `barrier-${++barrierCounter}`;
    this.send("ping", { client_ts: 0, barrier: token });
    await this.#take(
      (m) => m.type === "pong" && (m.payload as { barrier?: string }).barrier === token,
      "barrier pong",
      DEFAULT_TIMEOUT_MS,
    );
  }

  /** Messages received and not taken, after a barrier: what the test did not expect. */
  async drain(): Promise<ServerMessage[]> {
    await this.barrier();
    return this.#unconsumed.splice(0);
  }

  /** Types of the not-yet-taken messages, without waiting. */
  pendingTypes(): string[] {
    return this.#unconsumed.map((m) => m.type);
  }

  /** A clean close (1000); closing a closed client does nothing. */
  async close(): Promise<void> {
    if (this.#socket.readyState === WebSocket.CLOSED) return;
    this.#socket.close(1000);
    await this.closedEvent;
  }

  /** As close(): `await using client = await TestClient.connect(url)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #take(
    match: (message: ServerMessage) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<ServerMessage> {
    const index = this.#unconsumed.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#unconsumed.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const seen = this.received.map((m) => m.type).join(", ");
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got: ${seen}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      this.#waiters.push(waiter);
    });
  }
}

/**
 * Every message the real server sends in a test must match the published schema exactly (no
 * missing, wrong or undocumented field): docs/protocol.schema.json is generated from it.
 * Throwing here fails the test that received the message.
 */
function assertPublished(message: ServerMessage, text: string): void {
  const checked = ServerMessageSchema.safeParse(message);
  if (checked.success && isDeepStrictEqual(checked.data, message)) return;
  const why = checked.success
    ? "a field the schema does not describe"
    : checked.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
  throw new Error(`server message outside the published schema (${why}): ${text.slice(0, 300)}`);
}
