/**
 * /ws: who may open a socket, in order. Not while draining (503); a browser's Origin must be
 * allowed (ALLOWED_ORIGINS, or the page this server serves: 403 otherwise; no Origin is a
 * non-browser client, allowed); it must ask for a WebSocket (426); the server's and the
 * address's connection limits (503, 429); a good handshake (400). Only then does a Connection
 * exist, and the hub has it.
 */
import type { Hono } from "hono";
import type { AddressBook } from "./addresses.ts";
import { clientAddress, TrustedProxies } from "./client_address.ts";
import type { Config } from "./config.ts";
import { Connection, type ConnectionContext } from "./connection.ts";
import type { ConnectionHub } from "./hub.ts";
import type { Logger } from "./log.ts";
import type { ServerMetrics } from "./metrics.ts";
import { asksForWebSocket, upgradeToWebSocket } from "./upgrade.ts";

export interface WebSocketRouteContext {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: ServerMetrics;
  readonly hub: ConnectionHub;
  readonly addresses: AddressBook;
  readonly connectionContext: ConnectionContext;
  readonly draining: () => boolean;
  readonly originAllowed: (origin: string) => boolean;
}

/** ALLOWED_ORIGINS as a check ("*" allows every origin; case does not matter). */
export function originPolicy(allowedOrigins: readonly string[]): (origin: string) => boolean {
  const allowAll = allowedOrigins.includes("*");
  const allowed = new Set(allowedOrigins.map((origin) => origin.toLowerCase()));
  return (origin) => allowAll || allowed.has(origin.toLowerCase());
}

/**
 * The page this server serves is always allowed to use it, whatever ALLOWED_ORIGINS says: its
 * origin's host is the host the request was sent to. (Behind a proxy that keeps the Host
 * header, as nginx and Caddy do, that is the public host.)
 */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

export function mountWebSocketRoute(
  app: Hono<{ Bindings: { readonly remoteAddr: Deno.Addr | undefined } }>,
  ctx: WebSocketRouteContext,
): void {
  const { config, log, metrics, hub } = ctx;
  const trustedProxies = TrustedProxies.fromList(config.trustedProxies);
  const idleTimeoutS = Math.round(config.limits.idleTimeoutMs / 1000);
  /** The warning about X-Forwarded-For from an untrusted peer is given once, not per request. */
  let warnedForwardedFor = false;

  app.get("/ws", (c) => {
    if (ctx.draining()) {
      metrics.upgradesRejected.inc("draining");
      return c.text("server shutting down", 503);
    }
    const origin = c.req.header("origin");
    if (
      origin !== undefined && !ctx.originAllowed(origin) &&
      !isOwnOrigin(origin, c.req.header("host"))
    ) {
      metrics.upgradesRejected.inc("origin");
      log.info("upgrade refused: origin not allowed", { origin });
      return c.text("origin not allowed", 403);
    }
    if (!asksForWebSocket(c.req.header("upgrade"))) {
      metrics.upgradesRejected.inc("not_websocket");
      return c.text("expected a WebSocket upgrade", 426);
    }
    const client = clientAddress(c.env.remoteAddr, c.req.header("x-forwarded-for"), trustedProxies);
    if (client.untrustedForwardedFor && !warnedForwardedFor) {
      warnedForwardedFor = true;
      log.warn(
        "X-Forwarded-For from a peer not in TRUSTED_PROXIES is ignored: if a proxy is in " +
          "front, list it, or every client shares its address and the per-address limits",
        { peer: client.address },
      );
    }
    const refusal = hub.refusal(client.address);
    if (refusal === "server_limit") {
      metrics.upgradesRejected.inc("server_limit");
      return c.text("server at connection limit", 503);
    }
    if (refusal === "address_limit") {
      metrics.upgradesRejected.inc("address_limit");
      log.debug("upgrade refused: address limit", { address: client.address });
      return c.text("too many connections from this address", 429);
    }
    const upgraded = upgradeToWebSocket(c.req.raw, idleTimeoutS);
    if (!upgraded.ok) {
      metrics.upgradesRejected.inc("bad_handshake");
      log.debug("upgrade refused: bad handshake", { error: upgraded.reason });
      return c.text(`bad WebSocket handshake: ${upgraded.reason}`, 400);
    }
    // Only now, with a socket that will report its close, does the connection exist.
    const connection = new Connection(ctx.connectionContext, ctx.addresses.acquire(client.address));
    hub.attach(upgraded.socket, connection);
    return upgraded.response;
  });
}
