/**
 * Which address a request comes from, for the per-address limits. It is the TCP peer, unless
 * the peer is a proxy listed in TRUSTED_PROXIES: then it is the right-most X-Forwarded-For entry
 * that is not itself a trusted proxy. Each trusted proxy appends the address it got the request
 * from, so the entries from the right up to the first untrusted one are true; anything left of
 * that was written by the client and proves nothing.
 */
import { formatIp, inRange, type IpBytes, type IpRange, parseIp, parseRange } from "./ip.ts";

/** The key of requests whose peer is unknown (a caller of `fetch` without the serve info). */
export const UNKNOWN_ADDRESS = "unknown";

export class TrustedProxies {
  constructor(readonly ranges: readonly IpRange[]) {}

  /** From TRUSTED_PROXIES entries, which config.ts has already validated. */
  static fromList(entries: readonly string[]): TrustedProxies {
    return new TrustedProxies(entries.map((entry) => {
      const range = parseRange(entry);
      if (!range) throw new Error(`not an IP address or CIDR range: ${entry}`);
      return range;
    }));
  }

  includes(address: IpBytes): boolean {
    return this.ranges.some((range) => inRange(address, range));
  }
}

export interface ClientAddress {
  /** The canonical text of the client's address (see ip.ts). */
  readonly address: string;
  /**
   * An untrusted peer sent X-Forwarded-For: a proxy in front that TRUSTED_PROXIES does not
   * list (every client then shares its address), or a client making the header up.
   */
  readonly untrustedForwardedFor: boolean;
}

export function clientAddress(
  peer: Deno.Addr | undefined,
  forwardedFor: string | undefined,
  trusted: TrustedProxies,
): ClientAddress {
  const forwarded = forwardedFor !== undefined && forwardedFor.trim() !== "";
  if (peer === undefined) return { address: UNKNOWN_ADDRESS, untrustedForwardedFor: forwarded };
  // A Unix socket (or vsock) peer has no IP: such peers share one key and are never trusted.
  if (peer.transport !== "tcp" && peer.transport !== "udp") {
    return { address: peer.transport, untrustedForwardedFor: forwarded };
  }
  const peerBytes = parseIp(peer.hostname);
  if (!peerBytes) return { address: peer.hostname, untrustedForwardedFor: forwarded };
  if (!trusted.includes(peerBytes)) {
    return { address: formatIp(peerBytes), untrustedForwardedFor: forwarded };
  }
  let candidate = peerBytes;
  const entries = forwarded ? forwardedFor.split(",") : [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = forwardedEntry(entries[i]!.trim());
    // Garbage where a trusted proxy should have written its peer: stop at the last sure hop.
    if (!entry) break;
    candidate = entry;
    if (!trusted.includes(entry)) break;
  }
  return { address: formatIp(candidate), untrustedForwardedFor: false };
}

/** One X-Forwarded-For entry: an address, possibly with a port (`1.2.3.4:80`, `[::1]:80`). */
function forwardedEntry(text: string): IpBytes | null {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return parseIp(bracketed[1]!);
  const v4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(text);
  return parseIp(v4WithPort ? v4WithPort[1]! : text);
}
