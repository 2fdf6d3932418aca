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
import type { RoomCloseCode } from "../protocol/room_close.ts";
import type { ERRORS } from "../protocol/errors.ts";
// What the server sends is parsed with the protocol's own schemas (zod/mini: about 11 KB of
// the gzipped bundle), their enums opened: a value this client does not know reads as the
// field's fallback (protocol/open_schemas.ts says which and why) instead of dropping the
// message. The client-message schemas are classic zod, so from there types only.
import { type OpenPayload, OpenServerMessageSchema } from "../protocol/open_schemas.ts";
import type { ControlPolicy, Readiness } from "../protocol/client_messages.ts";
import type { QueueItem } from "../protocol/media.ts";
import type {
  ChatEntry as ProtocolChatEntry,
  HostChangeReason,
  RoomSummary as ProtocolRoomSummary,
} from "../protocol/server_messages.ts";

type MembershipPayload = OpenPayload<"participants_update">;
type ParticipantInfo = MembershipPayload["participants"][number];
type PlayerEventPayload = OpenPayload<"player_event">;
type RoomStatePayload = OpenPayload<"room_state">;

/**
 * Why a room is gone for us: the server's code, "not_found" when a (re-)join found no such
 * room, or "unknown" for a code this client does not know (a newer server's): the room is
 * closed all the same, and `reason` is the server's text for it.
 */
export type RoomClosedCode = RoomCloseCode | "not_found" | "unknown";

/**
 * A room of the list, as protocol/server_messages.ts defines it. `locked` is always there (the
 * schema requires it); it is optional here only so that pages written for servers that did
 * not send it still type-check.
 */
export type RoomSummary = Omit<ProtocolRoomSummary, "locked"> & {
  /** Joining needs a password or an invite. */
  readonly locked?: boolean;
};

/** A filtered or paged list_rooms answer: how many match, and the cursor of the next page. */
export interface RoomsPage {
  readonly total: number | null;
  readonly next: string | null;
}

export interface RoomsQuery {
  readonly mediaId?: string;
  /** Rooms whose name contains this, in any letter case. */
  readonly name?: string;
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly after?: string;
}

/** How a member's player is, as it told the room; who may control playback (protocol/). */
export type { ControlPolicy, Readiness };

export interface Participant {
  readonly id: string;
  readonly name: string;
  readonly isHost: boolean;
  readonly isCohost: boolean;
  readonly ready: boolean;
  /**
   * Its player's state in more detail, when the server says (this one does); null too when it
   * says a state this client does not know: `ready` is then what counts.
   */
  readonly readiness: Readiness | null;
  /** Its connection dropped; it may still come back. */
  readonly away: boolean;
  /** Its own measured round trip to the server, when it reports one. */
  readonly rttMs: number | null;
  /** Away: the server time its resume grace ends (it leaves then; a host hands over). */
  readonly awayUntil: number | null;
}

/**
 * What it takes to come back to a session after the connection drops (or the page reloads):
 * keep it (sessionStorage suits) and give it back as the `session` option.
 */
export interface SessionTicket {
  readonly token: string;
  readonly roomId: string | null;
  /** The last room message seen; a new client asks for a fresh room_state all the same. */
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
  readonly control: ControlPolicy;
  /** This client may send play, pause, seek, rate and start-anyway. */
  readonly canControl: boolean;
  /** Media seconds per second of the room's timeline. */
  readonly playbackRate: number;
  /** Joining needs a password or an invite. */
  readonly locked: boolean;
  /** When the host leaves, another member hosts and the room goes on. */
  readonly handoff: boolean;
  /** In nobody's room list: people join by its link (its id). */
  readonly unlisted: boolean;
  /** The title of what plays now, when it was given one. */
  readonly mediaTitle: string | null;
  /** Which item plays now: a new id is new media, even at the same URL. */
  readonly mediaItemId: string;
  /** What plays next, in order. */
  readonly queue: readonly QueueEntry[];
}

/** An item of a room's queue. */
export interface QueueEntry {
  readonly id: string;
  readonly mediaUrl: string;
  readonly mediaId: string | null;
  readonly title: string | null;
  /** The member id of whoever added it. */
  readonly addedBy: string;
}

/** Media to play now or to queue: an http(s) URL, with an optional title and media id. */
export interface MediaChoice {
  readonly mediaUrl: string;
  readonly title?: string;
  readonly mediaId?: string;
}

/**
 * The host's changes to a room's options (setRoomOptions); whatever is left out stays as it is.
 * `password` locks the room with it (or changes it); `locked: false` unlocks.
 */
export interface RoomOptionsChange {
  readonly locked?: boolean;
  readonly password?: string;
  readonly handoff?: boolean;
  readonly unlisted?: boolean;
}

/** A play waiting for members to be ready, and when it starts anyway (server ms). */
export interface WaitingOn {
  readonly waiting: readonly { id: string; name: string; readiness: Readiness | null }[];
  readonly deadlineTs: number | null;
}

export interface Invite {
  readonly roomId: string;
  readonly token: string;
  /** Server ms. */
  readonly expiresAt: number;
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
  /**
   * The room closed under us (the host left, the server stopped...) or could not be re-joined
   * ("not_found"); `code` says which, `reason` is the server's text.
   */
  roomClosed: { roomId: string; reason: string; code: RoomClosedCode };
  /** The host role passed to another member. */
  hostChanged: { hostId: string; previousHostId: string; reason: HostChangeReason };
  /** A new resume ticket: keep the latest to come back after a reload. */
  session: SessionTicket;
  chat: ChatEntry;
  /** The room's last messages, oldest first, on joining (before any live `chat`). */
  chatHistory: readonly ChatEntry[];
  /** A play waits for these members (an empty list: it no longer waits). */
  waiting: WaitingOn;
  /** The answer to createInvite. */
  invite: Invite;
  /**
   * Someone's play, pause, seek or buffering reached the room (this client's own as it sends
   * them). `from` is who (`""`: the room itself, starting the queue's next item); `position`
   * is where the players are told to be.
   */
  command: { from: string; action: PlayerAction; position: number; own: boolean };
  /** The room's playback rate changed (`from`: who set it). */
  rateChanged: { from: string; rate: number; own: boolean };
  sync: SyncInfo;
  error: ServerError;
}

export interface NewRoomOptions {
  readonly name?: string;
  readonly mediaUrl?: string;
  readonly mediaId?: string;
  readonly startPosition?: number;
  /** Locks the room: joining needs this password or an invite. */
  readonly password?: string;
  readonly control?: ControlPolicy;
  /** When the host leaves, the host role passes on instead of the room closing. */
  readonly handoff?: boolean;
  /** In nobody's room list: people join by its link. */
  readonly unlisted?: boolean;
}

export interface JoinOptions {
  readonly password?: string;
  /** An invite token from the room's host (invite links carry one). */
  readonly invite?: string;
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
  /** The password of a room being created, kept for rejoining it. */
  #createPassword: string | undefined;
  /** A create_room is on its way: the room_state of a room we do not know yet is its answer. */
  #creating = false;
  #roomsPage: RoomsPage = { total: null, next: null };
  /** What a join needs again on a reconnect without resume (a password or invite), by room. */
  readonly #joinOptions = new Map<string, JoinOptions>();
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
      // A new client knows nothing of the room yet: it asks for a fresh room_state (no
      // last_seq), not for the messages its previous page missed.
      this.#lastSeq = null;
    }
    this.#connection = new Connection({
      url: options.url,
      clock: options.clock,
      openSocket: options.openSocket,
      random: options.random,
      onOpen: () => this.#onOpen(),
      onMessage: (message) => this.#onMessage(message),
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
      // Plain `ready` as upstream clients send it; the other states are this server's extension.
      sendReady: (state) => this.#send("ready", state === "ready" ? {} : { state }),
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

  /** What it takes to come back to this session (null before the server gave a token). */
  get session(): SessionTicket | null {
    if (!this.#resumeToken) return null;
    return {
      token: this.#resumeToken,
      roomId: this.#room?.id ?? this.#wantedRoom,
      lastSeq: this.#lastSeq,
    };
  }

  /** The paging of the last filtered or paged list (nulls for a whole list). */
  get roomsPage(): RoomsPage {
    return this.#roomsPage;
  }

  get userName(): string {
    return this.#userName;
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

  /**
   * The page's player could not load the room's media (a broken link): the room is told
   * (`media_error`) and no play waits for us. `false` when it loads the media again (a retry).
   */
  reportMediaError(failed: boolean): void {
    this.#playback.mediaFailed(failed);
  }

  /** Back in step after the user paused or seeked their own player, or to unblock autoplay. */
  resync(): void {
    this.#playback.resync();
  }

  setUserName(name: string): void {
    this.#userName = name;
    this.#send("auth", { user_name: name });
  }

  /** Asks for the room list (every open room, or with a query, one filtered page of it). */
  listRooms(query: RoomsQuery = {}): void {
    this.#send("list_rooms", {
      media_id: query.mediaId,
      name: query.name,
      limit: query.limit,
      after: query.after,
    });
  }

  createRoom(options: NewRoomOptions = {}): void {
    this.#send("create_room", {
      name: options.name,
      media_url: options.mediaUrl,
      media_id: options.mediaId,
      start_pos: options.startPosition ?? 0,
      password: options.password || undefined,
      control: options.control,
      handoff: options.handoff,
      unlisted: options.unlisted || undefined,
      user_name: this.#userName || undefined,
    });
    this.#createPassword = options.password || undefined;
    this.#creating = true;
  }

  joinRoom(roomId: string, options: JoinOptions = {}): void {
    this.#wantedRoom = roomId;
    this.#joinOptions.set(roomId, options);
    this.#send("join_room", this.#joinPayload(roomId), roomId);
  }

  leaveRoom(): void {
    const room = this.#room?.id ?? this.#wantedRoom;
    this.#wantedRoom = null;
    this.#creating = false;
    if (room) this.#send("leave_room", {}, room);
    this.#setRoom(null);
    this.#playback.leaveRoom();
    this.#lastSeq = null;
    this.#emitSession();
  }

  /** False when it could not be sent (no room, or the connection is down). */
  sendChat(text: string): boolean {
    if (!this.#room) return false;
    return this.#send("chat_message", { text });
  }

  /** Fires a play that waits for members who are not ready. */
  startAnyway(): void {
    this.#send("start_anyway", {});
  }

  /** Host: who may control playback. */
  setControl(control: ControlPolicy): void {
    this.#send("set_control", { control });
  }

  /**
   * Host: changes the room's options while the party goes on (lock with a password or unlock,
   * keep open when the host leaves, unlisted). Everyone gets the room anew (a `room` event).
   */
  setRoomOptions(change: RoomOptionsChange): void {
    const room = this.#room?.id;
    const password = change.password || undefined;
    this.#send("set_room_options", {
      locked: change.locked ?? (password ? true : undefined),
      password: change.locked === false ? undefined : password,
      handoff: change.handoff,
      unlisted: change.unlisted,
    });
    // Our own way back in after a reconnect that cannot resume: the room's new password.
    if (room && password && change.locked !== false) this.#joinOptions.set(room, { password });
  }

  /** Host: makes a member a co-host, or not. */
  setCohost(clientId: string, cohost: boolean): void {
    this.#send("set_cohost", { client_id: clientId, cohost });
  }

  /** Host: hands the host role to another member. */
  transferHost(clientId: string): void {
    this.#send("transfer_host", { client_id: clientId });
  }

  /**
   * Changes the room's playback rate (0.5 to 2), for whoever may control playback. Everyone,
   * this client included, switches at the same instant when the room says so.
   */
  setRate(rate: number): void {
    this.#send("set_rate", { rate });
  }

  /**
   * Plays other media in the room now (whoever may control): everyone loads it where they
   * are, paused at 0; nobody rejoins.
   */
  setMedia(media: MediaChoice): void {
    this.#send("set_media", mediaPayload(media));
  }

  /** Adds media to the end of the room's queue (whoever may control). */
  queueAdd(media: MediaChoice): void {
    this.#send("queue_add", mediaPayload(media));
  }

  queueRemove(itemId: string): void {
    this.#send("queue_remove", { item_id: itemId });
  }

  /** Moves a queued item to `index` (0 plays next). */
  queueMove(itemId: string, index: number): void {
    this.#send("queue_move", { item_id: itemId, index });
  }

  /** Plays the queue's first item now, for everyone once they loaded it. */
  queueNext(): void {
    this.#send("queue_next", {});
  }

  /** Host: asks for an invite token (answered by an `invite` event). */
  createInvite(ttlSeconds?: number): void {
    this.#send("create_invite", { ttl_s: ttlSeconds });
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
    this.#send("join_room", this.#joinPayload(this.#wantedRoom), this.#wantedRoom);
  }

  #joinPayload(roomId: string): Record<string, string | undefined> {
    const options = this.#joinOptions.get(roomId);
    return {
      user_name: this.#userName || undefined,
      password: options?.password,
      invite: options?.invite,
    };
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

  #onMessage(value: unknown): void {
    // A message outside its schema is ignored, not half-handled; so is a type this client does
    // not know (clients must ignore what they do not know). Fields it does not know are dropped;
    // an enum value it does not know reads as the field's fallback (protocol/open_schemas.ts).
    const parsed = OpenServerMessageSchema.safeParse(value);
    if (!parsed.success) return;
    const message = parsed.data;
    const serverTs = message.server_ts;
    const room = message.room ?? null;
    const seq = message.seq;
    if (seq !== undefined && room !== null && room === (this.#room?.id ?? this.#wantedRoom)) {
      this.#lastSeq = Math.max(this.#lastSeq ?? 0, seq);
    }
    switch (message.type) {
      case "client_hello": {
        const { client_id: clientId, resume_token: token } = message.payload;
        this.#connection.resetBackoff();
        if (this.#resuming) {
          // Ours only if the resume is refused; otherwise we are the old session again.
          this.#fresh = { id: clientId, token };
        } else {
          this.#clientId = clientId;
          this.#resumeToken = token;
          this.#emitSession();
        }
        this.#roughOffsetMs = serverTs - this.#options.clock.now();
        if (!this.#resuming) this.emit("hello", { clientId });
        return;
      }
      case "auth_success": {
        // With auth on, the session's token is bound to the user: the one to keep.
        const token = message.payload.resume_token ?? null;
        if (this.#resuming) this.#fresh = { ...this.#fresh, token };
        else if (token) {
          this.#resumeToken = token;
          this.#emitSession();
        }
        return;
      }
      case "resumed": {
        this.#resuming = false;
        const clientId = message.payload.client_id;
        this.#clientId = clientId;
        this.#resumeToken = message.payload.resume_token;
        this.emit("hello", { clientId });
        this.#emitSession();
        return;
      }
      case "host_changed":
        if (room !== this.#room?.id) return;
        this.emit("hostChanged", {
          hostId: message.payload.host_id,
          previousHostId: message.payload.previous_host_id,
          reason: message.payload.reason,
        });
        return; // the room_state that follows carries the new roles
      case "room_list":
        this.#rooms = message.payload;
        this.#roomsPage = { total: message.total ?? null, next: message.next ?? null };
        this.emit("rooms", this.#rooms);
        return;
      case "room_state":
        return this.#onRoomState(message.room, message.payload, serverTs);
      case "participants_update":
      case "client_left":
        return this.#onParticipants(message.room, message.payload);
      case "player_event": {
        if (room !== this.#room?.id) return;
        const { payload } = message;
        const own = message.client === this.#clientId;
        this.#playback.command({
          action: payload.action,
          playState: payload.play_state,
          targetServerTs: payload.target_server_ts,
          positionAtTarget: payload.position_at_target,
          own,
        });
        // Our own was told as we sent it.
        if (!own) {
          this.emit("command", {
            from: message.client,
            action: payload.action,
            position: this.#commandPosition(payload),
            own: false,
          });
        }
        return;
      }
      case "rate_changed": {
        const current = this.#room;
        if (!current || room !== current.id) return;
        const { rate } = message.payload;
        this.#playback.rateChanged({
          rate,
          playState: message.payload.play_state,
          targetServerTs: message.payload.target_server_ts,
          positionAtTarget: message.payload.position_at_target,
        });
        this.#setRoom({ ...current, playbackRate: rate });
        this.emit("rateChanged", {
          from: message.client,
          rate,
          own: message.client === this.#clientId,
        });
        return;
      }
      case "state_update":
        if (room !== this.#room?.id) return;
        this.#playback.stateUpdate(message.payload.position, message.payload.play_state, serverTs);
        return;
      case "room_closed":
        if (room !== this.#room?.id && room !== this.#wantedRoom) return;
        this.#wantedRoom = null;
        this.#setRoom(null);
        this.#playback.leaveRoom();
        this.#lastSeq = null;
        this.#emitSession();
        this.emit("roomClosed", {
          roomId: message.room,
          reason: message.payload.reason,
          code: message.payload.code,
        });
        return;
      case "chat_message":
        if (room !== this.#room?.id) return;
        this.emit(
          "chat",
          this.#chatEntry({ ...message.payload, client: message.client, server_ts: serverTs }),
        );
        return;
      case "chat_history":
        if (room !== this.#room?.id) return;
        this.emit("chatHistory", message.payload.messages.map((entry) => this.#chatEntry(entry)));
        return;
      case "waiting_on":
        if (room !== this.#room?.id) return;
        this.emit("waiting", {
          waiting: message.payload.waiting,
          deadlineTs: message.payload.deadline_ts,
        });
        return;
      case "invite":
        this.emit("invite", {
          roomId: message.room,
          token: message.payload.token,
          expiresAt: message.payload.expires_at,
        });
        return;
      case "pong":
        if (this.#clockSync.pong(message.payload, serverTs)) this.#emitSync();
        return;
      case "error":
        return this.#onError(room, message.payload);
    }
  }

  #onRoomState(room: string, payload: RoomStatePayload, serverTs: number): void {
    if (!room) return;
    // Only the room we are in, the one we asked for, or the one we are creating: a room_state
    // the server sent before it took our leave_room (a hand-over as we left) is not ours.
    if (room !== this.#room?.id && room !== this.#wantedRoom && !this.#creating) return;
    const created = this.#creating;
    this.#creating = false;
    const { state, host_id: hostId, control, playback_rate: playbackRate } = payload;
    const isHost = hostId === this.#clientId;
    const participants = participantsOf(payload.participants);
    const isCohost = participants.some((p) => p.id === this.#clientId && p.isCohost);
    const canControl = isHost || control === "everyone" || (control === "cohosts" && isCohost);
    const sameRoom = this.#room?.id === room;
    const mediaItemId = payload.media_item_id;
    const point = {
      position: state.position,
      serverTs,
      playing: state.play_state === "playing",
      rate: playbackRate,
    };
    // New media (the page loads it on the `room` event below, re-attaching its player): the
    // player starts from the new timeline, and is ready again once it can play the new media.
    if (sameRoom && this.#room?.mediaItemId !== mediaItemId) this.#playback.mediaChanged(point);
    this.#wantedRoom = room;
    const joined = this.#joinOptions.get(room) ??
      (this.#createPassword ? { password: this.#createPassword } : {});
    this.#joinOptions.clear();
    this.#joinOptions.set(room, joined);
    this.#createPassword = undefined;
    this.#emitSession();
    this.#setRoom({
      id: room,
      name: payload.name,
      hostId,
      isHost,
      participantCount: payload.participant_count,
      participants,
      mediaId: payload.media_id,
      mediaUrl: payload.media_url,
      control,
      canControl,
      playbackRate,
      locked: payload.locked,
      handoff: payload.handoff,
      unlisted: payload.unlisted,
      mediaTitle: payload.media_title,
      mediaItemId,
      queue: payload.queue.map(queueEntryOf),
    });
    this.#playback.setControl(canControl);
    this.#playback.enterRoom(isHost, point, sameRoom, !created && !sameRoom);
  }

  #chatEntry(entry: ProtocolChatEntry): ChatEntry {
    return {
      from: entry.client,
      name: entry.username,
      text: entry.text,
      serverTs: entry.server_ts,
      own: entry.client === this.#clientId,
    };
  }

  #onParticipants(room: string, payload: MembershipPayload): void {
    const current = this.#room;
    if (!current || room !== current.id) return;
    this.#setRoom({
      ...current,
      participantCount: payload.participant_count,
      participants: participantsOf(payload.participants),
    });
  }

  #onError(room: string | null, payload: { message: string; code: string }): void {
    const error = { message: payload.message, code: payload.code, room };
    if (this.#resuming && RESUME_REFUSALS.has(error.code)) return this.#resumeRefused();
    // The room we tried to (re-)join is gone: stop trying.
    if (error.code === "room_not_found" && room !== null && room === this.#wantedRoom) {
      this.#wantedRoom = null;
      if (!this.#room) {
        this.emit("roomClosed", { roomId: room, reason: error.message, code: "not_found" });
      }
    }
    // A join refused (full, locked, a wrong password): we stay where we were, and a reconnect
    // must not try that room again.
    if (JOIN_REFUSALS.has(error.code) && room !== null && room === this.#wantedRoom) {
      this.#wantedRoom = this.#room?.id ?? null;
      this.#joinOptions.delete(room);
    }
    this.emit("error", error);
  }

  /**
   * Where a relayed command put the film, as people would say it: a paused one at its point; a
   * playing one where its timeline is now (the sender's play from 0:00 is "from 0:00", not from
   * where everyone will be at its target 1.5 s later).
   */
  #commandPosition(payload: PlayerEventPayload): number {
    const atTarget = payload.position_at_target;
    const target = payload.target_server_ts;
    const now = this.serverNow();
    if (payload.play_state !== "playing" || now === null || !(target > now)) return atTarget;
    return Math.max(0, atTarget - ((target - now) / 1000) * (this.#room?.playbackRate ?? 1));
  }

  #sendCommand(
    action: PlayerAction,
    position: number,
    playState: PlayState,
    at: number | "deferred",
  ): void {
    const sent = this.#send("player_event", {
      action,
      position,
      play_state: playState,
      ...(at === "deferred" ? { deferred: true } : { at_server_ts: at }),
    });
    if (sent) this.emit("command", { from: this.#clientId ?? "", action, position, own: true });
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
    const ticket = this.session;
    if (ticket) this.emit("session", ticket);
  }
}

/**
 * Every error code the server sends (protocol/errors.ts), as a type: a code written here that
 * the protocol does not have fails the check, at no cost to the bundle (the texts stay out).
 */
type ErrorCode = (typeof ERRORS)[keyof typeof ERRORS]["code"];

/** Errors that answer a join_room the room refused. */
const JOIN_REFUSALS = new Set<string>(
  [
    "room_full",
    "password_required",
    "wrong_password",
    "invite_invalid",
    "password_attempts",
  ] satisfies ErrorCode[],
);

/** Errors that answer a refused resume (the connection then goes on as itself). */
const RESUME_REFUSALS = new Set<string>(
  [
    "resume_invalid",
    "session_expired",
    "session_in_use",
    "resume_too_late",
  ] satisfies ErrorCode[],
);

function participantsOf(members: readonly ParticipantInfo[]): Participant[] {
  return members.map((member) => ({
    id: member.id,
    name: member.name,
    isHost: member.is_host,
    isCohost: member.is_cohost,
    ready: member.ready,
    readiness: member.readiness,
    away: member.away,
    rttMs: member.rtt_ms,
    awayUntil: member.away_until,
  }));
}

function queueEntryOf(item: QueueItem): QueueEntry {
  return {
    id: item.id,
    mediaUrl: item.media_url,
    mediaId: item.media_id,
    title: item.title,
    addedBy: item.added_by,
  };
}

function mediaPayload(media: MediaChoice): Record<string, string | undefined> {
  return {
    media_url: media.mediaUrl,
    title: media.title?.trim() || undefined,
    media_id: media.mediaId || undefined,
  };
}
