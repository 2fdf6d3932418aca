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
 * have something to play. When its socket closes it does what the upstream client does
 * (tests/helpers/legacy_rejoin.ts): it reconnects, and a member sends `join_room` for its room
 * again while a host gives its room up; `window.legacy.notices` holds what it would have shown.
 * Type-checked without the DOM library: the few DOM parts it touches are typed here.
 */
import {
  LegacyClient,
  type LegacyClock,
  type LegacyCommand,
  type LegacyVideo,
  UPSTREAM_SEEK_THRESHOLD_S,
} from "../helpers/legacy_client.ts";
import {
  afterClose,
  reconnectDelayMs,
  UPSTREAM_REJOIN_FAILED_NOTICE,
  UPSTREAM_REJOIN_TIMEOUT_MS,
} from "../helpers/legacy_rejoin.ts";
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

let socket: WebSocket;
/** Failed attempts since the last open, for the backoff. */
let attempts = 0;
/** The room a member is rejoining after a reconnect (the upstream `desiredRoomId`). */
let rejoining: string | null = null;
let rejoinTimer: ReturnType<typeof setTimeout> | null = null;
/** What the upstream client would have shown (its toasts), in order. */
const notices: string[] = [];
/** Every socket close, and every completed rejoin, on the page's clock. */
const closes: { atMs: number; code: number }[] = [];
const rejoins: { atMs: number; roomId: string }[] = [];

function send(type: string, payload: object, room = roomId ?? ""): void {
  if (socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type, room, payload, ts: Date.now() }));
  }
}

function failRejoin(notice: string): void {
  if (rejoinTimer !== null) clearTimeout(rejoinTimer);
  rejoinTimer = null;
  rejoining = null;
  notices.push(notice);
}

function connect(): void {
  socket = new WebSocket(wsUrl);
  socket.onopen = () => {
    attempts = 0;
    ping();
  };
  socket.onmessage = (event: MessageEvent<string>) => onMessage(JSON.parse(event.data));
  socket.onclose = (event: CloseEvent) => {
    closes.push({ atMs: localNow(), code: event.code });
    // Like the upstream client, it forgets its clock samples: the next server measures afresh.
    offsetMs = null;
    bestRttMs = Number.POSITIVE_INFINITY;
    pings = 0;
    const after = afterClose(roomId && client ? { id: roomId, isHost: client.isHost } : null);
    if (after.kind === "gave_up") notices.push(after.notice);
    rejoining = after.kind === "rejoin" ? after.roomId : rejoining;
    roomId = null;
    client = null;
    readySent = false;
    setTimeout(connect, reconnectDelayMs(attempts++));
  };
}

/** Pings quickly at first (the clock), then every 2 s, on whichever socket is open. */
let pingTimer: ReturnType<typeof setTimeout> | null = null;
function ping(): void {
  if (pingTimer !== null) clearTimeout(pingTimer);
  send("ping", { client_ts: localNow() });
  pings++;
  pingTimer = setTimeout(ping, pings < 10 ? 100 : 2_000);
}

function maybeReady(): void {
  if (readySent || !roomId || client?.isHost !== false || element.readyState < 3) return;
  readySent = true;
  send("ready", {});
}
element.addEventListener("canplay", maybeReady);

function onRoomState(message: Extract<ServerMessage, { type: "room_state" }>): void {
  if (rejoining !== null && message.room !== rejoining) return;
  if (rejoining !== null) {
    if (rejoinTimer !== null) clearTimeout(rejoinTimer);
    rejoinTimer = null;
    rejoins.push({ atMs: localNow(), roomId: rejoining });
    rejoining = null;
  }
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
  // Like its seeks on commands: only when it is more than the threshold from where it should be.
  if (Math.abs(position - video.currentTime()) > UPSTREAM_SEEK_THRESHOLD_S) video.seek(position);
  if (playing) video.play();
  maybeReady();
}

function onMessage(message: ServerMessage): void {
  switch (message.type) {
    case "client_hello":
      clientId = message.payload.client_id;
      offsetMs ??= message.server_ts - localNow();
      if (rejoining !== null) {
        // Back after a reconnect: the member asks for its room again, as a new member.
        const room = rejoining;
        send("join_room", { user_name: name }, room);
        rejoinTimer = setTimeout(
          () => failRejoin(UPSTREAM_REJOIN_FAILED_NOTICE),
          UPSTREAM_REJOIN_TIMEOUT_MS,
        );
      } else if (closes.length > 0) {
        return; // a host that gave its room up, or someone in no room: nothing to ask for
      } else if (hosting) {
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
    case "room_closed":
      rejoining = null;
      roomId = null;
      client = null;
      notices.push(message.payload.reason);
      return;
    case "error":
      if (rejoining !== null) failRejoin(message.payload.message);
      else notices.push(message.payload.message);
      return;
    case "player_event":
    case "state_update":
      client?.receive(message);
      return;
  }
}

connect();

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
  notices,
  closes,
  rejoins,
  /** As host: the user presses play or pause, or seeks. */
  press(action: "play" | "pause" | "seek", position = 0): void {
    if (!client?.isHost) throw new Error("not the host");
    if (action === "play") sendCommand(client.pressPlay());
    else if (action === "pause") sendCommand(client.pressPause());
    else sendCommand(client.pressSeek(position));
  },
};
