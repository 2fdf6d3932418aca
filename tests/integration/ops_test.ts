import assert from "node:assert/strict";
import { createLogger } from "../../server/log.ts";
import { RawWebSocket } from "../helpers/raw_socket.ts";
import { TestClient } from "../helpers/test_client.ts";
import { manualClockOf, startTestServer } from "../helpers/test_server.ts";
import { AUDIENCE, claims, ISSUER, SECRET, signHs256 } from "../helpers/tokens.ts";

/** The value of one sample in a Prometheus text exposition, 0 when absent. */
function sample(text: string, name: string, labels = ""): number {
  const key = labels ? `${name}{${labels}}` : name;
  const line = text.split("\n").find((l) => l.startsWith(`${key} `));
  return line ? Number(line.slice(key.length + 1)) : 0;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  return await response.text();
}

Deno.test("/metrics: a scripted session moves every counter by the right amount", async () => {
  await using test = startTestServer({ env: { ALLOWED_ORIGINS: "https://jf.example" } });
  const clock = manualClockOf(test);
  const before = await scrape(test.httpUrl);
  assert.equal(sample(before, "owp_connections_opened_total"), 0);

  const host = await TestClient.connect(test.wsUrl);
  const guest = await TestClient.connect(test.wsUrl);
  host.send("create_room", { name: "Metrics" });
  const roomId = (await host.next("room_state")).room!;
  guest.send("join_room", {}, roomId);
  await guest.next("room_state");
  guest.send("ready", {}, roomId);
  await guest.barrier(); // 1 ping
  host.send("player_event", { action: "play", position: 0 }, roomId);
  await guest.next("player_event");
  guest.send("chat_message", { text: "hi" }, roomId);
  await host.next("chat_message");
  guest.send("teleport"); // unknown_type
  guest.send("chat_message", { text: " " }, roomId); // chat_empty
  await guest.next("error");
  await guest.next("error");
  clock.advance(1_000);
  for (let i = 0; i < 31; i++) guest.send("ping", {}); // the 31st is dropped
  await guest.next("error");
  await assert.rejects(RawWebSocket.connect(test.port, { Origin: "https://evil.example" }));

  const live = await scrape(test.httpUrl);
  assert.equal(sample(live, "owp_connections"), 2);
  assert.equal(sample(live, "owp_rooms"), 1);
  assert.equal(sample(live, "owp_connections_opened_total"), 2);
  assert.equal(sample(live, "owp_rooms_created_total"), 1);
  for (
    const [type, count] of [
      ["create_room", 1],
      ["join_room", 1],
      ["ready", 1],
      ["player_event", 1],
      ["chat_message", 2],
      ["ping", 31],
    ] as const
  ) {
    assert.equal(sample(live, "owp_messages_received_total", `type="${type}"`), count, type);
  }
  // A broadcast counts once per recipient.
  assert.equal(sample(live, "owp_messages_sent_total", `type="player_event"`), 2);
  assert.equal(sample(live, "owp_messages_sent_total", `type="chat_message"`), 2);
  assert.equal(sample(live, "owp_messages_sent_total", `type="client_hello"`), 2);
  assert.equal(sample(live, "owp_messages_sent_total", `type="pong"`), 31);
  assert.equal(sample(live, "owp_errors_sent_total", `code="unknown_type"`), 1);
  assert.equal(sample(live, "owp_errors_sent_total", `code="chat_empty"`), 1);
  assert.equal(sample(live, "owp_errors_sent_total", `code="rate_limited"`), 1);
  assert.equal(sample(live, "owp_rate_limited_frames_total"), 1);
  assert.equal(sample(live, "owp_upgrades_rejected_total", `reason="origin"`), 1);
  // Every frame is timed: 37 valid messages (the empty chat included), 1 of an unknown
  // type and 1 dropped by the rate limit.
  assert.equal(sample(live, "owp_message_handling_seconds_count"), 39);
  assert.equal(
    sample(live, "owp_message_handling_seconds_bucket", `le="+Inf"`),
    sample(live, "owp_message_handling_seconds_count"),
  );

  // An explicit leave closes a host's room (a dropped host would be away first).
  host.send("leave_room", {}, roomId);
  await guest.next("room_closed");
  await host.close();
  await guest.close();
  await test.server.whenNoConnections();
  const after = await scrape(test.httpUrl);
  assert.equal(sample(after, "owp_rooms_closed_total", `reason="host_left"`), 1);
  assert.equal(sample(after, "owp_connections_closed_total", `code="1000"`), 2);
  assert.equal(sample(after, "owp_connections"), 0);
  assert.equal(sample(after, "owp_rooms"), 0);
  // The leak gauges (the soak reads them): nobody in the lobby, memory reported.
  assert.equal(sample(after, "owp_lobby_connections"), 0);
  assert.equal(sample(live, "owp_lobby_connections"), 0);
  assert.ok(sample(after, "owp_resident_memory_bytes") > 0);
  assert.ok(sample(after, "owp_heap_used_bytes") > 0);
  assert.equal(sample(after, "owp_timers"), clock.liveTimers);
});

Deno.test("/metrics with METRICS_TOKEN wants the bearer token", async () => {
  await using test = startTestServer({ env: { METRICS_TOKEN: "s3cret-scrape" } });
  const refused = await fetch(`${test.httpUrl}/metrics`);
  assert.equal(refused.status, 401);
  await refused.body?.cancel();
  const wrong = await fetch(`${test.httpUrl}/metrics`, {
    headers: { authorization: "Bearer nope" },
  });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  await scrape(test.httpUrl, { authorization: "Bearer s3cret-scrape" });
});

Deno.test("/health reports rooms, connections, uptime and version; /ready turns 503 while draining", async () => {
  await using test = startTestServer();
  const clock = manualClockOf(test);
  const client = await TestClient.connect(test.wsUrl);
  client.send("create_room", {});
  await client.next("room_state");
  clock.advance(5_500);
  const health = await (await fetch(`${test.httpUrl}/health`)).json();
  assert.equal(health.rooms, 1);
  assert.equal(health.connections, 1);
  assert.equal(health.uptime_s, 5);
  assert.match(health.version, /^\d+\.\d+\.\d+/);
  const ready = await fetch(`${test.httpUrl}/ready`);
  assert.equal(ready.status, 200);
  await ready.body?.cancel();

  const drained = test.server.drain();
  assert.equal((await client.closedEvent).code, 1001);
  await drained;
  const notReady = await fetch(`${test.httpUrl}/ready`);
  assert.equal(notReady.status, 503);
  await notReady.body?.cancel();
  const upgrade = await fetch(`${test.httpUrl}/ws`, { headers: { upgrade: "websocket" } });
  assert.equal(upgrade.status, 503);
  await upgrade.body?.cancel();
});

Deno.test("logs are one JSON object a line and never carry a token or a chat text", async () => {
  const lines: string[] = [];
  const log = createLogger("debug", (line) => lines.push(line));
  {
    await using test = startTestServer({
      log,
      env: { JWT_SECRET: SECRET, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER },
    });
    const clock = manualClockOf(test);
    const client = await TestClient.connect(test.wsUrl);
    const bad = signHs256(claims(clock.now()), "not-the-secret-not-the-secret-123");
    const good = signHs256(claims(clock.now()));
    client.send("auth", { token: bad });
    await client.next("error");
    client.send("auth", { token: good });
    await client.next("auth_success");
    client.send("create_room", {});
    const roomId = (await client.next("room_state")).room!;
    client.send("chat_message", { text: "my very private words" }, roomId);
    await client.next("chat_message");
    await client.close();
    await test.server.whenNoConnections();
  } // the server is closed: every line it logs is in
  assert.ok(lines.length >= 4);
  for (const line of lines) {
    const entry = JSON.parse(line);
    assert.equal(typeof entry.ts, "string");
    assert.ok(["error", "warn", "info", "debug"].includes(entry.level));
    assert.equal(typeof entry.msg, "string");
  }
  const all = lines.join("\n");
  assert.ok(all.includes("authentication failed"));
  assert.ok(all.includes("room created"));
  for (const secret of ["my very private words", SECRET, "eyJ"]) {
    assert.ok(!all.includes(secret), `logs contain ${secret}`);
  }
});
