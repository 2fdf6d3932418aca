/**
 * The addresses a person should open, from the address the server listens on: a wildcard
 * (0.0.0.0, ::) is reachable here as localhost; an IPv6 literal needs brackets in a URL.
 */
export interface ListenUrls {
  /** The watch page. */
  readonly page: string;
  /** The WebSocket endpoint the Jellyfin plugin's "session server URL" points at. */
  readonly ws: string;
}

export function listenUrls(hostname: string, port: number): ListenUrls {
  const wildcard = hostname === "0.0.0.0" || hostname === "::" || hostname === "";
  const host = wildcard ? "localhost" : hostname.includes(":") ? `[${hostname}]` : hostname;
  return { page: `http://${host}:${port}/`, ws: `ws://${host}:${port}/ws` };
}
