/**
 * Three instances, one Redis (issue: many instances, one set of rooms): a party whose members
 * are spread over all three behaves as on one instance, and every rule holds for a client of a
 * non-owner instance. The instances run in this process on real clocks (leases and heartbeats
 * are real timers); tests/integration/cluster_process_test.ts kills real processes.
 */
import assert from "node:assert/strict";
import { SystemClock } from "../../rooms/clock.ts";
import { ERRORS } from "../../protocol/mod.ts";
import { type DisposableArray, disposedInOrder } from "../helpers/disposable.ts";
import { redisAvailable, sharedRedis, startRedis } from "../helpers/redis_server.ts";
import { partyAcross } from "../helpers/party.ts";
import { TestClient } from "../helpers/test_client.ts";
import { startTestServer, type TestServer } from "../helpers/test_server.ts";

const ignore = !redisAvailable();

/** Disposing the array closes the instances, one after another. */
async function startInstances(
  redisUrl: string,
  count: number,
  env: Record<string, string> = {},
): Promise<DisposableArray<TestServer>> {
  const servers = disposedInOrder<TestServer>();
  for (let i = 0; i < count; i++) {
    const server = startTestServer({
      clock: new SystemClock(Number(env[`SKEW_${i}`] ?? 0)),
      env: {
        REDIS_URL: redisUrl,
        INSTANCE_ID: `inst-${String.fromCharCode(97 + i)}`,
        INSTANCE_LEASE_MS: "1500",
        RESUME_SECRET: "a-shared-secret-for-every-instance",
        ...env,
      },
    });
    await server.server.cluster!.ready();
    servers.push(server);
  }
  return servers;
}

/** Two instances' clocks agree to about this (see the play below). */
const SAME_INSTANT_TOLERANCE_MS = 5;

Deno.test({ name: "a party spread over three instances: play, chat, leave", ignore }, async () => {
  await using redis = await sharedRedis();
  await using servers = await startInstances(redis.url, 3);
  const [a, b, c] = servers;
  const host = await TestClient.connect(a!.wsUrl);
  host.send("create_room", { name: "Film night", media_id: "m1", start_pos: 0 });
  const created = await host.next("room_state");
  const roomId = created.room!;
  const memberB = await TestClient.connect(b!.wsUrl);
  // The room shows up in B's lobby list through the directory.
  await memberB.nextOf(
    "room_list",
    (m) => m.payload.some((r) => r.id === roomId),
    "room in list",
  );
  memberB.send("join_room", {}, roomId);
  const stateB = await memberB.next("room_state");
  assert.equal(stateB.room, roomId);
  const memberC = await TestClient.connect(c!.wsUrl);
  await memberC.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
  memberC.send("join_room", {}, roomId);
  await memberC.next("room_state");
  memberB.send("ready", {}, roomId);
  memberC.send("ready", {}, roomId);
  host.send("player_event", { action: "play", position: 12 }, roomId);
  const playB = await memberB.next("player_event");
  const playC = await memberC.next("player_event");
  assert.equal(playB.payload.action, "play");
  // The same instant on two instances' clocks: each instance anchors its own clock (Date.now's
  // whole ms, floored), and an offset within half the probe's round trip is not corrected,
  // so under load the two may name it a few ms apart.
  const apartMs = Math.abs(playB.payload.target_server_ts - playC.payload.target_server_ts);
  assert.ok(apartMs <= SAME_INSTANT_TOLERANCE_MS, `targets ${apartMs} ms apart`);
  memberC.send("chat_message", { text: "hello from C" }, roomId);
  for (const client of [host, memberB, memberC]) {
    const chat = await client.next("chat_message");
    assert.equal(chat.payload.text, "hello from C");
  }
  memberB.send("leave_room", {}, roomId);
  const left = await host.nextOf("client_left", (m) => m.client === memberB.id, "B left");
  assert.equal(left.room, roomId);
  await Promise.all([host.close(), memberB.close(), memberC.close()]);
});

/** A room on A with a host there, members joining from B and C, all ready. */
const partyOver = (servers: TestServer[], options: Record<string, unknown> = {}) =>
  partyAcross(servers.map((server) => server.wsUrl), options);

Deno.test(
  { name: "the contract's rules hold for a client of a non-owner instance", ignore },
  async (t) => {
    await using redis = await sharedRedis();
    await using servers = await startInstances(redis.url, 2, { MAX_CLIENTS_PER_ROOM: "2" });
    const [a, b] = servers;
    const { host, members: [member], roomId } = await partyOver(servers);
    await t.step("playback from a member who is not host: refused by the owner", async () => {
      member!.send("player_event", { action: "play", position: 0 }, roomId);
      const error = await member!.next("error");
      assert.equal(error.payload.message, ERRORS.notHostPlayback.message);
    });
    await t.step("a full room refuses a third member connected to B", async () => {
      const third = await TestClient.connect(b!.wsUrl);
      third.send("join_room", {}, roomId);
      const error = await third.next("error");
      assert.equal(error.payload.message, ERRORS.roomFull.message);
      await third.close();
    });
    await t.step("an unknown room is not found", async () => {
      const other = await TestClient.connect(b!.wsUrl);
      other.send("join_room", {}, "no-such-room");
      assert.equal((await other.next("error")).payload.message, ERRORS.roomNotFound.message);
      await other.close();
    });
    await t.step("host handed to the member on B, who then controls the room", async () => {
      host.send("transfer_host", { client_id: member!.id }, roomId);
      const changed = await member!.next("host_changed");
      assert.equal(changed.payload.host_id, member!.id);
      host.send("ready", {}, roomId);
      member!.send("player_event", { action: "play", position: 5 }, roomId);
      const play = await host.next("player_event");
      assert.equal(play.payload.action, "play");
    });
    await t.step(
      "creating a room on B leaves the one on A (the host role passes back)",
      async () => {
        member!.send("create_room", { name: "Mine", start_pos: 0 }, "");
        const own = await member!.nextOf("room_state", (m) => m.room !== roomId, "own room");
        assert.notEqual(own.room, roomId);
        const closed = await host.nextWhere(
          (m) => (m.type === "room_closed" || m.type === "host_changed") && m.room === roomId,
          "the old room hears the host left",
        );
        assert.ok(closed);
        // A, in the lobby or not, sees B's new room in its list (the directory).
        const lobby = await TestClient.connect(a!.wsUrl);
        await lobby.nextOf(
          "room_list",
          (m) => m.payload.some((r) => r.id === own.room),
          "listed",
        );
        await lobby.close();
      },
    );
    await Promise.all([host.close(), member!.close()]);
  },
);

Deno.test({
  name: "instant conversion: instances whose clocks disagree by 700 ms still agree on when to play",
  ignore,
}, async () => {
  await using redis = await sharedRedis();
  await using servers = await startInstances(redis.url, 3, { SKEW_1: "400", SKEW_2: "-300" });
  // Every instance's clocks have been compared before the party starts.
  await waitFor(() => servers.every((s) => s.server.cluster!.clocks.peers().length === 2));
  const { host, members, roomId } = await partyOver(servers);
  const memberA = await TestClient.connect(servers[0]!.wsUrl);
  memberA.send("join_room", {}, roomId);
  await memberA.next("room_state");
  memberA.send("ready", {}, roomId);
  await memberA.barrier();
  host.send("player_event", { action: "play", position: 30 }, roomId);
  // Each member's start instant, in its own instance's clock, put back in true time: the
  // delivery delays do not enter, only the conversion's error.
  // memberA is on A (skew 0), the others on B (+400) and C (−300).
  const skews = [0, 400, -300];
  const instants = await Promise.all([memberA, ...members].map(async (client, i) => {
    const play = await client.next("player_event");
    return play.payload.target_server_ts! - skews[i]!;
  }));
  // Good to the offsets' own uncertainty (half the round trip they were measured with), once
  // for each of two instances compared.
  const uncertainty = Math.max(
    ...servers.flatMap((s) => s.server.cluster!.clocks.peers().map(([, p]) => p.rttMs / 2)),
  );
  const spread = Math.max(...instants) - Math.min(...instants);
  assert.ok(
    spread <= 2 * uncertainty + 1,
    `instants ${instants.join(", ")}: spread ${spread} ms, uncertainty ${uncertainty} ms`,
  );
  const offsets = servers[0]!.server.cluster!.clocks.peers().map(([, p]) => p.offsetMs);
  const near = (o: number, truth: number) => Math.abs(o - truth) <= uncertainty + 1;
  assert.ok(offsets.some((o) => near(o, 400)), `offsets seen by A: ${offsets}`);
  assert.ok(offsets.some((o) => near(o, -300)), `offsets seen by A: ${offsets}`);
  await Promise.all([host, memberA, ...members].map((c) => c.close()));
});

Deno.test(
  { name: "a member resumes on another instance: same id, nobody saw it leave", ignore },
  async () => {
    await using redis = await sharedRedis();
    await using servers = await startInstances(redis.url, 3);
    const { host, members: [member], roomId } = await partyOver(servers.slice(0, 2));
    const hello = member!.received.find((m) => m.type === "client_hello")!;
    const token = (hello.payload as { resume_token: string }).resume_token;
    const id = member!.id;
    await member!.close();
    await host.nextOf(
      "participants_update",
      (m) => m.payload.participants?.some((p) => p.id === id && p.away) ?? false,
      "away",
    );
    const back = await TestClient.connect(servers[2]!.wsUrl);
    back.send("resume", { token, last_seq: null });
    const resumed = await back.next("resumed");
    assert.equal(resumed.payload.client_id, id);
    assert.equal(resumed.payload.room, roomId);
    await back.next("room_state");
    host.send("chat_message", { text: "welcome back" }, roomId);
    assert.equal((await back.next("chat_message")).payload.text, "welcome back");
    const unexpected = (await host.drain()).filter((m) => m.type === "client_left");
    assert.deepEqual(unexpected, []);
    // C knows where the session is: a leave naming no room takes it out of the room.
    back.send("leave_room", {});
    await host.nextOf("client_left", (m) => m.client === id, "left from C");
    // Back in C's lobby, it is sent the list again.
    await back.next("room_list");
    await Promise.all([host.close(), back.close()]);
  },
);

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test({
  name:
    "Redis restarted mid-party: local play goes on, remote commands get a clear error, the missed frames arrive after",
  ignore,
}, async () => {
  await using redis = await startRedis();
  await using servers = await startInstances(redis.url, 2);
  const [a, b] = servers;
  const { host, members: [remote], roomId } = await partyOver(servers);
  const local = await TestClient.connect(a!.wsUrl);
  local.send("join_room", {}, roomId);
  await local.next("room_state");
  local.send("ready", {}, roomId);
  await local.barrier();
  await remote!.barrier();
  await redis.stop();
  await waitFor(() => servers.every((s) => !s.server.cluster!.redisUp));

  host.send("player_event", { action: "play", position: 42 }, roomId);
  assert.equal((await local.next("player_event")).payload.action, "play");
  remote!.send("chat_message", { text: "anyone?" }, roomId);
  const error = await remote!.next("error");
  assert.equal(error.payload.message, ERRORS.roomUnreachable.message);
  assert.deepEqual(remote!.pendingTypes().filter((t) => t === "player_event"), []);

  await redis.start();
  await waitFor(() => servers.every((s) => s.server.cluster!.redisUp));
  // The play sent while Redis was away is replayed in order.
  const missed = await remote!.next("player_event");
  assert.equal(missed.payload.action, "play");
  assert.equal(missed.payload.position_at_target !== undefined, true);
  remote!.send("chat_message", { text: "back" }, roomId);
  for (const client of [host, local, remote!]) {
    assert.equal((await client.next("chat_message")).payload.text, "back");
  }
  // The directory is whole again: a newcomer on B lists the room.
  const newcomer = await TestClient.connect(b!.wsUrl);
  await newcomer.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
  await Promise.all([host, local, remote!, newcomer].map((c) => c.close()));
});

/** A scripted party; what each client received, as types (and actions), in order. */
async function scriptedParty(urls: readonly string[]): Promise<string[][]> {
  const host = await TestClient.connect(urls[0]!);
  host.send("create_room", { name: "Script", start_pos: 0 });
  const roomId = (await host.next("room_state")).room!;
  const members = [];
  for (const url of urls.slice(1)) {
    const member = await TestClient.connect(url);
    await member.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
    member.send("join_room", {}, roomId);
    await member.next("room_state");
    members.push(member);
  }
  const everyone = [host, ...members];
  const settle = () => Promise.all(everyone.map((c) => c.barrier()));
  for (const member of members) member.send("ready", {}, roomId);
  await settle();
  const script: [string, number][] = [["play", 1], ["pause", 5], ["seek", 20], ["play", 20]];
  for (const [action, position] of script) {
    host.send("player_event", { action, position }, roomId);
    for (const member of members) {
      await member.nextOf("player_event", (m) => m.payload.action === action, action);
    }
    await settle();
  }
  members[0]!.send("chat_message", { text: "hi" }, roomId);
  for (const client of everyone) await client.nextOf("chat_message", () => true, "chat");
  members[1]!.send("leave_room", {}, roomId);
  await host.nextOf("client_left", () => true, "left");
  await settle();
  const seen = everyone.map((client) =>
    client.received
      .filter((m) => m.type !== "pong" && m.type !== "room_list")
      .map((m) => m.type === "player_event" ? `player_event:${m.payload.action}` : m.type)
  );
  await Promise.all(everyone.map((c) => c.close()));
  return seen;
}

Deno.test({
  name:
    "acceptance: spread over three instances, every member gets the same messages in the same order as on one",
  ignore,
}, async () => {
  await using redis = await sharedRedis();
  await using servers = await startInstances(redis.url, 3);
  const one = await scriptedParty(servers.map(() => servers[0]!.wsUrl));
  const spread = await scriptedParty(servers.map((s) => s.wsUrl));
  assert.deepEqual(spread, one);
  assert.ok(one[1]!.includes("player_event:seek"), one[1]!.join(" "));
});

Deno.test({
  name:
    "from another instance: a locked room's password and invite, paged lists, waiting_on, state updates, the host leaving",
  ignore,
}, async (t) => {
  await using redis = await sharedRedis();
  // Plays at once and no cooldown: the state update needs no wait (real clocks here).
  await using servers = await startInstances(redis.url, 3, {
    PLAY_SCHEDULE_MS: "0",
    COMMAND_COOLDOWN_MS: "0",
  });
  const [a, b, c] = servers;
  const host = await TestClient.connect(a!.wsUrl);
  host.send("create_room", { name: "Locked party", start_pos: 0, password: "open sesame" });
  const roomId = (await host.next("room_state")).room!;
  const guest = await TestClient.connect(b!.wsUrl);
  const listed = await guest.nextOf(
    "room_list",
    (m) => m.payload.some((r) => r.id === roomId),
    "listed",
  );
  await t.step("the list on B shows the room locked; a page finds it by name", async () => {
    assert.equal(listed.payload.find((r) => r.id === roomId)?.locked, true);
    await guest.drain(); // lobby pushes so far
    guest.send("list_rooms", { name: "locked", limit: 5 });
    const page = await guest.next("room_list");
    assert.deepEqual(page.payload.map((r) => r.id), [roomId]);
  });
  await t.step("no password, a wrong one, then the right one (checked on B)", async () => {
    guest.send("join_room", {}, roomId);
    assert.equal((await guest.next("error")).payload.message, ERRORS.passwordRequired.message);
    guest.send("join_room", { password: "guess" }, roomId);
    assert.equal((await guest.next("error")).payload.message, ERRORS.wrongPassword.message);
    guest.send("join_room", { password: "open sesame" }, roomId);
    assert.equal((await guest.next("room_state")).room, roomId);
  });
  const late = await TestClient.connect(c!.wsUrl);
  await t.step("an invite made on A admits a client of C", async () => {
    host.send("create_invite", { ttl_s: 600 }, roomId);
    const invite = await host.next("invite");
    await late.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
    late.send("join_room", { invite: invite.payload.token }, roomId);
    assert.equal((await late.next("room_state")).room, roomId);
  });
  await t.step(
    "a play waits for the members of B and C, by name, and goes when they are ready",
    async () => {
      host.send("player_event", { action: "play", position: 0 }, roomId);
      const waiting = await guest.nextOf(
        "waiting_on",
        (m) => m.payload.waiting.length === 2,
        "waiting on two",
      );
      assert.equal(waiting.room, roomId);
      guest.send("ready", {}, roomId);
      late.send("ready", {}, roomId);
      for (const client of [guest, late]) {
        assert.equal((await client.next("player_event")).payload.action, "play");
      }
    },
  );
  await t.step("the host's state updates reach the other instances", async () => {
    host.send("state_update", { position: 1.2, play_state: "playing" }, roomId);
    for (const member of [guest, late]) {
      assert.equal((await member.next("state_update")).payload.position, 1.2);
    }
  });
  await t.step("the host leaves: the room closes for everyone, wherever connected", async () => {
    await Promise.all([guest.drain(), late.drain()]); // earlier lists, earlier updates
    host.send("leave_room", {}, roomId);
    for (const client of [guest, late]) {
      const closed = await client.next("room_closed");
      assert.equal(closed.payload.reason, "Host left the room");
      const list = await client.next("room_list");
      assert.ok(!list.payload.some((r) => r.id === roomId));
    }
  });
  await Promise.all([host, guest, late].map((client) => client.close()));
});

Deno.test({
  name:
    "room options from a host on another instance: lock and unlock, unlisted; every instance's list and joins follow",
  ignore,
}, async (t) => {
  await using redis = await sharedRedis();
  await using servers = await startInstances(redis.url, 3);
  const [a, b, c] = servers;
  const owner = await TestClient.connect(a!.wsUrl);
  owner.send("create_room", { name: "Roaming options", start_pos: 0 });
  const roomId = (await owner.next("room_state")).room!;
  // The host role goes to a client of B: its set_room_options travels to A, the owner.
  const host = await TestClient.connect(b!.wsUrl);
  await host.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
  host.send("join_room", {}, roomId);
  await host.next("room_state");
  owner.send("transfer_host", { client_id: host.id }, roomId);
  await host.nextOf("room_state", (m) => m.payload.host_id === host.id, "host now");
  const watcher = await TestClient.connect(c!.wsUrl);
  await watcher.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
  await t.step("a member of A is refused, wherever the room is", async () => {
    owner.send("set_room_options", { unlisted: true }, roomId);
    assert.deepEqual((await owner.next("error")).payload, ERRORS.notHostSettings);
  });
  await t.step("locked from B: C's list shows it, a client of C needs the password", async () => {
    host.send("set_room_options", { password: "over the wire" }, roomId);
    for (const client of [host, owner]) {
      await client.nextOf("room_state", (m) => m.payload.locked, "locked");
    }
    await watcher.nextOf(
      "room_list",
      (m) => m.payload.some((r) => r.id === roomId && r.locked),
      "locked in C's list",
    );
    watcher.send("join_room", {}, roomId);
    assert.equal((await watcher.next("error")).payload.code, "password_required");
    watcher.send("join_room", { password: "over the wire" }, roomId);
    assert.equal((await watcher.next("room_state")).payload.locked, true);
    watcher.send("leave_room", {}, roomId);
  });
  await t.step(
    "unlocked and unlisted: out of C's list, joinable by id without a password",
    async () => {
      host.send("set_room_options", { locked: false, unlisted: true }, roomId);
      const state = await owner.nextOf("room_state", (m) => m.payload.unlisted, "unlisted");
      assert.equal(state.payload.locked, false);
      await watcher.nextOf(
        "room_list",
        (m) => !m.payload.some((r) => r.id === roomId),
        "gone from C's list",
      );
      await watcher.drain(); // lists pushed so far
      watcher.send("list_rooms", {});
      assert.ok(!(await watcher.next("room_list")).payload.some((r) => r.id === roomId));
      watcher.send("join_room", {}, roomId);
      const joined = await watcher.next("room_state");
      assert.deepEqual([joined.room, joined.payload.unlisted], [roomId, true]);
    },
  );
  await Promise.all([owner, host, watcher].map((client) => client.close()));
});

Deno.test({
  name: "change the video and the queue from a client of another instance: the owner applies it",
  ignore,
}, async () => {
  await using redis = await sharedRedis();
  await using servers = await startInstances(redis.url, 2);
  const [a, b] = servers;
  const host = await TestClient.connect(a!.wsUrl);
  host.send("create_room", { name: "Remote queue", control: "everyone" });
  const roomId = (await host.next("room_state")).room!;
  const member = await TestClient.connect(b!.wsUrl);
  await member.nextOf("room_list", (m) => m.payload.some((r) => r.id === roomId), "listed");
  member.send("join_room", {}, roomId);
  await member.next("room_state");
  member.send("queue_add", { media_url: "https://media.example/two.mp4", title: "Two" }, roomId);
  const queued = await host.nextOf("room_state", (m) => m.payload.queue.length === 1, "queued");
  assert.equal(queued.payload.queue[0]!.added_by, member.id);
  member.send("queue_next", {}, roomId);
  for (const client of [host, member]) {
    const state = await client.nextOf(
      "room_state",
      (m) => m.payload.media_url === "https://media.example/two.mp4",
      "the next video",
    );
    assert.equal(state.payload.media_title, "Two");
  }
  member.send("queue_remove", { item_id: "nope" }, roomId);
  assert.equal((await member.next("error")).payload.message, ERRORS.noSuchQueueItem.message);
  await Promise.all([host, member].map((client) => client.close()));
});
