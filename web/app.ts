/// <reference lib="dom" />
/**
 * The watch page: a lobby (your name, start a room on any video link, the open rooms) and a
 * room (the video kept in sync, invite link, people, chat, status). The sync client does the
 * protocol; this file wires its events to the views in web/.
 *
 * Test hooks (kept stable: browser tests and the benchmark use them): `window.owp = { client,
 * video }`; `?ws=<url>` overrides the WebSocket URL; `?name=<name>` pre-fills and uses a name;
 * `#room=<id>` (with `&invite=<token>` for a locked room) joins that room once connected. The
 * element ids are listed in web/index.html.
 *
 * A reload takes the session back (same place in the room, same role): the client's session
 * ticket is kept in this tab's sessionStorage.
 */
import {
  connect,
  type Participant,
  type RoomClosedCode,
  type RoomView,
  type SessionTicket,
} from "../client/mod.ts";
import { ChatPanel } from "./chat.ts";
import { announcer, byId, sessionStore, storage } from "./dom.ts";
import { Lobby } from "./lobby.ts";
import { checkMediaHere } from "./media_probe.ts";
import { Notices } from "./notices.ts";
import { PasswordDialog } from "./password_dialog.ts";
import { RoomPlayer } from "./player.ts";
import { leaveClosesRoom, RoomPanel } from "./room_view.ts";
import { CloseDialog } from "./close_dialog.ts";
import { HostAwayLine } from "./host_away.ts";
import { PresenceNotes } from "./presence_notes.ts";
import { SpeedControl } from "./speed.ts";
import { QueuePanel } from "./queue_panel.ts";
import { RoomOptionsPanel } from "./room_options.ts";
import { inviteFromHash, type InviteLink, mediaLabel, roomFromHash } from "./urls.ts";
import { StatusLine } from "./status.ts";
import { commandNote, MemberTimeline, rateNote } from "./timeline.ts";
import { WaitingBar } from "./waiting.ts";

const NAME_KEY = "owp.name";
const SESSION_KEY = "owp.session";
const params = new URLSearchParams(location.search);
const nameFromUrl = params.get("name")?.trim() ?? "";
let userName = nameFromUrl || (storage.get(NAME_KEY) ?? "").trim();

const session = sessionTicket(sessionStore.get(SESSION_KEY));
const client = connect({
  userName: userName || undefined,
  url: params.get("ws") || undefined,
  session,
});

const announce = announcer(byId("announcer"));
const notices = new Notices(byId("notices"));
const player = new RoomPlayer(client, (problem) => status.mediaProblem(problem));
const video = player.video;
const status = new StatusLine(video, announce);
Object.assign(globalThis, { owp: { client, video } });

/**
 * A room to join as soon as possible (an invite link), held until there is a name; not when
 * this tab's session is in that room already (a reload): the client takes it back.
 */
let pendingInvite: InviteLink | null = inviteFromHash(location.hash);
if (pendingInvite && pendingInvite.roomId === session?.roomId) pendingInvite = null;
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
  create({ name, mediaUrl, password, control, handoff, unlisted }) {
    if (!whenConnected()) return;
    useName();
    client.createRoom({
      name: name || undefined,
      mediaUrl,
      password: password || undefined,
      control,
      handoff,
      unlisted,
    });
  },
  join(roomId, locked) {
    if (!whenConnected()) return;
    useName();
    // A locked room needs its password: ask before trying.
    if (locked) passwordDialog.ask(roomId, roomNameOf(roomId));
    else client.joinRoom(roomId);
  },
  acceptInvite() {
    if (pendingInvite) joinInvite();
  },
  checkMedia: (url) => checkMediaHere(url),
});

const passwordDialog = new PasswordDialog((roomId, password) => {
  if (!whenConnected()) return;
  useName();
  client.joinRoom(roomId, { password });
});

const closeDialog = new CloseDialog();
const roomPanel = new RoomPanel({
  leave() {
    const room = client.room;
    // Closing ends everyone's evening: asked first when anyone else is there.
    if (room && leaveClosesRoom(room) && room.participantCount > 1) {
      closeDialog.ask(room.participantCount - 1, () => client.leaveRoom());
    } else {
      client.leaveRoom();
    }
  },
  setControl(control) {
    client.setControl(control);
  },
  setCohost(clientId, cohost) {
    client.setCohost(clientId, cohost);
  },
  transferHost(clientId, name) {
    if (confirm(`Make ${name || "them"} the host? You will no longer control the room.`)) {
      client.transferHost(clientId);
    }
  },
});

const waitingBar = new WaitingBar({
  serverNow: () => client.serverNow(),
  startAnyway: () => client.startAnyway(),
});

const speed = new SpeedControl((rate) => client.setRate(rate));
const roomOptions = new RoomOptionsPanel((change) => client.setRoomOptions(change));
const hostAway = new HostAwayLine(() => client.serverNow());
const queuePanel = new QueuePanel({
  add: (media) => whenConnected() && client.queueAdd(media),
  playNow: (media) => whenConnected() && client.setMedia(media),
  playItem(itemId) {
    if (!whenConnected()) return;
    // The room plays the queue's first item: this one goes first, then plays.
    client.queueMove(itemId, 0);
    client.queueNext();
  },
  remove: (itemId) => whenConnected() && client.queueRemove(itemId),
  move: (itemId, index) => whenConnected() && client.queueMove(itemId, index),
  next: () => whenConnected() && client.queueNext(),
});

const chat = new ChatPanel({
  send(text) {
    if (!whenConnected()) return false;
    return client.sendChat(text);
  },
  onUnread: (count) => showTitle(count),
});
/** Who lost connection and came back, said in the chat only for a drop that lasts. */
const presence = new PresenceNotes((text) => chat.note(text), {
  setTimeout: (fire, ms) => setTimeout(fire, ms),
  clearTimeout: (timer) => clearTimeout(timer),
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
  if (pendingInvite) lobby.setInvite(pendingInvite.roomId, rooms);
});
client.on("room", (room) => showRoom(room));
client.on("chat", (entry) => chat.add(entry, localTimeOf(entry.serverTs)));
client.on("chatHistory", (entries) => {
  chat.addEarlier(entries.map((entry) => ({ entry, localTimeMs: localTimeOf(entry.serverTs) })));
});
client.on("waiting", (waiting) => waitingBar.show(waiting, client.room?.canControl ?? false));
client.on("invite", ({ roomId, token }) => roomPanel.setInviteToken(roomId, token));
new MemberTimeline(video);
/** Who did it, as chat says: "You", a member's name, or nobody (the room moved on itself). */
function whoDid(from: string, own: boolean): string | null {
  if (own) return "You";
  if (from === "") return null;
  return client.room?.participants?.find((person) => person.id === from)?.name || "Someone";
}
client.on("command", ({ from, action, position, own }) => {
  const who = whoDid(from, own);
  // A host's stall is no one's choice, and the room's own start follows "Now playing".
  if (who === null || action === "buffering") return;
  // Seeks in a row by one person are one line: where they ended up.
  chat.note(commandNote(who, action, position), action === "seek" ? `seek:${from}` : undefined);
});
client.on("rateChanged", ({ from, rate, own }) => {
  const who = whoDid(from, own);
  if (who !== null) chat.note(rateNote(who, rate));
});
client.on("hostChanged", ({ hostId, previousHostId, reason }) => {
  const nameOf = (id: string) =>
    client.room?.participants?.find((person) => person.id === id)?.name || "Someone";
  // The host's page did not come back within its grace: say so, not only who hosts now.
  const why = reason === "host_timeout" ? `${nameOf(previousHostId)} didn’t come back. ` : "";
  if (hostId === client.clientId) {
    notices.show(`${why}You’re the host now: your play, pause and seek are everyone’s.`);
    chat.note(`${why}You’re the host now`);
  } else {
    chat.note(`${why}${nameOf(hostId)} is the host now`);
  }
});
client.on("session", (ticket) => sessionStore.set(SESSION_KEY, JSON.stringify(ticket)));
client.on("roomClosed", ({ roomId, reason, code }) => {
  if (code === "not_found") closedByNotFound = roomId;
  const ours = lastRoom?.id === roomId ? lastRoom : null;
  notices.show(closedText(code, reason, ours));
  // Whoever may start it again finds the form filled in: the same link, the same name.
  if (offersRestart(code, ours)) lobby.prefill(ours);
  if (pendingInvite?.roomId === roomId) {
    pendingInvite = null;
    lobby.setInvite(null);
  }
  // An invite to a room that is gone: the address no longer names it.
  if (!client.room && roomFromHash(location.hash) === roomId) setHash(null);
});
client.on("error", (error) => {
  if (error.code === "room_not_found" && error.room === closedByNotFound) return;
  if (error.room && error.room !== client.room?.id && askPassword(error.code, error.room)) return;
  notices.show(errorText(error.code, error.message), "error");
});

/** A locked room refused us: the password dialog asks (again), saying why. */
function askPassword(code: string, roomId: string): boolean {
  const problem = {
    password_required: null,
    wrong_password: "That password is not right.",
    invite_invalid: "This invite link has expired or is not valid. Enter the password instead.",
    password_attempts: "Too many wrong passwords. Wait a minute, then try again.",
  }[code];
  if (problem === undefined) return false;
  if (pendingInvite?.roomId === roomId) {
    pendingInvite = null;
    lobby.setInvite(null);
  }
  passwordDialog.ask(roomId, roomNameOf(roomId), problem);
  return true;
}

// --- views ---

function showRoom(room: RoomView | null): void {
  const previous = shownRoom;
  shownRoom = room;
  if (room) lastRoom = room;
  hostAway.render(room, client.clientId);
  if (!room) {
    player.unload();
    player.setController(false);
    waitingBar.hide();
    speed.hide();
    roomPanel.hide();
    lobby.show(previous !== null);
    setHash(null);
    client.listRooms();
    showTitle();
    return;
  }
  if (previous?.id !== room.id) {
    pendingInvite = null;
    passwordDialog.close();
    waitingBar.hide();
    lobby.setInvite(null);
    lobby.hide();
    lobby.resetCreateForm();
    chat.reset();
    presence.clear();
    roomPanel.show(true);
    setHash(room.id);
  } else {
    noteArrivals(previous.participants, room.participants);
    if (previous.mediaItemId !== room.mediaItemId && room.mediaUrl) {
      const label = mediaLabel(room.mediaUrl, room.mediaTitle);
      chat.note(`Now playing: ${label}`);
      announce(`Now playing: ${label}`);
    }
  }
  player.setController(room.canControl);
  waitingBar.setCanControl(room.canControl);
  speed.render(room.playbackRate, room.canControl);
  // A locked room's host gets an invite link that skips the password (also on locking it later).
  if (
    room.locked && room.isHost &&
    (previous?.id !== room.id || !previous.isHost || !previous.locked)
  ) {
    client.createInvite();
  }
  void player.load(room.mediaUrl, room.mediaItemId);
  renderRoom(room);
  showTitle();
}

function renderRoom(room: RoomView): void {
  roomPanel.render(room, client.clientId, video.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA);
  roomOptions.render(room);
  queuePanel.render(room);
}
// Our own readiness shows as soon as our player has it.
video.addEventListener("canplay", () => shownRoom && renderRoom(shownRoom));

/**
 * "Ann joined", "Ann left", "Ann lost connection" (once it lasts): from two participant lists.
 */
function noteArrivals(
  before: readonly Participant[] | null,
  after: readonly Participant[] | null,
): void {
  if (!before || !after) return;
  const had = new Map(before.map((person) => [person.id, person]));
  const has = new Set(after.map((person) => person.id));
  for (const person of after) {
    const name = person.name || "Someone";
    const earlier = had.get(person.id);
    if (!earlier) chat.note(`${name} joined`);
    else if (!earlier.away && person.away) presence.away(person.id, name);
    else if (earlier.away && !person.away) presence.back(person.id, name);
  }
  for (const person of before) {
    if (has.has(person.id)) continue;
    presence.forget(person.id);
    chat.note(`${person.name || "Someone"} left`);
  }
}

/** A server instant on this page's clock (close enough to Date.now() for minutes and hours). */
function localTimeOf(serverTs: number): number {
  const offset = client.syncInfo.clock?.offsetMs;
  return offset === undefined ? Date.now() : serverTs - offset;
}

function roomNameOf(roomId: string): string | null {
  return client.rooms.find((room) => room.id === roomId)?.name ?? null;
}

function sessionTicket(stored: string | null): SessionTicket | null {
  if (!stored) return null;
  try {
    const ticket = JSON.parse(stored);
    return typeof ticket?.token === "string" ? ticket : null;
  } catch {
    return null;
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
  const invite = pendingInvite;
  if (!invite) return;
  useName();
  client.joinRoom(invite.roomId, { invite: invite.invite ?? undefined });
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

/**
 * Whether the page offers to start a closed room again (its form filled in): for its host,
 * and for anyone when the room ended for a reason no member chose (a restart, a lost room).
 */
function offersRestart(code: RoomClosedCode, room: RoomView | null): room is RoomView {
  if (!room) return false;
  return room.isHost || code === "server_shutdown" || code === "owner_gone" || code === "not_found";
}

/** What a person reads when their room is gone: the server's code, never its English. */
function closedText(code: RoomClosedCode, reason: string, room: RoomView | null): string {
  const again = offersRestart(code, room) ? " Start it again: the form below has its link." : "";
  switch (code) {
    case "host_left":
      return `The host left, so the room closed.${again}`;
    case "host_new_room":
      return "The host started a new room, so this one closed.";
    case "room_empty":
      return `Everyone had left, so the room closed.${again}`;
    case "server_shutdown":
      return `The server restarted and did not keep its rooms.${again}`;
    case "owner_gone":
      return `The server holding this room stopped.${again}`;
    case "not_found":
      return `That room is no longer open.${again}`;
    case "unknown":
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
    case "nothing_pending":
      return "The play already started.";
    case "not_allowed":
    case "not_host":
      return message;
    default:
      return message || "Something went wrong.";
  }
}

// An invite opened in a tab that is already here.
globalThis.addEventListener("hashchange", () => {
  const invite = inviteFromHash(location.hash);
  if (!invite || invite.roomId === client.room?.id) return;
  pendingInvite = invite;
  if (userName && client.syncInfo.connection === "open") joinInvite();
  else {
    lobby.setInvite(invite.roomId, client.rooms);
    lobby.show(true);
  }
});

// --- start ---

if (pendingInvite) {
  lobby.setInvite(pendingInvite.roomId);
  if (!userName) lobby.show(true);
}
status.connection(client.syncInfo.connection);
status.sync(client.syncInfo);
