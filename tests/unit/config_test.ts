import assert from "node:assert/strict";
import { INSTANCE_LEASE_MS } from "../../server/instance_link.ts";
import {
  DEFAULT_TIMINGS,
  MAX_CLIENTS_PER_ROOM,
  MAX_CONNECTIONS,
  MAX_CONNECTIONS_PER_IP,
  ROOM_CREATIONS_PER_MINUTE,
} from "../../protocol/mod.ts";
import { loadConfig } from "../../server/config.ts";

Deno.test("an empty environment gives the documented defaults", () => {
  const result = loadConfig({});
  assert.ok(result.ok);
  const { config } = result;
  assert.equal(config.port, 3000);
  assert.equal(config.host, "0.0.0.0");
  assert.deepEqual(config.allowedOrigins, ["http://localhost:8096", "https://localhost:8096"]);
  assert.equal(config.jwt.secret, "");
  assert.equal(config.jwt.audience, "OpenWatchParty");
  assert.equal(config.jwt.issuer, "Jellyfin");
  assert.equal(config.logLevel, "info");
  assert.equal(config.limits.maxClientsPerRoom, MAX_CLIENTS_PER_ROOM);
  assert.equal(config.limits.maxConnections, MAX_CONNECTIONS);
  assert.equal(config.limits.maxConnectionsPerAddress, MAX_CONNECTIONS_PER_IP);
  assert.equal(config.limits.roomCreationsPerMinute, ROOM_CREATIONS_PER_MINUTE);
  assert.deepEqual(config.trustedProxies, []);
  assert.deepEqual(config.timings, DEFAULT_TIMINGS);
  // One in-memory process unless told otherwise.
  assert.deepEqual(config.cluster, { redisUrl: "", instanceId: "", leaseMs: INSTANCE_LEASE_MS });
  assert.equal(config.clockSkewMs, 0);
});

Deno.test("several instances: REDIS_URL, INSTANCE_ID, INSTANCE_LEASE_MS and CLOCK_SKEW_MS are read", () => {
  const result = loadConfig({
    REDIS_URL: "rediss://cache.example:6380",
    INSTANCE_ID: "eu-1",
    INSTANCE_LEASE_MS: "3000",
    CLOCK_SKEW_MS: "-250",
  });
  assert.ok(result.ok);
  assert.deepEqual(result.config.cluster, {
    redisUrl: "rediss://cache.example:6380",
    instanceId: "eu-1",
    leaseMs: 3000,
  });
  assert.equal(result.config.clockSkewMs, -250);
});

Deno.test("TRUSTED_PROXIES: IPs and CIDR ranges, IPv4 and IPv6, in their canonical spelling", () => {
  const result = loadConfig({ TRUSTED_PROXIES: " 10.0.0.0/8, 192.0.2.1 ,2001:DB8::/32,, ::1" });
  assert.ok(result.ok);
  assert.deepEqual(result.config.trustedProxies, [
    "10.0.0.0/8",
    "192.0.2.1",
    "2001:db8::/32",
    "::1",
  ]);
});

Deno.test("values are read, trimmed lists split, empty values count as unset", () => {
  const result = loadConfig({
    PORT: "8080",
    ALLOWED_ORIGINS: " https://jf.example.com , http://10.0.0.2:8096 ",
    LOG_LEVEL: "DEBUG",
    PLAY_SCHEDULE_MS: "2500",
    HOST: "",
  });
  assert.ok(result.ok);
  assert.equal(result.config.port, 8080);
  assert.equal(result.config.host, "0.0.0.0");
  assert.deepEqual(result.config.allowedOrigins, [
    "https://jf.example.com",
    "http://10.0.0.2:8096",
  ]);
  assert.equal(result.config.logLevel, "debug");
  assert.equal(result.config.timings.playScheduleMs, 2500);
});

Deno.test("a bad value is refused with a message naming the variable", () => {
  for (
    const [name, value] of [
      ["PORT", "eighty"],
      ["PORT", "70000"],
      ["LOG_LEVEL", "loud"],
      ["MAX_CLIENTS_PER_ROOM", "0"],
      ["ALLOWED_ORIGINS", "https://ok.example/path"],
      ["RATE_LIMIT_PER_SECOND", "1.5"],
      ["MAX_CONNECTIONS", "0"],
      ["MAX_CONNECTIONS_PER_IP", "many"],
      ["ROOM_CREATIONS_PER_MINUTE", "0"],
      ["TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"],
      ["TRUSTED_PROXIES", "10.0.0.0/33"],
      ["REDIS_URL", "http://cache.example"],
      ["INSTANCE_ID", "a/b"],
      ["INSTANCE_LEASE_MS", "10"],
    ]
  ) {
    const result = loadConfig({ [name!]: value! });
    assert.ok(!result.ok, `${name}=${value} should be refused`);
    assert.match(result.errors[0]!, new RegExp(`^Invalid environment variable ${name}: `));
    assert.ok(result.errors[0]!.includes(JSON.stringify(value)));
  }
});

Deno.test("main.ts stops at start with the variable's name when a value is bad", async () => {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "main.ts"],
    env: { PORT: "not-a-port" },
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stderr } = await command.output();
  assert.equal(code, 1);
  assert.match(new TextDecoder().decode(stderr), /Invalid environment variable PORT/);
});
