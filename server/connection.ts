/**
 * One per socket: the session (its id, name and user, its socket and lifetime) and the order in
 * which every frame is checked before dispatch: size and rate (server/frame_admission.ts), JSON
 * and envelope, auth (server/auth_gate.ts). Frames are handled strictly in the order they
 * arrived, even across the await of a token check (server/ordered_inbox.ts).
 */
import {
  build,
  encode,
  type ErrorInfo,
  ERRORS,
  type OutboundFrame,
  parseClientMessage,
  sanitizeName,
  type ServerMessage,
} from "../protocol/mod.ts";
import type { Clock, RoomDirectory } from "../rooms/mod.ts";
import type { AddressLease } from "./addresses.ts";
import type { Authenticator } from "./auth.ts";
import { AuthGate } from "./auth_gate.ts";
import { CLOSE_CODES, type CloseReason } from "./close_codes.ts";
import type { Config } from "./config.ts";
import { dispatch } from "./dispatch.ts";
import { FrameAdmission } from "./frame_admission.ts";
import type { Session } from "./session.ts";
import type { Logger } from "./log.ts";
import type { ServerMetrics } from "./metrics.ts";
import { OrderedInbox } from "./ordered_inbox.ts";
import type { InviteTokens } from "./invites.ts";
import type { ResumeTokens } from "./resume_tokens.ts";

export const DEFAULT_USER_NAME = "Anonymous";
export { MAX_WAITING_FRAMES } from "./ordered_inbox.ts";

/** The little a connection needs of a WebSocket; Deno's WebSocket and test doubles fit. */
export interface Socket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
}

export interface ConnectionContext {
  readonly clock: Clock;
  readonly directory: RoomDirectory;
  readonly config: Config;
  readonly log: Logger;
  /** Null when auth is off: every connection then counts as authenticated. */
  readonly authenticator: Authenticator | null;
  readonly metrics: ServerMetrics;
  readonly resumeTokens: ResumeTokens;
  readonly invites: InviteTokens;
  /** Called once when the connection is gone, whoever closed it. */
  readonly onGone: (connection: Connection) => void;
}

type State = "connecting" | "open" | "closed";

export class Connection implements Session {
  /** The session's id: a new UUID, or the one a `resume` took back. */
  #id: string = crypto.randomUUID();
  /** The client's own last measured round trip (presence), from its pings. */
  #rttMs: number | null = null;
  readonly #ctx: ConnectionContext;
  /** This connection's place in its client address's records. */
  readonly #address: AddressLease;
  #name = DEFAULT_USER_NAME;
  #userId: string | null = null;
  /** Authenticated yet or not, and the timers that close an unauthenticated or expired one. */
  readonly #auth: AuthGate;
  #state: State = "connecting";
  #socket: Socket | null = null;
  /** Every frame's size and rate budget, before it is parsed further. */
  readonly #frames: FrameAdmission;
  /** Frames in arrival order behind a token or password check; null until a handling awaits. */
  #inbox: OrderedInbox | null = null;

  constructor(ctx: ConnectionContext, address: AddressLease) {
    this.#ctx = ctx;
    this.#address = address;
    this.#auth = new AuthGate(
      ctx.clock,
      ctx.authenticator,
      ctx.config.limits.authTimeoutMs,
      (reason) => this.close(reason),
    );
    this.#frames = new FrameAdmission(ctx.config.limits, {
      dropped: () => ctx.metrics.rateLimited.inc(),
      firstDropped: () => this.sendError(ERRORS.rateLimited),
      flooding: () => this.close("policyViolation"),
    });
  }

  get id(): string {
    return this.#id;
  }

  get rttMs(): number | null {
    return this.#rttMs;
  }

  get name(): string {
    return this.#name;
  }

  get userId(): string | null {
    return this.#userId;
  }

  get authenticated(): boolean {
    return this.#auth.authenticated;
  }

  get isOpen(): boolean {
    return this.#state === "open";
  }

  open(socket: Socket): void {
    if (this.#state !== "connecting") return;
    this.#socket = socket;
    this.#state = "open";
    this.#ctx.metrics.connectionsOpened.inc();
    this.#ctx.log.debug("connection opened", { client: this.id });
    const now = this.#ctx.clock.now();
    const resumeToken = this.#ctx.resumeTokens.issue({ clientId: this.id, userId: null }, now);
    this.#reply(build.clientHello(this.id, resumeToken, now));
    if (this.#auth.authenticated) this.#enterLobby();
    else this.#auth.opened();
  }

  /** Member.send: writes a frame made once for all its recipients. */
  send(frame: OutboundFrame): void {
    const socket = this.#socket;
    if (this.#state !== "open" || !socket) return;
    try {
      socket.send(frame.text);
    } catch (error) {
      this.#ctx.log.debug("send failed", { client: this.id, error });
      return;
    }
    const metrics = this.#ctx.metrics;
    metrics.messagesSent.inc(frame.message.type);
    if (frame.message.type === "error") metrics.errorsSent.inc(frame.message.payload.code);
    // A reader that never reads must not make server memory grow (protocol 2).
    if (socket.bufferedAmount > this.#ctx.config.limits.maxBufferedBytes) {
      this.close("slowConsumer");
    }
  }

  /** The session continues under `id` (a resume was accepted). */
  adoptId(id: string): void {
    this.#id = id;
  }

  noteRtt(rttMs: number | null): void {
    if (rttMs !== null) this.#rttMs = Math.round(rttMs);
  }

  sendError(error: ErrorInfo, room?: string | null): void {
    this.#reply(build.error(error, this.#ctx.clock.now(), room));
  }

  /** The budget is the client address's, shared with its other connections. */
  mayTryPassword(): boolean {
    return this.#address.mayTryPassword();
  }

  wrongPassword(): void {
    this.#address.wrongPassword();
  }

  allowRoomCreation(): boolean {
    return this.#address.allowRoomCreation();
  }

  adoptUserName(raw: string | null | undefined): void {
    if (this.#ctx.authenticator !== null || raw === undefined || raw === null) return;
    this.#name = sanitizeName(raw, DEFAULT_USER_NAME);
  }

  /** Closes the socket with one of the documented codes; leaving happens at once. */
  close(reason: CloseReason): void {
    if (this.#state === "closed") return;
    const { code, reason: text } = CLOSE_CODES[reason];
    try {
      this.#socket?.close(code, text);
    } catch {
      // Already closing: the cleanup below is what matters.
    }
    this.#gone(code);
  }

  /** Its room moved to another instance: the client comes back at once and resumes there. */
  reconnect(): void {
    this.close("serviceRestart");
  }

  /** The socket closed (cleanly or not): the same steps as leave_room (protocol 3.4). */
  closed(code = 1005): void {
    this.#gone(code);
  }

  /** One frame from the socket, as the runtime delivered it. */
  receive(data: unknown): void {
    if (this.#state !== "open") return;
    if (this.#inbox !== null) return this.#inbox.receive(data);
    const pending = this.#handle(data);
    // The first handling that awaits: from now on frames queue behind it, in order.
    if (pending) this.#orderedInbox().after(pending);
  }

  #orderedInbox(): OrderedInbox {
    const ctx = this.#ctx;
    return this.#inbox ??= new OrderedInbox({
      handle: (data) => this.#handle(data),
      dropped: () => ctx.metrics.rateLimited.inc(),
      overflow: () => this.sendError(ERRORS.rateLimited),
      isOpen: () => this.#state === "open",
      failed: (error) => ctx.log.error("frame handling failed", { client: this.id, error }),
    });
  }

  #handle(data: unknown): Promise<void> | void {
    const started = performance.now();
    try {
      return this.#handleFrame(data);
    } catch (error) {
      // A bug must cost one frame an error reply, never the process or anyone's session.
      this.#ctx.log.error("frame handling failed", { client: this.id, error });
      this.sendError(ERRORS.internal);
    } finally {
      this.#ctx.metrics.handlingSeconds.observe((performance.now() - started) / 1000);
    }
  }

  #handleFrame(data: unknown): Promise<void> | void {
    const now = this.#ctx.clock.now();
    const frames = this.#frames;
    if (typeof data !== "string") {
      if (frames.admit(now)) this.sendError(ERRORS.invalidFormat);
      return;
    }
    if (frames.tooLarge(data)) {
      if (frames.admit(now)) this.sendError(ERRORS.tooLarge);
      return;
    }
    const parsed = parseClientMessage(data);
    if (!frames.admit(now, parsed.ok ? parsed.message.type : parsed.type)) return;
    if (!parsed.ok) {
      this.sendError(parsed.error, parsed.room);
      return;
    }
    const message = parsed.message;
    this.#ctx.metrics.messagesReceived.inc(message.type);
    if (message.type === "auth") return this.#authenticate(message.payload);
    // Before auth, only auth and ping (clock sync) are allowed (protocol 2.3).
    const beforeAuth = this.#auth.beforeAuth(message.type);
    if (beforeAuth !== "pass") {
      if (beforeAuth === "refuse") this.sendError(ERRORS.authRequired, message.room);
      return;
    }
    return dispatch(this.#ctx, this, message);
  }

  #authenticate(
    payload: { token?: string | null; user_name?: string | null; user_id?: string | null },
  ) {
    if (!this.#auth.required) {
      // Auth off: the payload names the user (protocol 2.3).
      this.adoptUserName(payload.user_name);
      if (payload.user_id) this.#userId = sanitizeName(payload.user_id, "");
      this.#reply(build.authSuccess(this.#name, this.#ctx.clock.now()));
      return;
    }
    const token = payload.token;
    if (!token) {
      this.sendError(ERRORS.authFailed);
      return;
    }
    return this.#auth.verify(token).then((result) => {
      if (this.#state !== "open") return;
      if (!result.ok) {
        this.#ctx.log.info("authentication failed", { client: this.id, reason: result.reason });
        this.sendError(ERRORS.authFailed);
        return;
      }
      // A re-auth with a fresh token updates the identity in place.
      this.#userId = result.identity.userId;
      const previousName = this.#name;
      this.#name = sanitizeName(result.identity.userName, DEFAULT_USER_NAME);
      const now = this.#ctx.clock.now();
      // A resume token bound to this user: a session can only be taken back by its own user.
      const resumeToken = this.#ctx.resumeTokens.issue(
        { clientId: this.id, userId: this.#userId },
        now,
      );
      this.#reply(build.authSuccess(this.#name, now, resumeToken));
      if (result.first) {
        this.#enterLobby();
        return;
      }
      // A re-auth under a new name renames us in our room the only way a room allows: a join
      // to it with that name, so everyone hears of it (participants_update).
      const roomId = this.#ctx.directory.roomOf(this.id);
      if (roomId !== undefined && previousName !== this.#name) {
        this.#ctx.directory.join(this, roomId);
      }
    });
  }

  /** Authenticated: in the lobby (room lists pushed) whenever in no room; the list now. */
  #enterLobby(): void {
    this.#ctx.directory.addListener(this);
  }

  #reply(message: ServerMessage): void {
    this.send(encode(message));
  }

  #gone(code: number): void {
    if (this.#state === "closed") return;
    const wasOpen = this.#state === "open";
    this.#state = "closed";
    this.#auth.stop();
    this.#inbox?.clear();
    this.#ctx.directory.removeListener(this);
    // Not a leave: the member is away for the resume grace, and may come back on a new
    // connection (docs/protocol.md 5.10). An explicit leave_room has already left.
    this.#ctx.directory.memberAway(this.id);
    this.#address.release();
    if (wasOpen) this.#ctx.metrics.connectionsClosed.inc(String(code));
    this.#ctx.log.debug("connection closed", { client: this.id, code });
    this.#ctx.onGone(this);
  }
}
