import assert from "node:assert/strict";
import { canonicalIp, formatRange, inRange, parseIp, parseRange } from "../../server/ip.ts";

Deno.test("every spelling of an address has one canonical text", () => {
  const cases: Record<string, string> = {
    "192.0.2.1": "192.0.2.1",
    "0.0.0.0": "0.0.0.0",
    "::1": "::1",
    "::": "::",
    "2001:DB8:0:0:0:0:0:1": "2001:db8::1",
    "2001:0db8::0001": "2001:db8::1",
    "2001:db8:0:0:1:0:0:1": "2001:db8::1:0:0:1", // the first of two equal zero runs
    "2001:db8:0:1:1:1:1:1": "2001:db8:0:1:1:1:1:1", // one zero group is not compressed
    "1:0:0:2:0:0:0:3": "1:0:0:2::3", // the longest run wins
    "::ffff:192.0.2.1": "192.0.2.1", // IPv4-mapped: how a dual-stack listener reports IPv4
    "::FFFF:c000:0201": "192.0.2.1",
    "64:ff9b::192.0.2.1": "64:ff9b::c000:201",
    "fe80::1%eth0": "fe80::1",
  };
  for (const [text, canonical] of Object.entries(cases)) {
    assert.equal(canonicalIp(text), canonical, text);
  }
});

Deno.test("what is not an address", () => {
  for (
    const text of [
      "",
      "localhost",
      "256.0.0.1",
      "1.2.3",
      "1.2.3.4.5",
      "01.2.3.4",
      "1.2.3.4 ",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "1:2:3:4:5:6:7::8",
      "12345::1",
      "g::1",
      "::1.2.3",
      "unknown",
      "[::1]",
    ]
  ) {
    assert.equal(parseIp(text), null, JSON.stringify(text));
  }
});

Deno.test("ranges: CIDR or one address, host bits cleared, mapped IPv4 unmapped", () => {
  const cases: Record<string, string> = {
    "10.0.0.0/8": "10.0.0.0/8",
    "10.1.2.3/8": "10.0.0.0/8",
    "192.0.2.7": "192.0.2.7",
    "192.0.2.7/32": "192.0.2.7",
    "0.0.0.0/0": "0.0.0.0/0",
    "2001:db8::/32": "2001:db8::/32",
    "2001:db8:ffff::/33": "2001:db8:8000::/33",
    "::1/128": "::1",
    "::ffff:10.0.0.0/104": "10.0.0.0/8",
  };
  for (const [text, canonical] of Object.entries(cases)) {
    const range = parseRange(text);
    assert.ok(range, text);
    assert.equal(formatRange(range), canonical, text);
  }
  for (const text of ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "nope/8", "/8"]) {
    assert.equal(parseRange(text), null, text);
  }
});

Deno.test("inRange compares the prefix bits, and never IPv4 with IPv6", () => {
  const range = parseRange("172.16.0.0/12")!;
  assert.ok(inRange(parseIp("172.16.0.1")!, range));
  assert.ok(inRange(parseIp("172.31.255.255")!, range));
  assert.ok(!inRange(parseIp("172.32.0.0")!, range));
  assert.ok(!inRange(parseIp("172.15.255.255")!, range));
  assert.ok(inRange(parseIp("::ffff:172.20.0.1")!, range));
  assert.ok(!inRange(parseIp("2001:db8::1")!, range));
  const v6 = parseRange("2001:db8::/33")!;
  assert.ok(inRange(parseIp("2001:db8:7fff::1")!, v6));
  assert.ok(!inRange(parseIp("2001:db8:8000::1")!, v6));
  assert.ok(inRange(parseIp("1.2.3.4")!, parseRange("0.0.0.0/0")!));
  assert.ok(!inRange(parseIp("1.2.3.4")!, parseRange("::/0")!));
});
