/**
 * The WebSocket handshake, done with Deno's own upgrade rather than Hono's helper: that helper
 * compares `Upgrade` to "websocket" case-sensitively (header values are not case-sensitive,
 * RFC 6455 §4.2.1), and built our per-socket state before knowing whether it would upgrade at
 * all, leaving a phantom connection behind each refused request.
 */

/** True when `Upgrade` lists "websocket", in any letter case (it is a comma-separated list). */
export function asksForWebSocket(upgrade: string | undefined): boolean {
  if (upgrade === undefined) return false;
  return upgrade.split(",").some((token) => token.trim().toLowerCase() === "websocket");
}

export type UpgradeResult =
  | { readonly ok: true; readonly socket: WebSocket; readonly response: Response }
  | { readonly ok: false; readonly reason: string };

/**
 * Accepts the handshake, or says why it is malformed (no `Connection: upgrade`, no
 * `Sec-WebSocket-Key`, ...). Nothing exists yet on failure: the caller answers 400.
 */
export function upgradeToWebSocket(request: Request, idleTimeoutS: number): UpgradeResult {
  // Echo the first subprotocol offered, as Hono's helper did: a browser that offers one and
  // gets none back fails the handshake.
  const protocol = request.headers.get("sec-websocket-protocol")?.split(",")[0]?.trim();
  try {
    const { socket, response } = Deno.upgradeWebSocket(request, {
      idleTimeout: idleTimeoutS,
      ...(protocol ? { protocol } : {}),
    });
    return { ok: true, socket, response };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
