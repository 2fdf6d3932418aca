/**
 * The generator's client: a WebSocket that speaks only what the protocol (docs/protocol.md) promises, so it can
 * target any server. Frames of any type may arrive at any time (room_list broadcasts, for one);
 * whoever waits for a type gets the next frame of that type and the rest flow to `onFrame`.
 */
/** How our server (and the original) begins a room_list frame. */
const ROOM_LIST_PREFIX = '{"type":"room_list"';

export interface ServerFrame {
  readonly type: string;
  /** For room_list frames: the text, not parsed yet (see the message listener). */
  readonly text?: string;
  readonly room?: string;
  readonly client?: string;
  // deno-lint-ignore no-explicit-any -- frames from any server: fields are checked where read
  readonly payload?: any;
  readonly server_ts?: number;
}

export class BenchClient {
  id = "";
  /** From client_hello: what a later connection sends in `resume` to take this session back. */
  resumeToken = "";
  sent = 0;
  received = 0;
  /** Every frame, with the generator's clock at receipt (performance.now()). */
  onFrame: (frame: ServerFrame, at: number) => void = () => {};
  #waiters: { type: string; resolve: (frame: ServerFrame) => void }[] = [];
  #closed: Promise<void>;

  private constructor(readonly socket: WebSocket) {
    this.#closed = new Promise((resolve) => socket.addEventListener("close", () => resolve()));
    socket.addEventListener("message", (event) => {
      const at = performance.now();
      if (typeof event.data !== "string") return;
      this.received++;
      // Room lists are the biggest frames by far (80 B a room, to every connection entering
      // the lobby): their text is kept, and parsed only if the settle step needs it, so the
      // generator's JSON.parse is not what limits a big run.
      if (event.data.startsWith(ROOM_LIST_PREFIX)) {
        this.#deliver({ type: "room_list", text: event.data }, at);
        return;
      }
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.#deliver(frame, at);
    });
  }

  #deliver(frame: ServerFrame, at: number): void {
    const index = this.#waiters.findIndex((w) => w.type === frame.type);
    if (index >= 0) this.#waiters.splice(index, 1)[0]!.resolve(frame);
    this.onFrame(frame, at);
  }

  /** Opens a socket and resolves at client_hello, with the time it took in ms. */
  static async connect(
    url: string,
    timeoutMs = 10_000,
  ): Promise<{ client: BenchClient; ms: number }> {
    const started = performance.now();
    const socket = new WebSocket(url);
    const client = new BenchClient(socket);
    const hello = client.waitFor("client_hello", timeoutMs);
    const failed = new Promise<never>((_, reject) => {
      socket.addEventListener("error", () => reject(new Error("connection failed")), {
        once: true,
      });
      socket.addEventListener("close", () => reject(new Error("closed before hello")), {
        once: true,
      });
    });
    const frame = await Promise.race([hello, failed]);
    client.id = frame.payload?.client_id ?? frame.client ?? "";
    client.resumeToken = frame.payload?.resume_token ?? "";
    return { client, ms: performance.now() - started };
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(type: string, payload: unknown, room = ""): void {
    if (!this.open) return;
    this.socket.send(JSON.stringify({ type, room, payload, ts: Date.now() }));
    this.sent++;
  }

  waitFor(type: string, timeoutMs = 10_000): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (frame: ServerFrame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close(1000);
    await Promise.race([this.#closed, new Promise((r) => setTimeout(r, 2_000))]);
  }
}
