/**
 * The JavaScript side of one party's traffic, without sockets: `deno bench bench/hot_path_bench.ts`.
 * Ten connections in one room (on a manual clock, with sockets that only count bytes) get the
 * frames the load generator sends (state_update, player_event, chat_message, ping), through
 * `Connection.receive`, as Deno's socket hands them over. It measures what our code adds per
 * received frame (checks, parse, dispatch, the room, encode, per-recipient send) with the
 * runtime's socket work left out: that part is the floor's too. Much steadier than the load
 * bench on a shared machine, so it is what judges a change to the hot path; the load bench
 * then says whether it shows in the whole.
 */
import { ManualClock } from "../rooms/clock.ts";
import { RoomRegistry } from "../rooms/registry.ts";
import { AddressBook } from "../server/addresses.ts";
import { defaultConfig } from "../server/config.ts";
import { Connection, type Socket } from "../server/connection.ts";
import { silentLogger } from "../server/log.ts";
import { ServerMetrics } from "../server/metrics.ts";
import { InviteTokens } from "../server/invites.ts";
import { ResumeTokens } from "../server/resume_tokens.ts";

const MEMBERS = 10;

class CountingSocket implements Socket {
  bytes = 0;
  frames = 0;
  bufferedAmount = 0;
  /** The room's id, read from the creator's room_state. */
  roomId = "";
  send(text: string): void {
    this.bytes += text.length;
    this.frames++;
    if (this.roomId === "" && text.startsWith('{"type":"room_state"')) {
      this.roomId = JSON.parse(text).room;
    }
  }
  close(): void {}
}

function party() {
  const clock = new ManualClock();
  const config = defaultConfig({
    RATE_LIMIT_PER_SECOND: "100000",
    ROOM_CREATIONS_PER_MINUTE: "100000",
  });
  const registry = new RoomRegistry({
    clock,
    timings: config.timings,
    maxMembersPerRoom: 20,
    maxRooms: 10,
  });
  const addresses = new AddressBook(clock, config.limits.roomCreationsPerMinute);
  const context = {
    clock,
    directory: registry,
    config,
    log: silentLogger,
    authenticator: null,
    metrics: new ServerMetrics(),
    resumeTokens: new ResumeTokens("a bench secret"),
    invites: new InviteTokens("a bench secret"),
    onGone: () => {},
  };
  const members = Array.from({ length: MEMBERS }, () => {
    const conn = new Connection(context, addresses.acquire("192.0.2.1"));
    const socket = new CountingSocket();
    conn.open(socket);
    return { conn, socket };
  });
  const frame = (type: string, payload: unknown, room: string) =>
    JSON.stringify({ type, room, payload, ts: 1 });
  const host = members[0]!;
  host.conn.receive(frame("create_room", { name: "bench" }, ""));
  const room = host.socket.roomId;
  for (const member of members.slice(1)) {
    member.conn.receive(frame("join_room", {}, room));
    member.conn.receive(frame("ready", {}, room));
  }
  return { clock, members, room, frame };
}

const { clock, members, room, frame } = party();
let position = 0;
let step = 0;

/**
 * One second of a party, as the generator sends it: a state_update from the host, a ping from
 * each member every five seconds and a chat every thirty (here: spread over the second).
 */
Deno.bench("a party's second: state_update + pings + chat (10 members)", () => {
  clock.advance(1_000);
  position += 1;
  step++;
  const host = members[0]!.conn;
  host.receive(frame("state_update", { position, play_state: "playing" }, room));
  if (step % 10 === 0) {
    host.receive(
      frame(
        "player_event",
        { action: step % 20 ? "pause" : "play", position, deferred: true },
        room,
      ),
    );
  }
  members[step % MEMBERS]!.conn.receive(frame("ping", { client_ts: 1, t: step, m: 1 }, room));
  members[(step + 5) % MEMBERS]!.conn.receive(frame("ping", { client_ts: 1, t: step, m: 1 }, room));
  if (step % 3 === 0) {
    members[step % MEMBERS]!.conn.receive(frame("chat_message", { text: `hi ${step}` }, room));
  }
});

Deno.bench("one ping → pong", () => {
  members[1]!.conn.receive(frame("ping", { client_ts: 1, t: 1, m: 1 }, room));
});

Deno.bench("one chat_message to 10 members", () => {
  clock.advance(100);
  members[2]!.conn.receive(frame("chat_message", { text: "hello there" }, room));
});
