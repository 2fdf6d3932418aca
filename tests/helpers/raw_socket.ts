/**
 * A WebSocket client written on a bare TCP connection, for what the WebSocket API cannot do:
 * vanish without a close handshake, stop reading, or never answer a ping.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface RawFrame {
  readonly opcode: number;
  readonly payload: Uint8Array;
}

/** The handshake's own header values, for tests of how the server reads them. */
export interface HandshakeOptions {
  /** The `Upgrade` value; "websocket" unless a test wants another spelling. */
  readonly upgrade?: string;
  /** The `Connection` value; "Upgrade" unless a test wants another spelling. */
  readonly connection?: string;
}

export class RawWebSocket {
  #buffer: Uint8Array = new Uint8Array(0);

  private constructor(readonly conn: Deno.TcpConn) {}

  /** Performs the upgrade handshake; rejects with the HTTP status line on refusal. */
  static async connect(
    port: number,
    headers: Record<string, string> = {},
    handshake: HandshakeOptions = {},
  ): Promise<RawWebSocket> {
    const { upgrade = "websocket", connection = "Upgrade" } = handshake;
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await conn.write(encoder.encode(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: ${upgrade}\r\n` +
        `Connection: ${connection}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Sec-WebSocket-Version: 13\r\n${extra}\r\n`,
    ));
    const socket = new RawWebSocket(conn);
    const head = await socket.#readUntilHeadersEnd();
    if (!head.startsWith("HTTP/1.1 101")) {
      conn.close();
      throw new Error(`upgrade refused: ${head.split("\r\n")[0]}`);
    }
    return socket;
  }

  /** Sends one masked text frame, as a client must. */
  async sendText(text: string): Promise<void> {
    const payload = encoder.encode(text);
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const lengthBytes = payload.length < 126 ? 0 : payload.length < 65_536 ? 2 : 8;
    const header = new Uint8Array(2 + lengthBytes + 4);
    header[0] = 0x81;
    if (lengthBytes === 0) header[1] = 0x80 | payload.length;
    else if (lengthBytes === 2) {
      header[1] = 0x80 | 126;
      new DataView(header.buffer).setUint16(2, payload.length);
    } else {
      header[1] = 0x80 | 127;
      new DataView(header.buffer).setBigUint64(2, BigInt(payload.length));
    }
    header.set(mask, 2 + lengthBytes);
    const masked = payload.map((byte, i) => byte ^ mask[i % 4]!);
    await this.#writeAll(concat(header, masked));
  }

  sendJson(value: unknown): Promise<void> {
    return this.sendText(JSON.stringify(value));
  }

  /** The next frame of any kind (pings included: this client never answers them). */
  async readFrame(): Promise<RawFrame | null> {
    for (;;) {
      const frame = this.#parseFrame();
      if (frame) return frame;
      if (!(await this.#fill())) return null;
    }
  }

  /** The next text message whose JSON `type` is `type`, skipping others; null at EOF. */
  async readMessage(type: string): Promise<Record<string, unknown> | null> {
    for (;;) {
      const frame = await this.readFrame();
      if (!frame) return null;
      if (frame.opcode !== 1) continue;
      const message = JSON.parse(decoder.decode(frame.payload));
      if (message.type === type) return message;
    }
  }

  /** Drops the TCP connection with no close frame: an abrupt disconnect. */
  abort(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  /** As abort(): `using socket = await RawWebSocket.connect(port)`. */
  [Symbol.dispose](): void {
    this.abort();
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(65_536);
    const n = await this.conn.read(chunk);
    if (n === null) return false;
    this.#buffer = concat(this.#buffer, chunk.subarray(0, n));
    return true;
  }

  async #readUntilHeadersEnd(): Promise<string> {
    for (;;) {
      const text = decoder.decode(this.#buffer);
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        this.#buffer = this.#buffer.subarray(encoder.encode(text.slice(0, end + 4)).length);
        return text.slice(0, end);
      }
      if (!(await this.#fill())) return decoder.decode(this.#buffer);
    }
  }

  #parseFrame(): RawFrame | null {
    const b = this.#buffer;
    if (b.length < 2) return null;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return null;
      length = new DataView(b.buffer, b.byteOffset).getUint16(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return null;
      length = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(2));
      offset = 10;
    }
    if (b.length < offset + length) return null;
    const frame = { opcode: b[0]! & 0x0f, payload: b.slice(offset, offset + length) };
    this.#buffer = b.subarray(offset + length);
    return frame;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
