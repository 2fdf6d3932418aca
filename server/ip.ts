/**
 * IP addresses and ranges (CIDR), IPv4 and IPv6, read into bytes so that an address has one
 * spelling: an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, how a dual-stack listener reports
 * an IPv4 client) is that IPv4 address, and IPv6 is written in its canonical form (RFC 5952).
 * Per-address limits key on that text, so no other spelling of an address escapes them.
 */

/** 4 bytes (IPv4) or 16 (IPv6). */
export type IpBytes = Uint8Array;

export interface IpRange {
  /** The network address: the bits past the prefix are zero. */
  readonly base: IpBytes;
  /** Leading bits that must match: 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
/** `::ffff:0:0/96`, the IPv4-mapped block. */
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** The address in `text`, IPv4-mapped IPv6 turned into IPv4; null when it is not one. */
export function parseIp(text: string): IpBytes | null {
  const bytes = parseRaw(text);
  return bytes && unmapped(bytes);
}

/** The canonical text of an address: dotted IPv4, or RFC 5952 IPv6 (lowercase, `::`). */
export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // The longest run of two or more zero groups (the first of equals) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) [bestStart, bestLength] = [i, end - i];
    i = end;
  }
  const hex = (list: number[]) => list.map((group) => group.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** `parseIp` then `formatIp`: the one spelling of an address, or null. */
export function canonicalIp(text: string): string | null {
  const bytes = parseIp(text);
  return bytes && formatIp(bytes);
}

/** `10.0.0.0/8`, `2001:db8::/32`, or one address (a range of one). Null when invalid. */
export function parseRange(text: string): IpRange | null {
  const slash = text.indexOf("/");
  const raw = parseRaw(slash < 0 ? text : text.slice(0, slash));
  if (!raw) return null;
  const bits = raw.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(digits) || Number(digits) > bits) return null;
    prefix = Number(digits);
  }
  let base = raw;
  // `::ffff:10.0.0.0/104` is 10.0.0.0/8: addresses are compared unmapped.
  if (raw.length === 16 && prefix >= 96 && isMapped(raw)) {
    base = raw.slice(12);
    prefix -= 96;
  }
  return { base: masked(base, prefix), prefix };
}

/** `base/prefix`, or just the address for a range of one. */
export function formatRange(range: IpRange): string {
  const address = formatIp(range.base);
  return range.prefix === range.base.length * 8 ? address : `${address}/${range.prefix}`;
}

export function inRange(address: IpBytes, range: IpRange): boolean {
  if (address.length !== range.base.length) return false;
  const whole = range.prefix >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== range.base[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[whole]! & mask) === range.base[whole];
}

/** The address as written, mapped IPv6 kept as IPv6 (ranges need to know). */
function parseRaw(text: string): IpBytes | null {
  const v4 = IPV4.exec(text);
  if (v4) return parseIpv4(v4);
  if (!text.includes(":")) return null;
  // A zone (`fe80::1%eth0`) names a local interface, not another address.
  const zone = text.indexOf("%");
  return parseIpv6(zone < 0 ? text : text.slice(0, zone));
}

function parseIpv4(match: RegExpExecArray): IpBytes | null {
  const parts = match.slice(1, 5);
  // Leading zeros read as octal in some parsers: refuse the ambiguity.
  if (parts.some((part) => Number(part) > 255 || (part.length > 1 && part.startsWith("0")))) {
    return null;
  }
  return Uint8Array.from(parts, Number);
}

function parseIpv6(text: string): IpBytes | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...Array<number>(8 - total).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** Colon-separated hex groups; a dotted IPv4 address at the end counts as two. */
function groupsOf(text: string): number[] | null {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes(".")) {
      const v4 = IPV4.exec(part);
      const bytes = v4 && parseIpv4(v4);
      if (!bytes) return null;
      groups.push((bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!);
    } else {
      if (!HEX_GROUP.test(part)) return null;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

function isMapped(bytes: IpBytes): boolean {
  return MAPPED_PREFIX.every((byte, i) => bytes[i] === byte);
}

function unmapped(bytes: IpBytes): IpBytes {
  return bytes.length === 16 && isMapped(bytes) ? bytes.slice(12) : bytes;
}

function masked(bytes: IpBytes, prefix: number): IpBytes {
  const out = bytes.slice();
  for (let bit = prefix; bit < out.length * 8; bit++) out[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return out;
}
