/// <reference lib="dom" />
/**
 * The watch page: a lobby (your name, start a room on any video link, the open rooms) and a
 * room (the video kept in sync, invite link, people, chat, status). The sync client does the
 * protocol; this file wires its events to the views in web/.
 *
 * Test hooks (kept stable: browser tests and the benchmark use them): `window.owp = { client,
 * video }`; `?ws=<url>` overrides the WebSocket URL; `?name=<name>` pre-fills and uses a name;
 * `#room=<id>` joins that room once connected. The element ids are listed in web/index.html.
 */
import { connect, type Participant, type RoomView } from "../client/mod.ts";
import { ChatPanel } from "./chat.ts";
import { announcer, byId, storage } from "./dom.ts";
import { Lobby } from "./lobby.ts";
import { Notices } from "./notices.ts";
import { RoomPlayer } from "./player.ts";
import { RoomPanel } from "./room_view.ts";
import { roomFromHash } from "./urls.ts";
import { StatusLine } from "./status.ts";

const NAME_KEY = "owp.name";
const params = new URLSearchParams(location.search);
const nameFromUrl = params.get("name")?.trim() ?? "";
let userName = nameFromUrl || (storage.get(NAME_KEY) ?? "").trim();

const client = connect({
  userName: userName || undefined,
  url: params.get("ws") || undefined,
});

const announce = announcer(byId("announcer"));
const notices = new Notices(byId("notices"));
const player = new RoomPlayer(client);
const video = player.video;
const status = new StatusLine(video, announce);
Object.assign(globalThis, { owp: { client, video } });

/** A room to join as soon as possible (an invite link), held until there is a name. */
let pendingInvite: string | null = roomFromHash(location.hash);
/** The room on screen, to tell a new room from an update of the same one. */
let shownRoom: RoomView | null = null;
/** The last room we were in, for what to say when it closes. */
let lastRoom: RoomView | null = null;
/** The last room_not_found that closed a room: its error is not shown twice. */
let closedByNotFound: string | null = null;

const lobby = new Lobby(userName, {
  nameChanged(name) {
    userName = name;
    if (name) storage.set(NAME_KEY, name);
  },
  create({ name, mediaUrl }) {
    if (!whenConnected()) return;
    useName();
    client.createRoom({ name: name || undefined, mediaUrl });
  },
  join(roomId) {
    if (!whenConnected()) return;
    useName();
    client.joinRoom(roomId);
  },
  acceptInvite() {
    if (pendingInvite) joinInvite();
  },
});

const roomPanel = new RoomPanel({
  leave() {
    client.leaveRoom();
  },
});

const chat = new ChatPanel({
  send(text) {
    if (!whenConnected()) return false;
    client.sendChat(text);
    return true;
  },
  onUnread: (count) => showTitle(count),
});

// --- the client's events ---

client.on("connection", ({ state, retryInMs }) => status.connection(state, retryInMs));
client.on("sync", (info) => {
  status.sync(info);
  player.setFollow(info.follow);
});
client.on("hello", () => {
  if (pendingInvite && userName) joinInvite();
  else if (!client.room) client.listRooms();
});
client.on("rooms", (rooms) => {
  lobby.renderRooms(rooms);
  if (pendingInvite) lobby.setInvite(pendingInvite, rooms);
});
client.on("room", (room) => showRoom(room));
client.on("chat", (entry) => {
  const offset = client.syncInfo.clock?.offsetMs;
  // The server's instant on our clock (close enough to Date.now() for minutes and hours).
  chat.add(entry, offset === undefined ? Date.now() : entry.serverTs - offset);
});
client.on("roomClosed", ({ roomId, reason }) => {
  if (reason === "Room not found") {
    closedByNotFound = roomId;
    notices.show(
      lastRoom?.id === roomId && lastRoom.isHost
        ? "The connection dropped, and a room closes when its host leaves. Start a new one."
        : "That room is no longer open. A room closes when its host leaves.",
    );
  } else {
    notices.show(closedReason(reason));
  }
  if (pendingInvite === roomId) {
    pendingInvite = null;
    lobby.setInvite(null);
  }
  // An invite to a room that is gone: the address no longer names it.
  if (!client.room && roomFromHash(location.hash) === roomId) setHash(null);
});
client.on("error", (error) => {
  if (error.code === "room_not_found" && error.room === closedByNotFound) return;
  notices.show(errorText(error.code, error.message), "error");
});

// --- views ---

function showRoom(room: RoomView | null): void {
  const previous = shownRoom;
  shownRoom = room;
  if (room) lastRoom = room;
  if (!room) {
    player.unload();
    player.setHost(false);
    roomPanel.hide();
    lobby.show(previous !== null);
    setHash(null);
    client.listRooms();
    showTitle();
    return;
  }
  if (previous?.id !== room.id) {
    pendingInvite = null;
    lobby.setInvite(null);
    lobby.hide();
    lobby.resetCreateForm();
    chat.reset();
    roomPanel.show(true);
    setHash(room.id);
  } else {
    noteArrivals(previous.participants, room.participants);
  }
  player.setHost(room.isHost);
  void player.load(room.mediaUrl);
  renderRoom(room);
  showTitle();
}

function renderRoom(room: RoomView): void {
  roomPanel.render(room, client.clientId, video.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA);
}
// Our own readiness shows as soon as our player has it.
video.addEventListener("canplay", () => shownRoom && renderRoom(shownRoom));

/** "Ann joined", "Ann left": from the difference between two participant lists. */
function noteArrivals(
  before: readonly Participant[] | null,
  after: readonly Participant[] | null,
): void {
  if (!before || !after) return;
  const had = new Set(before.map((person) => person.id));
  const has = new Set(after.map((person) => person.id));
  for (const person of after) {
    if (!had.has(person.id)) chat.note(`${person.name || "Someone"} joined`);
  }
  for (const person of before) {
    if (!has.has(person.id)) chat.note(`${person.name || "Someone"} left`);
  }
}

let unreadCount = 0;
function showTitle(count?: number): void {
  if (count !== undefined) unreadCount = count;
  const base = shownRoom ? `${shownRoom.name || "Watch party"} · OpenWatchParty` : "OpenWatchParty";
  document.title = unreadCount > 0 && shownRoom ? `(${unreadCount}) ${base}` : base;
}

function setHash(roomId: string | null): void {
  const url = new URL(location.href);
  url.hash = roomId === null ? "" : `room=${encodeURIComponent(roomId)}`;
  const href = roomId === null ? url.href.replace(/#$/, "") : url.href;
  if (href !== location.href) history.replaceState(history.state, "", href);
}

// --- actions ---

function joinInvite(): void {
  const roomId = pendingInvite;
  if (!roomId) return;
  useName();
  client.joinRoom(roomId);
}

/** The name the room should know: sent before create or join whenever it changed. */
let sentName = userName;
function useName(): void {
  if (userName && userName !== sentName) {
    client.setUserName(userName);
    sentName = userName;
  }
}

/** True when the server can hear us; otherwise a notice says why nothing happened. */
function whenConnected(): boolean {
  if (client.syncInfo.connection === "open") return true;
  notices.show("Not connected to the server yet. Try again in a moment.", "error");
  return false;
}

function closedReason(reason: string): string {
  switch (reason) {
    case "Host left the room":
      return "The host left, so the room closed.";
    case "Host started a new room":
      return "The host started a new room, so this one closed.";
    case "Server shutting down":
      return "The server is restarting; the room closed.";
    default:
      return reason ? `The room closed: ${reason}` : "The room closed.";
  }
}

function errorText(code: string, message: string): string {
  switch (code) {
    case "room_not_found":
      return "That room is no longer open.";
    case "room_full":
      return "That room is full.";
    case "server_full":
      return "The server has too many rooms right now. Try again later.";
    case "chat_too_long":
      return "That message is too long (500 characters at most).";
    default:
      return message || "Something went wrong.";
  }
}

// An invite opened in a tab that is already here.
globalThis.addEventListener("hashchange", () => {
  const roomId = roomFromHash(location.hash);
  if (!roomId || roomId === client.room?.id) return;
  pendingInvite = roomId;
  if (userName && client.syncInfo.connection === "open") joinInvite();
  else {
    lobby.setInvite(roomId, client.rooms);
    lobby.show(true);
  }
});

// --- start ---

if (pendingInvite) {
  lobby.setInvite(pendingInvite);
  if (!userName) lobby.show(true);
}
status.connection(client.syncInfo.connection);
status.sync(client.syncInfo);
