/**
 * A party outlives its process (DATA_DIR): main.ts as a real process, a room playing with
 * chat, stopped with SIGTERM (saved, sockets closed with 1012, no room_closed) or killed with
 * SIGKILL (what was saved survives), then started again on the same directory: each member's
 * resume token still works, the session is back in the same room with the same role, the
 * timeline went on, the chat is there for a newcomer, and the room can be used as before.
 */
import assert from "node:assert/strict";
import type { ServerMessage } from "../../protocol/mod.ts";
import { type RunningMain, startMain } from "../helpers/main_process.ts";
import { TestClient } from "../helpers/test_client.ts";

/** What a kept-rooms server needs: to write its DATA_DIR, and nothing else. */
function permissionsFor(dataDir: string): string[] {
  return ["--allow-net", "--allow-env", "--allow-read", `--allow-write=${dataDir}`];
}

interface Session {
  readonly id: string;
  readonly token: string;
}

async function connect(port: number): Promise<{ client: TestClient; session: Session }> {
  const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
  const hello = client.received.find((m) => m.type === "client_hello") as Extract<
    ServerMessage,
    { type: "client_hello" }
  >;
  return { client, session: { id: hello.payload.client_id, token: hello.payload.resume_token } };
}

/** A party: Hana hosts a room playing from 30 s, Ann joined, a chat message said. */
async function party(port: number) {
  const hana = await connect(port);
  hana.client.send("create_room", {
    name: "Kept",
    user_name: "Hana",
    media_url: "https://m.example/a.mp4",
  });
  const roomId = (await hana.client.next("room_state")).room!;
  const ann = await connect(port);
  ann.client.send("join_room", { user_name: "Ann" }, roomId);
  await ann.client.next("room_state");
  ann.client.send("ready", {}, roomId);
  hana.client.send("player_event", { action: "play", position: 30 }, roomId);
  await ann.client.next("player_event");
  ann.client.send("chat_message", { text: "see you after the restart" }, roomId);
  await hana.client.next("chat_message");
  return { roomId, hana, ann };
}

/** A new connection takes `session` back; resolves with its `resumed` and the room's state. */
async function resume(port: number, session: Session) {
  const { client } = await connect(port);
  client.send("resume", { token: session.token, last_seq: 5 });
  const resumed = await client.next("resumed");
  const state = await client.next("room_state");
  return { client, resumed, state };
}

async function waitForFile(dir: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    for await (const entry of Deno.readDir(`${dir}/rooms`)) {
      if (entry.name.endsWith(".json")) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("no room was saved");
}

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  Deno.test(`${signal}, then start again on the same DATA_DIR: the party is back, each member resumes into it`, async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "owp-data-" });
    let running: RunningMain | null = await startMain(
      { DATA_DIR: dataDir, LOG_FORMAT: "json" },
      permissionsFor(dataDir),
    );
    try {
      const { roomId, hana, ann } = await party(running.port);
      await waitForFile(dataDir);
      if (signal === "SIGKILL") {
        // The last command's save is a few ms behind it (coalesced): let it land.
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      running.child.kill(signal);
      const closes = await Promise.all([hana.client.closedEvent, ann.client.closedEvent]);
      await running.finished;
      const status = await running.child.status;
      if (signal === "SIGTERM") {
        assert.equal(status.code, 0);
        // Told to come back at once; and nobody heard that the room closed.
        assert.deepEqual(closes.map((close) => close.code), [1012, 1012]);
        for (const client of [hana.client, ann.client]) {
          assert.ok(!client.received.some((m) => m.type === "room_closed"), "no room_closed");
        }
      }

      running = await startMain({ DATA_DIR: dataDir, LOG_FORMAT: "json" }, permissionsFor(dataDir));
      const restored = running.lines.find((line) => line.msg === "room restored");
      assert.equal(restored?.room, roomId);
      const host = await resume(running.port, hana.session);
      assert.equal(host.resumed.payload.room, roomId);
      assert.equal(host.resumed.payload.client_id, hana.session.id);
      assert.equal(host.resumed.payload.state_follows, true);
      assert.equal(host.state.payload.host_id, hana.session.id, "still the host");
      assert.equal(host.state.payload.state.play_state, "playing");
      assert.ok(
        host.state.payload.state.position > 30,
        `the film went on: ${host.state.payload.state.position}`,
      );
      assert.equal(host.state.payload.media_url, "https://m.example/a.mp4");
      const member = await resume(running.port, ann.session);
      assert.equal(member.resumed.payload.room, roomId);
      assert.equal(
        member.state.payload.participants.find((p) => p.id === ann.session.id)?.name,
        "Ann",
      );
      // A newcomer gets the chat of before the restart.
      const cleo = await connect(running.port);
      cleo.client.send("join_room", { user_name: "Cleo" }, roomId);
      await cleo.client.next("room_state");
      const history = await cleo.client.next("chat_history");
      assert.deepEqual(history.payload.messages.map((m) => m.text), ["see you after the restart"]);
      // And the room works as before: the host's pause reaches everyone.
      host.client.send("player_event", { action: "pause", position: 40 }, roomId);
      assert.equal((await member.client.next("player_event")).payload.action, "pause");
      await Promise.all([host.client, member.client, cleo.client].map((c) => c.close()));
    } finally {
      running?.child.kill("SIGTERM");
      await running?.finished;
      await running?.child.status;
      await Deno.remove(dataDir, { recursive: true });
    }
  });
}
