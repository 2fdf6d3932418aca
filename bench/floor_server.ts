/**
 * The runtime's floor: a bare `Deno.upgradeWebSocket` server that speaks just enough of the
 * protocol (docs/protocol.md) for the load generator: client_hello, create_room / join_room with
 * a room_state back, relays of player_event, state_update and chat_message to the room, and pong.
 * No validation, limits, metrics, timers or logs: what any server must pay per frame and per
 * socket on this runtime (one JSON.parse per frame received, one JSON.stringify per broadcast,
 * one write per recipient). Our server's cost is judged against it (bench/README.md).
 *
 *   deno task floor [--port N]      (PORT works too; 0 picks a free port)
 *
 * It prints one JSON line `{"msg":"listening","port":N}` on stdout, as our server does, so the
 * bench can start either the same way.
 */
import { parseArgs } from "node:util";

interface Peer {
  readonly id: string;
  readonly socket: WebSocket;
  room: Set<Peer> | null;
  roomId: string;
}

/** Frames from clients, read without any check: the floor trusts the generator. */
interface Frame {
  type?: string;
  room?: string;
  payload?: Record<string, unknown>;
}

const rooms = new Map<string, Set<Peer>>();
let nextRoom = 0;

function broadcast(members: Iterable<Peer>, text: string, except: Peer | null): void {
  for (const member of members) {
    if (member !== except && member.socket.readyState === WebSocket.OPEN) {
      member.socket.send(text);
    }
  }
}

function leave(peer: Peer): void {
  const room = peer.room;
  if (!room) return;
  room.delete(peer);
  if (room.size === 0) rooms.delete(peer.roomId);
  peer.room = null;
}

function roomState(peer: Peer, now: number): string {
  const room = peer.room!;
  return JSON.stringify({
    type: "room_state",
    room: peer.roomId,
    client: peer.id,
    payload: { participant_count: room.size, state: { position: 0, play_state: "paused" } },
    server_ts: now,
  });
}

function handle(peer: Peer, text: string): void {
  const frame = JSON.parse(text) as Frame;
  const now = Date.now();
  const payload = frame.payload ?? {};
  switch (frame.type) {
    case "ping":
      peer.socket.send(JSON.stringify({
        type: "pong",
        room: frame.room ?? "",
        client: peer.id,
        payload,
        server_ts: now,
      }));
      return;
    case "create_room": {
      leave(peer);
      const roomId = `r${++nextRoom}`;
      peer.room = new Set([peer]);
      peer.roomId = roomId;
      rooms.set(roomId, peer.room);
      peer.socket.send(roomState(peer, now));
      return;
    }
    case "join_room": {
      const room = rooms.get(frame.room ?? "");
      if (!room) return;
      leave(peer);
      room.add(peer);
      peer.room = room;
      peer.roomId = frame.room!;
      peer.socket.send(roomState(peer, now));
      return;
    }
    case "leave_room":
      leave(peer);
      return;
    case "player_event": {
      if (!peer.room) return;
      // As ours relays it: a play to everyone (host included), the rest to the others.
      const except = payload.action === "play" ? null : peer;
      const relay = JSON.stringify({
        type: "player_event",
        room: peer.roomId,
        client: peer.id,
        payload: {
          action: payload.action,
          position: payload.position,
          position_at_target: payload.position,
          target_server_ts: now + 300,
        },
        server_ts: now,
      });
      broadcast(peer.room, relay, except);
      return;
    }
    case "state_update":
      if (!peer.room) return;
      broadcast(
        peer.room,
        JSON.stringify({
          type: "state_update",
          room: peer.roomId,
          client: peer.id,
          payload: { position: payload.position, play_state: payload.play_state },
          server_ts: now,
        }),
        peer,
      );
      return;
    case "chat_message":
      if (!peer.room) return;
      broadcast(
        peer.room,
        JSON.stringify({
          type: "chat_message",
          room: peer.roomId,
          client: peer.id,
          payload: { username: "member", text: payload.text },
          server_ts: now,
        }),
        null,
      );
      return;
  }
}

function upgrade(request: Request): Response {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("expected a WebSocket upgrade", { status: 426 });
  }
  const { socket, response } = Deno.upgradeWebSocket(request);
  const peer: Peer = { id: crypto.randomUUID(), socket, room: null, roomId: "" };
  socket.onopen = () => {
    socket.send(JSON.stringify({
      type: "client_hello",
      client: peer.id,
      payload: { client_id: peer.id },
      server_ts: Date.now(),
    }));
  };
  socket.onmessage = (event) => {
    // The generator sends only well-formed text; anything else is simply ignored.
    try {
      handle(peer, event.data);
    } catch {
      // no validation: a bad frame costs nothing but this
    }
  };
  socket.onclose = () => leave(peer);
  return response;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { port: { type: "string" }, host: { type: "string" } },
  });
  const port = Number(values.port ?? Deno.env.get("PORT") ?? 3100);
  const hostname = values.host ?? Deno.env.get("HOST") ?? "127.0.0.1";
  Deno.serve({
    port,
    hostname,
    onListen: ({ port }) => console.log(JSON.stringify({ msg: "listening", port })),
  }, upgrade);
}
