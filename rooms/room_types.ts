/**
 * The vocabulary of a room actor: the commands it takes, what it reports to the directory,
 * how it is built, and the read-only snapshot it gives. Kept apart from the actor so a room on
 * another instance (or its proxy) can share the same types.
 */
import type {
  ControlPolicy,
  MediaOp,
  PlayState,
  Readiness,
  RoomCloseCode,
  RoomSummary,
  Timings,
} from "../protocol/mod.ts";
import type { Clock } from "./clock.ts";
import type { MemberRef } from "./member.ts";
import type { PortLookup } from "./member_ports.ts";
import type { PasswordHashData } from "./password_codec.ts";
import type { HostCommand } from "./playback_controller.ts";
import type { Playback, StateUpdateVerdict } from "./policy.ts";

export type RoomCommand =
  | { readonly kind: "open" }
  /**
   * `admitted`: a locked room's password or invite was checked before posting. `name`: the
   * name the joiner asks to be shown by (default: its own); a member already in the room is
   * renamed by it, and everyone is told.
   */
  | {
    readonly kind: "join";
    readonly from: MemberRef;
    readonly admitted?: boolean;
    readonly name?: string;
  }
  /** `hostCode`: why the room closes if the leaver is its host (default: host_left). */
  | { readonly kind: "leave"; readonly from: MemberRef; readonly hostCode?: RoomCloseCode }
  | { readonly kind: "ready"; readonly from: MemberRef; readonly readiness?: Readiness }
  | ({ readonly kind: "player_event"; readonly from: MemberRef } & HostCommand)
  | {
    readonly kind: "state_update";
    readonly from: MemberRef;
    readonly position: number;
    readonly playState: PlayState;
    /** When the host's player was at `position` (null: as the update arrived). */
    readonly atServerTs?: number | null;
  }
  | { readonly kind: "chat"; readonly from: MemberRef; readonly text: string }
  /** The ready-wait timer of pending play `playId` fired. */
  | { readonly kind: "ready_wait_expired"; readonly playId: number }
  | { readonly kind: "close"; readonly code: RoomCloseCode }
  /**
   * Another instance owns the room now (rooms kept in Redis, this one was fenced off): it stops
   * here without a word to anyone (its members go on with the new owner) and is not removed
   * from the store, which is the new owner's.
   */
  | { readonly kind: "retire" }
  /** The member's connection dropped: it is away until it resumes or its grace runs out. */
  | { readonly kind: "away"; readonly memberId: string }
  /** The resume grace of `memberId` ran out (a stale firing does nothing). */
  | { readonly kind: "grace_expired"; readonly memberId: string; readonly awaySince: number }
  /**
   * `memberId`'s session continues on `connection` (its own id, a port in the table). Only when
   * the room accepts it, in the same step, does the connection take the id
   * (RoomObserver.adopting), so nothing is sent between.
   */
  | {
    readonly kind: "resume";
    readonly memberId: string;
    readonly connection: MemberRef;
    readonly lastSeq: number | null;
    /**
     * A fresh resume token for the session, sent in `resumed`. Null: not a new connection but
     * the same one, moving with its room to an instance that adopted it (rooms kept in Redis):
     * it needs no token and no `resumed`, only the room's state afresh.
     */
    readonly resumeToken: string | null;
  }
  /**
   * `from`'s instance may have lost frames on the way (multi-instance, Redis was away): it gets
   * the broadcasts after `lastSeq` again, or the room's state afresh.
   */
  | { readonly kind: "resync"; readonly from: MemberRef; readonly lastSeq: number | null }
  | { readonly kind: "transfer_host"; readonly from: MemberRef; readonly to: string }
  | { readonly kind: "start_anyway"; readonly from: MemberRef }
  | {
    readonly kind: "set_rate";
    readonly from: MemberRef;
    readonly rate: number;
    readonly atServerTs: number | null;
  }
  | { readonly kind: "set_control"; readonly from: MemberRef; readonly control: ControlPolicy }
  /**
   * The host changes the room's options (set_room_options). Each field left undefined stays as
   * it is; `password`: a new hash (hashed before posting, its bytes in base64 so the command
   * stays data) locks the room with it, null unlocks.
   */
  | {
    readonly kind: "set_room_options";
    readonly from: MemberRef;
    readonly password?: PasswordHashData | null;
    readonly handoff?: boolean;
    readonly unlisted?: boolean;
  }
  /** Change what plays, or the queue of what comes next (set_media, queue_*). */
  | { readonly kind: "media"; readonly from: MemberRef; readonly op: MediaOp }
  /**
   * The host's player ended item `itemSeq` a while ago: the next item starts even if someone
   * has not ended (a stale firing, for an item no longer playing, does nothing).
   */
  | { readonly kind: "queue_end_wait_expired"; readonly itemSeq: number }
  | {
    readonly kind: "set_cohost";
    readonly from: MemberRef;
    readonly to: string;
    readonly cohost: boolean;
  };

/** A room password as stored: a salted PBKDF2 hash (server/room_passwords.ts), never the text. */
export interface PasswordHash {
  readonly salt: Uint8Array;
  readonly hash: Uint8Array;
  readonly iterations: number;
}

/** What the room tells the outside world (the registry): the directory of who is where. */
export interface RoomObserver {
  memberJoined(roomId: string, memberId: string): void;
  memberLeft(roomId: string, memberId: string): void;
  /**
   * A resume is accepted: connection `connectionId` becomes session `memberId` now (the
   * directory re-keys its port, and what else it knows by the connection's old id).
   */
  adopting?(roomId: string, connectionId: string, memberId: string): void;
  /** A member resumed on a new connection (the same id, its port the new connection's). */
  memberResumed?(roomId: string, memberId: string): void;
  summaryChanged(summary: RoomSummary): void;
  closed(roomId: string, code: RoomCloseCode): void;
  /** The room stopped here for another instance to own it (`retire`); these were its members. */
  retired?(roomId: string, memberIds: readonly string[]): void;
  /** A state update the room dropped, and why (for metrics and debugging). */
  stateUpdateJudged?(roomId: string, verdict: StateUpdateVerdict): void;
  /** A command changed what a saved room keeps (rooms/room_record.ts): time to save it. */
  changed?(roomId: string): void;
  /** A handler threw: a bug. The room logs it and carries on with the next command. */
  fault?(roomId: string, command: RoomCommand["kind"], error: unknown): void;
}

export interface RoomOptions {
  readonly id: string;
  readonly name: string;
  readonly mediaId: string | null;
  /** Extension: the media every member plays. */
  readonly mediaUrl?: string | null;
  readonly startPosition: number;
  readonly host: MemberRef;
  /** How to reach the members by id (the directory's port table). */
  readonly ports: PortLookup;
  readonly clock: Clock;
  readonly timings: Timings;
  readonly maxMembers: number;
  readonly observer: RoomObserver;
  /** When the host leaves, hand the room to another member instead of closing it. */
  readonly handoff?: boolean;
  /** How long a dropped member stays away before it leaves. */
  readonly resumeGraceMs?: number;
  /** Who may control playback (default: the host). */
  readonly control?: ControlPolicy;
  /** A locked room's password hash; null or absent: an open room. */
  readonly password?: PasswordHash | null;
  /** Left out of every room list; joined by its id (default: listed). */
  readonly unlisted?: boolean;
}

/** A read-only copy of a room's state, for invariant checks, metrics and debugging. */
export interface RoomSnapshot {
  readonly id: string;
  readonly closed: boolean;
  readonly hostId: string;
  readonly memberIds: readonly string[];
  readonly readyIds: readonly string[];
  readonly awayIds: readonly string[];
  readonly cohostIds: readonly string[];
  readonly control: ControlPolicy;
  readonly playback: Playback;
  readonly pendingPlay: boolean;
  readonly mediaUrl: string | null;
  /** Counts the items the room has played: each change of media is a new one. */
  readonly itemSeq: number;
  readonly queueIds: readonly string[];
}
