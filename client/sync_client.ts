/**
 * The OpenWatchParty sync client for any page with a <video>: one object that connects (and
 * reconnects), keeps the server's clock, lists, creates and joins rooms, carries chat, and
 * keeps an attached player on the room's timeline (client/playback_sync.ts). The page listens
 * to its events and calls its methods; it never speaks the protocol itself.
 */
import type { ClockEstimate } from "./core/clock_estimator.ts";
import { ClockSync } from "./clock_sync.ts";
import { Connection, type ConnectionState } from "./connection.ts";
import { Emitter } from "./events.ts";
import {
  PlaybackSync,
  type PlaybackSyncOptions,
  type PlayerAction,
  type PlayState,
  type SyncStatus,
} from "./playback_sync.ts";
import type { LocalClock, Player, SocketFactory } from "./ports.ts";

export interface RoomSummary {
  readonly id: string;
  readonly name: string;
  readonly count: number;
  readonly media_id: string | null;
}

export interface Participant {
  readonly id: string;
  readonly name: string;
  readonly isHost: boolean;
  readonly ready: boolean;
  /** Its connection dropped; it may still come back. */
  readonly away: boolean;
  /** Its own measured round trip to the server, when it reports one. */
  readonly rttMs: number | null;
}

/**
 * What it takes to come back to a session after the connection drops (or the page reloads):
 * keep it (sessionStorage suits) and give it back as the `session` option.
 */
export interface SessionTicket {
  readonly token: string;
  readonly roomId: string | null;
  readonly lastSeq: number | null;
}

/** The room this client is in, as the page shows it. */
export interface RoomView {
  readonly id: string;
  readonly name: string;
  readonly hostId: string;
  readonly isHost: boolean;
  readonly participantCount: number;
  /** Names and roles, when the server sends them (this server does). */
  readonly participants: readonly Participant[] | null;
  readonly mediaId: string | null;
  readonly mediaUrl: string | null;
}

export interface ChatEntry {
  readonly from: string;
  readonly name: string;
  readonly text: string;
  readonly serverTs: number;
  readonly own: boolean;
}

/** Connection, clock and playback health, for a status line. */
export interface SyncInfo extends SyncStatus {
  readonly connection: ConnectionState;
  readonly clock: ClockEstimate | null;
}

export interface ServerError {
  readonly message: string;
  readonly code: string;
  readonly room: string | null;
}

export interface SyncClientEvents extends Record<string, unknown> {
  connection: { state: ConnectionState; retryInMs?: number };
  hello: { clientId: string };
  rooms: readonly RoomSummary[];
  room: RoomView | null;
  /** The room closed under us (the host left) or could not be re-joined. */
  roomClosed: { roomId: string; reason: string };
  /** The host role passed to another member. */
  hostChanged: { hostId: string; previousHostId: string; reason: string };
  /** A new resume ticket: keep the latest to come back after a reload. */
  session: SessionTicket;
  chat: ChatEntry;
  sync: SyncInfo;
  error: ServerError;
}

export interface NewRoomOptions {
  readonly name?: string;
  readonly mediaUrl?: string;
  readonly mediaId?: string;
  readonly startPosition?: number;
}

export interface SyncClientOptions {
  /** ws(s)://host/ws */
  readonly url: string;
  readonly userName?: string;
  /** A JWT for servers with auth on; called on every (re)connect, so it may refresh. */
  readonly token?: () => string | null | Promise<string | null>;
  readonly clock: LocalClock;
  readonly openSocket: SocketFactory;
  readonly random?: () => number;
  readonly playback?: PlaybackSyncOptions;
  /** A session to take back on connecting (the last `session` event of a reloaded page). */
  readonly session?: SessionTicket | null;
}

type Message = { type?: unknown; room?: unknown; client?: unknown; payload?: unknown };

export class SyncClient extends Emitter<SyncClientEvents> {
  readonly #options: SyncClientOptions;
  readonly #connection: Connection;
  readonly #clockSync: ClockSync;
  readonly #playback: PlaybackSync;
  #clientId: string | null = null;
  #userName: string;
  #room: RoomView | null = null;
  /** The room to be in: re-joined after a reconnect. */
  #wantedRoom: string | null = null;
  #rooms: readonly RoomSummary[] = [];
  /** Until the first pong: the server's clock from the hello (one-way, rough). */
  #roughOffsetMs: number | null = null;
  /** The token that takes this session back on a new connection. */
  #resumeToken: string | null = null;
  /** The seq of the last room message received (what a resume asks from). */
  #lastSeq: number | null = null;
  /** A resume is under way on this connection: the hello's fresh id waits for its answer. */
  #resuming = false;
  /** This connection's own identity, used if the resume is refused. */
  #fresh: { id: string | null; token: string | null } = { id: null, token: null };

  constructor(options: SyncClientOptions) {
    super();
    this.#options = options;
    this.#userName = options.userName ?? "";
    if (options.session) {
      this.#resumeToken = options.session.token;
      this.#wantedRoom = options.session.roomId;
      this.#lastSeq = options.session.lastSeq;
    }
    this.#connection = new Connection({
      url: options.url,
      clock: options.clock,
      openSocket: options.openSocket,
      random: options.random,
      onOpen: () => this.#onOpen(),
      onMessage: (message) => this.#onMessage(message as Message),
      onState: (state, detail) => {
        if (state !== "open") this.#clockSync?.stop();
        this.emit("connection", { state, retryInMs: detail.retryInMs });
        this.#emitSync();
      },
    });
    this.#clockSync = new ClockSync(options.clock, (payload) => this.#send("ping", payload));
    this.#playback = new PlaybackSync({
      clock: options.clock,
      serverNow: () => this.serverNow(),
      sendCommand: (action, position, playState, at) =>
        this.#sendCommand(action, position, playState, at),
      sendState: (position, playState, at) =>
        this.#send("state_update", { position, play_state: playState, at_server_ts: at }),
      sendReady: () => this.#send("ready", {}),
      sendReport: (report) => {
        const clock = this.#clockSync.estimator.estimate;
        if (!clock) return;
        this.#send("sync_report", {
          ...report,
          offset_ms: Math.round(clock.offsetMs * 10) / 10,
          uncertainty_ms: Math.round(clock.uncertaintyMs * 10) / 10,
        });
      },
      onStatus: () => this.#emitSync(),
    }, options.playback);
  }

  get clientId(): string | null {
    return this.#clientId;
  }

  get room(): RoomView | null {
    return this.#room;
  }

  get rooms(): readonly RoomSummary[] {
    return this.#rooms;
  }

  get syncInfo(): SyncInfo {
    return {
      ...this.#playback.status,
      connection: this.#connection.state,
      clock: this.#clockSync.estimator.estimate,
    };
  }

  /** The server's clock now; null before anything was heard from it. */
  serverNow(): number | null {
    const synced = this.#clockSync.serverNow();
    if (synced !== null) return synced;
    return this.#roughOffsetMs === null ? null : this.#options.clock.now() + this.#roughOffsetMs;
  }

  start(): void {
    this.#connection.start();
  }

  stop(): void {
    this.#clockSync.stop();
    this.#playback.leaveRoom();
    this.#connection.stop();
  }

  attachPlayer(player: Player): void {
    this.#playback.attach(player);
  }

  detachPlayer(): void {
    this.#playback.detach();
  }

  /** Back in step after the user paused or seeked their own player, or to unblock autoplay. */
  resync(): void {
    this.#playback.resync();
  }

  setUserName(name: string): void {
    this.#userName = name;
    this.#send("auth", { user_name: name });
  }

  listRooms(): void {
    this.#send("list_rooms", {});
  }

  createRoom(options: NewRoomOptions = {}): void {
    this.#send("create_room", {
      name: options.name,
      media_url: options.mediaUrl,
      media_id: options.mediaId,
      start_pos: options.startPosition ?? 0,
      user_name: this.#userName || undefined,
    });
  }

  joinRoom(roomId: string): void {
    this.#wantedRoom = roomId;
    this.#send("join_room", { user_name: this.#userName || undefined }, roomId);
  }

  leaveRoom(): void {
    const room = this.#room?.id ?? this.#wantedRoom;
    this.#wantedRoom = null;
    if (room) this.#send("leave_room", {}, room);
    this.#setRoom(null);
    this.#playback.leaveRoom();
    this.#lastSeq = null;
    this.#emitSession();
  }

  sendChat(text: string): void {
    if (!this.#room) return;
    this.#send("chat_message", { text });
  }

  // --- protocol ---

  /** A token provider may answer at once or later; without one, nothing waits. */
  #onOpen(): void {
    const token = this.#options.token?.() ?? null;
    if (token instanceof Promise) {
      token.then((value) => this.#greet(value), () => this.#greet(null));
    } else {
      this.#greet(token);
    }
  }

  #greet(token: string | null): void {
    const auth: Record<string, string> = {};
    if (token) auth.token = token;
    if (this.#userName) auth.user_name = this.#userName;
    if (Object.keys(auth).length > 0) this.#send("auth", auth);
    this.#clockSync.start();
    this.#fresh = { id: null, token: null };
    // Back to the room we were in: take the session back (same id, room and role, with what
    // was missed), or, without a ticket, join again as anyone would.
    if (this.#wantedRoom && this.#resumeToken) {
      this.#resuming = true;
      this.#send("resume", { token: this.#resumeToken, last_seq: this.#lastSeq });
    } else {
      this.#rejoin();
    }
  }

  #rejoin(): void {
    if (!this.#wantedRoom) return;
    this.#send("join_room", { user_name: this.#userName || undefined }, this.#wantedRoom);
  }

  /** The resume was refused: this connection goes on as itself, and joins again. */
  #resumeRefused(): void {
    this.#resuming = false;
    if (this.#fresh.id) {
      this.#clientId = this.#fresh.id;
      this.emit("hello", { clientId: this.#fresh.id });
    }
    this.#resumeToken = this.#fresh.token;
    this.#lastSeq = null;
    this.#setRoom(null);
    this.#playback.leaveRoom();
    this.#emitSession();
    this.#rejoin();
  }

  #onMessage(message: Message): void {
    const payload = (message.payload ?? {}) as Record<string, unknown>;
    const serverTs = (message as { server_ts?: unknown }).server_ts;
    const room = typeof message.room === "string" ? message.room : null;
    const seq = (message as { seq?: unknown }).seq;
    if (typeof seq === "number" && room !== null && room === (this.#room?.id ?? this.#wantedRoom)) {
      this.#lastSeq = Math.max(this.#lastSeq ?? 0, seq);
    }
    switch (message.type) {
      case "client_hello":
        this.#connection.resetBackoff();
        if (this.#resuming) {
          // Ours only if the resume is refused; otherwise we are the old session again.
          this.#fresh = { id: String(payload.client_id), token: tokenOf(payload) };
        } else {
          this.#clientId = String(payload.client_id);
          this.#resumeToken = tokenOf(payload);
          this.#emitSession();
        }
        if (typeof serverTs === "number") {
          this.#roughOffsetMs = serverTs - this.#options.clock.now();
        }
        if (this.#clientId !== null && !this.#resuming) {
          this.emit("hello", { clientId: this.#clientId });
        }
        return;
      case "auth_success":
        // With auth on, the session's token is bound to the user: the one to keep.
        if (this.#resuming) this.#fresh = { ...this.#fresh, token: tokenOf(payload) };
        else if (tokenOf(payload)) {
          this.#resumeToken = tokenOf(payload);
          this.#emitSession();
        }
        return;
      case "resumed": {
        this.#resuming = false;
        const clientId = String(payload.client_id);
        this.#clientId = clientId;
        this.#resumeToken = tokenOf(payload) ?? this.#resumeToken;
        this.emit("hello", { clientId });
        this.#emitSession();
        return;
      }
      case "host_changed":
        if (room !== this.#room?.id) return;
        this.emit("hostChanged", {
          hostId: String(payload.host_id),
          previousHostId: String(payload.previous_host_id),
          reason: String(payload.reason),
        });
        return; // the room_state that follows carries the new roles
      case "room_list":
        this.#rooms = Array.isArray(message.payload) ? message.payload as RoomSummary[] : [];
        this.emit("rooms", this.#rooms);
        return;
      case "room_state":
        return this.#onRoomState(room, payload, serverTs as number);
      case "participants_update":
      case "client_left":
        return this.#onParticipants(room, payload);
      case "player_event":
        if (room !== this.#room?.id) return;
        this.#playback.command({
          action: payload.action as PlayerAction,
          playState: payload.play_state as PlayState,
          targetServerTs: payload.target_server_ts as number,
          positionAtTarget: payload.position_at_target as number,
        });
        return;
      case "state_update":
        if (room !== this.#room?.id) return;
        this.#playback.stateUpdate(
          payload.position as number,
          payload.play_state as PlayState,
          serverTs as number,
        );
        return;
      case "room_closed":
        if (room !== this.#room?.id && room !== this.#wantedRoom) return;
        this.#wantedRoom = null;
        this.#setRoom(null);
        this.#playback.leaveRoom();
        this.#lastSeq = null;
        this.#emitSession();
        this.emit("roomClosed", { roomId: room ?? "", reason: String(payload.reason ?? "") });
        return;
      case "chat_message":
        if (room !== this.#room?.id) return;
        this.emit("chat", {
          from: String(message.client ?? ""),
          name: String(payload.username ?? ""),
          text: String(payload.text ?? ""),
          serverTs: serverTs as number,
          own: message.client === this.#clientId,
        });
        return;
      case "pong":
        if (this.#clockSync.pong(message.payload, serverTs as number)) this.#emitSync();
        return;
      case "error":
        return this.#onError(room, payload);
    }
  }

  #onRoomState(room: string | null, payload: Record<string, unknown>, serverTs: number): void {
    if (!room) return;
    const state = payload.state as { position: number; play_state: PlayState };
    const hostId = String(payload.host_id);
    const isHost = hostId === this.#clientId;
    this.#wantedRoom = room;
    this.#emitSession();
    this.#setRoom({
      id: room,
      name: String(payload.name ?? ""),
      hostId,
      isHost,
      participantCount: Number(payload.participant_count ?? 1),
      participants: participantsOf(payload.participants),
      mediaId: (payload.media_id as string | null) ?? null,
      mediaUrl: (payload.media_url as string | null | undefined) ?? null,
    });
    this.#playback.enterRoom(isHost, {
      position: state.position,
      serverTs,
      playing: state.play_state === "playing",
      rate: 1,
    });
  }

  #onParticipants(room: string | null, payload: Record<string, unknown>): void {
    const current = this.#room;
    if (!current || room !== current.id) return;
    this.#setRoom({
      ...current,
      participantCount: Number(payload.participant_count ?? current.participantCount),
      participants: participantsOf(payload.participants) ?? current.participants,
    });
  }

  #onError(room: string | null, payload: Record<string, unknown>): void {
    const error = {
      message: String(payload.message ?? ""),
      code: String(payload.code ?? ""),
      room,
    };
    if (this.#resuming && RESUME_REFUSALS.has(error.code)) return this.#resumeRefused();
    // The room we tried to (re-)join is gone: stop trying.
    if (error.code === "room_not_found" && room !== null && room === this.#wantedRoom) {
      this.#wantedRoom = null;
      if (!this.#room) this.emit("roomClosed", { roomId: room, reason: error.message });
    }
    this.emit("error", error);
  }

  #sendCommand(action: PlayerAction, position: number, playState: PlayState, at: number): void {
    this.#send("player_event", { action, position, play_state: playState, at_server_ts: at });
  }

  #send(type: string, payload: object, room = this.#room?.id ?? ""): boolean {
    return this.#connection.send({ type, room, payload, ts: Math.round(Date.now()) });
  }

  #setRoom(room: RoomView | null): void {
    this.#room = room;
    this.emit("room", room);
  }

  #emitSync(): void {
    this.emit("sync", this.syncInfo);
  }

  #emitSession(): void {
    if (!this.#resumeToken) return;
    this.emit("session", {
      token: this.#resumeToken,
      roomId: this.#room?.id ?? this.#wantedRoom,
      lastSeq: this.#lastSeq,
    });
  }
}

/** Errors that answer a refused resume (the connection then goes on as itself). */
const RESUME_REFUSALS = new Set([
  "resume_invalid",
  "session_expired",
  "session_in_use",
  "resume_too_late",
]);

function tokenOf(payload: Record<string, unknown>): string | null {
  return typeof payload.resume_token === "string" ? payload.resume_token : null;
}

function participantsOf(value: unknown): Participant[] | null {
  if (!Array.isArray(value)) return null;
  return value.map((entry) => ({
    id: String(entry?.id ?? ""),
    name: String(entry?.name ?? ""),
    isHost: entry?.is_host === true,
    ready: entry?.ready === true,
    away: entry?.away === true,
    rttMs: typeof entry?.rtt_ms === "number" ? entry.rtt_ms : null,
  }));
}
