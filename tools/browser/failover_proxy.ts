/**
 * A TCP front for several server instances, as a load balancer with failover is: every
 * connection goes to the first instance in `ports` that accepts it. Nothing is parsed (HTTP
 * and WebSocket pass through as bytes, Origin included). When an instance dies its connections
 * end, and the clients' next attempt lands on the next instance that is up: a page behind it
 * keeps one address across an adoption.
 */
export interface FailoverProxy {
  /** ws://127.0.0.1:<port>/ws */
  readonly wsUrl: string;
  readonly port: number;
  /** Which upstream port each connection went to, in order. */
  readonly routed: readonly number[];
  close(): Promise<void>;
}

const HOST = "127.0.0.1";

async function firstUp(
  ports: readonly number[],
): Promise<{ conn: Deno.Conn; port: number } | null> {
  for (const port of ports) {
    try {
      return { conn: await Deno.connect({ hostname: HOST, port }), port };
    } catch {
      // refused: that instance is down, try the next
    }
  }
  return null;
}

/** Copies `from` into `to` until either ends. */
async function pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) return;
      let written = 0;
      while (written < n) written += await to.write(buffer.subarray(written, n));
    }
  } catch {
    // reset or closed by the other pump: the pair is over either way
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

export function startFailoverProxy(ports: readonly number[]): FailoverProxy {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const open = new Set<Deno.Conn>();
  const pairs = new Set<Promise<void>>();
  const routed: number[] = [];

  const serve = async (client: Deno.Conn) => {
    const upstream = await firstUp(ports);
    if (!upstream) return closeQuietly(client);
    routed.push(upstream.port);
    open.add(client).add(upstream.conn);
    // Whichever side ends first ends both: the client sees its server go.
    await Promise.race([pump(client, upstream.conn), pump(upstream.conn, client)]);
    for (const conn of [client, upstream.conn]) {
      closeQuietly(conn);
      open.delete(conn);
    }
  };
  const accepting = (async () => {
    try {
      for await (const client of listener) {
        const pair = serve(client);
        pairs.add(pair);
        pair.finally(() => pairs.delete(pair));
      }
    } catch {
      // the listener closed
    }
  })();

  const port = (listener.addr as Deno.NetAddr).port;
  return {
    wsUrl: `ws://${HOST}:${port}/ws`,
    port,
    routed,
    async close() {
      listener.close();
      await accepting;
      for (const conn of open) closeQuietly(conn);
      await Promise.allSettled([...pairs]);
    },
  };
}
