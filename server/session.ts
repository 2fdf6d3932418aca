/**
 * What a message handler gets (server/dispatch.ts, server/room_access.ts): the sender as a
 * session, and the server's parts it may use. Its own file so that the handlers' modules
 * depend on it and not on each other.
 */
import type { ErrorInfo } from "../protocol/mod.ts";
import type { Clock, Member, RoomDirectory } from "../rooms/mod.ts";
import type { InviteTokens } from "./invites.ts";
import type { Logger } from "./log.ts";
import type { ServerMetrics } from "./metrics.ts";
import type { ResumeTokens } from "./resume_tokens.ts";

/** The sender as dispatch sees it: a member that can be renamed and answered. */
export interface Session extends Member {
  /** With auth off, `user_name` in a payload names the user; with auth on it never does. */
  adoptUserName(raw: string | null | undefined): void;
  sendError(error: ErrorInfo, room?: string | null): void;
  /** Takes one room creation from the sender's budget; false when it is spent. */
  allowRoomCreation(): boolean;
  /** The authenticated user (auth on), or null. */
  readonly userId: string | null;
  /** The session continues under `id` (a resume was accepted). */
  adoptId(id: string): void;
  /** The client's own measured round trip, from its pings. */
  noteRtt(rttMs: number | null): void;
  /** Whether the client's address may try a room password now. */
  mayTryPassword(): boolean;
  /** A wrong password: one less guess for the client's address. */
  wrongPassword(): void;
}

export interface DispatchContext {
  readonly clock: Clock;
  readonly directory: RoomDirectory;
  readonly log: Logger;
  readonly metrics: ServerMetrics;
  readonly resumeTokens: ResumeTokens;
  /** Null when auth is off. */
  readonly authenticator: unknown;
  readonly invites: InviteTokens;
}
