/**
 * A test-only page script (bundled by the harness as /dist/legacy_page.js): the upstream
 * OpenWatchParty client's arithmetic (tests/helpers/legacy_client.ts) driving a real <video>
 * over a real WebSocket, with a minimal ping clock (the offset of the lowest-round-trip sample
 * so far). It plays the upstream client's part in rooms shared with ours:
 *
 *   legacy.html?name=<name>&ws=<ws url>#room=<id>            a member joining a room
 *   legacy.html?name=<name>&ws=<ws url>&host=1&media=<url>    a host creating one
 *
 * As host it acts the moment it is told (window.legacy.press) and sends the upstream
 * player_event (no at_server_ts, no deferred) and a state_update every second. It adds
 * `media_url` to its create_room, which the upstream client does not know, so that our members
 * have something to play. Type-checked without the DOM library: the few DOM parts it touches
 * are typed here.
 */
import {
  LegacyClient,
  type LegacyClock,
  type LegacyCommand,
  type LegacyVideo,
} from "../helpers/legacy_client.ts";
import type { ServerMessage } from "../../protocol/mod.ts";

interface VideoElement {
  currentTime: number;
  src: string;
  readonly paused: boolean;
  readonly readyState: number;
  play(): Promise<void>;
  pause(): void;
  addEventListener(type: string, listener: () => void): void;
}

interface PageWindow {
  document: { getElementById(id: string): unknown };
  history: { replaceState(data: null, unused: string, url: string): void };
  legacy?: unknown;
}

const page = globalThis as unknown as PageWindow;
const element = page.document.getElementById("video") as VideoElement;
const params = new URLSearchParams(location.search);
const wsUrl = params.get("ws") ?? `ws://${location.host}/ws`;
const name = params.get("name") ?? "Upstream";
const hosting = params.get("host") === "1";
const mediaUrl = params.get("media");
const wantedRoom = new URLSearchParams(location.hash.slice(1)).get("room");

const localNow = () => performance.timeOrigin + performance.now();

/** The lowest-round-trip ping so far gives the offset; until then the hello's server_ts. */
let offsetMs: number | null = null;
let bestRttMs = Number.POSITIVE_INFINITY;
let pings = 0;

const clock: LegacyClock = {
  serverNow: () => localNow() + (offsetMs ?? 0),
  setTimer: (delayMs, fire) => void setTimeout(fire, Math.max(0, delayMs)),
};

const video: LegacyVideo = {
  currentTime: () => element.currentTime,
  get paused() {
    return element.paused;
  },
  play: () => void element.play().catch(() => {}),
  pause: () => element.pause(),
  seek: (position) => void (element.currentTime = position),
};

let clientId: string | null = null;
let roomId: string | null = null;
let client: LegacyClient | null = null;
let readySent = false;

const socket = new WebSocket(wsUrl);

function send(type: string, payload: object, room = roomId ?? ""): void {
  if (socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type, room, payload, ts: Date.now() }));
  }
}

function ping(): void {
  send("ping", { client_ts: localNow() });
  pings++;
  setTimeout(ping, pings < 10 ? 100 : 2_000);
}

function maybeReady(): void {
  if (readySent || !roomId || client?.isHost !== false || element.readyState < 3) return;
  readySent = true;
  send("ready", {});
}
element.addEventListener("canplay", maybeReady);

function onRoomState(message: Extract<ServerMessage, { type: "room_state" }>): void {
  roomId = message.room;
  const payload = message.payload;
  const isHost = payload.host_id === clientId;
  client = new LegacyClient(clientId!, isHost, video, clock);
  page.history.replaceState(null, "", `${location.pathname}${location.search}#room=${roomId}`);
  const src = payload.media_url ?? mediaUrl;
  if (src && element.src !== src) element.src = src;
  if (isHost) return;
  // Where the room is now, and playing or not, as room_state says.
  const playing = payload.state.play_state === "playing";
  const elapsedS = playing ? Math.max(0, clock.serverNow() - message.server_ts) / 1000 : 0;
  const position = payload.state.position + elapsedS;
  client.syncPlayState = payload.state.play_state;
  client.baseline = { ts: message.server_ts, position: payload.state.position };
  video.seek(position);
  if (playing) video.play();
  maybeReady();
}

socket.onopen = () => ping();
socket.onmessage = (event: MessageEvent<string>) => {
  const message = JSON.parse(event.data) as ServerMessage;
  switch (message.type) {
    case "client_hello":
      clientId = message.payload.client_id;
      offsetMs ??= message.server_ts - localNow();
      if (hosting) {
        send("create_room", { name: `${name}'s room`, media_url: mediaUrl, user_name: name });
      } else if (wantedRoom) {
        send("join_room", { user_name: name }, wantedRoom);
      }
      return;
    case "pong": {
      const sentAt = (message.payload as { client_ts?: number }).client_ts;
      if (typeof sentAt !== "number") return;
      const receivedAt = localNow();
      const rtt = receivedAt - sentAt;
      if (rtt < bestRttMs) {
        bestRttMs = rtt;
        offsetMs = message.server_ts - (sentAt + receivedAt) / 2;
      }
      return;
    }
    case "room_state":
      return onRoomState(message);
    case "player_event":
    case "state_update":
      client?.receive(message);
      return;
  }
};

function sendCommand(command: LegacyCommand): void {
  send("player_event", {
    action: command.action,
    position: command.position,
    play_state: command.playState,
  });
}

// The upstream host's periodic report.
setInterval(() => {
  if (!client?.isHost) return;
  send("state_update", {
    position: element.currentTime,
    play_state: element.paused ? "paused" : "playing",
  });
}, 1_000);

page.legacy = {
  video: element,
  get clientId() {
    return clientId;
  },
  get roomId() {
    return roomId;
  },
  get isHost() {
    return client?.isHost ?? false;
  },
  get offsetMs() {
    return offsetMs;
  },
  get drift() {
    return client?.drift() ?? null;
  },
  /** As host: the user presses play or pause, or seeks. */
  press(action: "play" | "pause" | "seek", position = 0): void {
    if (!client?.isHost) throw new Error("not the host");
    if (action === "play") sendCommand(client.pressPlay());
    else if (action === "pause") sendCommand(client.pressPause());
    else sendCommand(client.pressSeek(position));
  },
};
