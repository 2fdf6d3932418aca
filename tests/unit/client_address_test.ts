import assert from "node:assert/strict";
import { clientAddress, TrustedProxies, UNKNOWN_ADDRESS } from "../../server/client_address.ts";

const tcp = (hostname: string): Deno.NetAddr => ({ transport: "tcp", hostname, port: 40_000 });
const PROXIES = TrustedProxies.fromList(["10.0.0.0/8", "2001:db8:1::/48", "192.0.2.1"]);
const NONE = TrustedProxies.fromList([]);

Deno.test("an untrusted peer is the client, whatever X-Forwarded-For says", () => {
  assert.deepEqual(clientAddress(tcp("198.51.100.7"), undefined, PROXIES), {
    address: "198.51.100.7",
    untrustedForwardedFor: false,
  });
  assert.deepEqual(clientAddress(tcp("198.51.100.7"), "203.0.113.1", PROXIES), {
    address: "198.51.100.7",
    untrustedForwardedFor: true,
  });
  assert.deepEqual(clientAddress(tcp("10.0.0.2"), "203.0.113.1", NONE), {
    address: "10.0.0.2",
    untrustedForwardedFor: true,
  });
  assert.equal(clientAddress(tcp("10.0.0.2"), " ", NONE).untrustedForwardedFor, false);
  // Spelled canonically, so a dual-stack listener's mapped form is the same client.
  assert.equal(clientAddress(tcp("::ffff:198.51.100.7"), undefined, NONE).address, "198.51.100.7");
  assert.equal(clientAddress(tcp("2001:DB8:2::0001"), undefined, NONE).address, "2001:db8:2::1");
});

Deno.test("a trusted peer: the right-most X-Forwarded-For entry that is not a trusted proxy", () => {
  const cases: [string | undefined, string][] = [
    [undefined, "10.0.0.5"], // the proxy itself (a health check, say)
    ["203.0.113.9", "203.0.113.9"],
    ["203.0.113.9, 10.1.1.1", "203.0.113.9"], // through two proxies
    ["203.0.113.9,10.1.1.1,192.0.2.1", "203.0.113.9"],
    ["6.6.6.6, 203.0.113.9", "203.0.113.9"], // the client's own entry proves nothing
    ["203.0.113.9:4711", "203.0.113.9"],
    ["[2001:db8:9::1]:443, 2001:db8:1::7", "2001:db8:9::1"],
    ["2001:db8:9::1", "2001:db8:9::1"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["10.9.9.9, 10.1.1.1", "10.9.9.9"], // all trusted: the left-most
    ["unknown, 10.1.1.1", "10.1.1.1"], // garbage from a proxy: stop at the last sure hop
    ["garbage", "10.0.0.5"],
  ];
  for (const [header, expected] of cases) {
    assert.deepEqual(
      clientAddress(tcp("10.0.0.5"), header, PROXIES),
      { address: expected, untrustedForwardedFor: false },
      String(header),
    );
  }
});

Deno.test("peers without an IP", () => {
  assert.equal(clientAddress(undefined, undefined, PROXIES).address, UNKNOWN_ADDRESS);
  const unix: Deno.UnixAddr = { transport: "unix", path: "/run/owp.sock" };
  assert.deepEqual(clientAddress(unix, "203.0.113.9", PROXIES), {
    address: "unix",
    untrustedForwardedFor: true,
  });
});
