/**
 * One watch party as an actor (DESIGN.md): the room alone owns its members, host, ready set,
 * playback state, pending play and timers. Commands arrive through `post` and are applied one
 * at a time, start to finish; a command posted while another is being applied (a timer, or a
 * member whose socket closed during a send) waits its turn. Timers fire by posting a command,
 * so a timer and a message never interleave. Handlers are synchronous; anything async (token
 * checks, a remote store) happens before a command is posted.
 */
import {
  build,
  type ErrorInfo,
  ERRORS,
  type HostChangeReason,
  type MembershipPayload,
  REPLAY_BUFFER_MESSAGES,
  RESUME_GRACE_MS,
  type RoomSummary,
  sanitizeChatText,
  type ServerMessage,
} from "../protocol/mod.ts";
import type { Clock } from "./clock.ts";
import type { Member } from "./member.ts";
import { Membership } from "./membership.ts";
import { RoomOutbox } from "./outbox.ts";
import { PlaybackController, type PlaybackEffect } from "./playback_controller.ts";
import { positionAt } from "./policy.ts";
import { RoomTimers } from "./room_timers.ts";
import type { RoomCommand, RoomObserver, RoomOptions, RoomSnapshot } from "./room_types.ts";

export type { RoomCommand, RoomObserver, RoomOptions, RoomSnapshot } from "./room_types.ts";

export const HOST_LEFT_REASON = "Host left the room";
export const HOST_NEW_ROOM_REASON = "Host started a new room";
export const SERVER_SHUTDOWN_REASON = "Server shutting down";
export const ROOM_EMPTY_REASON = "Everyone left the room";

const READY_WAIT_TIMER = "ready_wait";
const graceTimer = (memberId: string) => `grace:${memberId}`;

export class Room {
  readonly id: string;
  readonly #name: string;
  readonly #mediaId: string | null;
  readonly #mediaUrl: string | null;
  readonly maxMembers: number;
  readonly #handoff: boolean;
  readonly #graceMs: number;
  readonly #clock: Clock;
  readonly #timings: RoomOptions["timings"];
  readonly #observer: RoomObserver;
  readonly #timers: RoomTimers<RoomCommand>;
  readonly #members: Membership;
  readonly #outbox = new RoomOutbox(REPLAY_BUFFER_MESSAGES);
  readonly #playback: PlaybackController;
  /** When each away member went away: a grace timer from an earlier absence is stale. */
  readonly #awaySince = new Map<string, number>();

  readonly #queue: RoomCommand[] = [];
  #draining = false;
  #closed = false;
  #summaryDirty = false;

  constructor(options: RoomOptions) {
    this.id = options.id;
    this.#name = options.name;
    this.#mediaId = options.mediaId;
    this.#mediaUrl = options.mediaUrl ?? null;
    this.#handoff = options.handoff ?? false;
    this.#graceMs = options.resumeGraceMs ?? RESUME_GRACE_MS;
    this.#clock = options.clock;
    this.#timings = options.timings;
    this.maxMembers = options.maxMembers;
    this.#observer = options.observer;
    this.#timers = new RoomTimers(options.clock, (command) => this.post(command));
    this.#playback = new PlaybackController(this.id, options.timings, options.startPosition);
    // The creator is host, a member, and already ready (protocol 3.2); "open" announces it.
    this.#members = new Membership(options.host);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get hostId(): string {
    return this.#members.hostId;
  }

  get memberCount(): number {
    return this.#members.size;
  }

  /** The only way in. Commands run one at a time, in the order posted. */
  post(command: RoomCommand): void {
    if (this.#closed) {
      // A join or resume that raced with the room closing must still get an answer.
      if (command.kind === "join") this.#reply(command.from, ERRORS.roomNotFound);
      if (command.kind === "resume") this.#reply(command.connection, ERRORS.sessionExpired);
      return;
    }
    this.#queue.push(command);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        if (this.#closed) break;
        this.#run(next);
      }
    } finally {
      this.#draining = false;
      this.#queue.length = 0;
    }
  }

  snapshot(): RoomSnapshot {
    return {
      id: this.id,
      closed: this.#closed,
      hostId: this.hostId,
      memberIds: this.#members.ids(),
      readyIds: this.#members.readyIds(),
      awayIds: this.#members.awayIds(),
      playback: this.#playback.playback,
      pendingPlay: this.#playback.hasPendingPlay,
    };
  }

  summary(): RoomSummary {
    return { id: this.id, name: this.#name, count: this.#members.size, media_id: this.#mediaId };
  }

  #run(command: RoomCommand): void {
    try {
      this.#apply(command);
    } catch (error) {
      this.#observer.fault?.(this.id, command.kind, error);
      const to = "from" in command
        ? command.from
        : "connection" in command
        ? command.connection
        : null;
      if (to) this.#reply(to, ERRORS.internal);
    }
    if (this.#summaryDirty && !this.#closed) {
      this.#summaryDirty = false;
      this.#observer.summaryChanged(this.summary());
    }
  }

  #apply(command: RoomCommand): void {
    switch (command.kind) {
      case "open":
        return this.#onOpen();
      case "join":
        return this.#onJoin(command.from);
      case "leave":
        return this.#onLeave(command.from.id, command.hostReason ?? HOST_LEFT_REASON);
      case "ready":
        return this.#onReady(command.from);
      case "player_event":
        return this.#onPlayerEvent(command);
      case "state_update":
        return this.#onStateUpdate(command);
      case "chat":
        return this.#onChat(command.from, command.text);
      case "ready_wait_expired":
        return this.#act(this.#playback.readyWaitExpired(this.#now(), this.hostId, command.playId));
      case "close":
        return this.#close(command.reason, null);
      case "away":
        return this.#onAway(command.memberId);
      case "grace_expired":
        return this.#onGraceExpired(command.memberId, command.awaySince);
      case "resume":
        return this.#onResume(command);
      case "transfer_host":
        return this.#onTransferHost(command.from, command.to);
    }
  }

  #onOpen(): void {
    const host = this.#members.get(this.hostId);
    if (!host) return;
    this.#observer.memberJoined(this.id, host.id);
    this.#outbox.send(host, this.#roomState());
    this.#summaryDirty = true;
  }

  #onJoin(joiner: Member): void {
    if (this.#members.has(joiner.id)) {
      this.#outbox.send(joiner, this.#roomState());
      return;
    }
    if (this.#members.size >= this.maxMembers) {
      this.#reply(joiner, ERRORS.roomFull);
      return;
    }
    // A joiner is NOT ready: it must say so once its player can play (protocol 3.3).
    this.#members.add(joiner);
    this.#observer.memberJoined(this.id, joiner.id);
    this.#outbox.send(joiner, this.#roomState());
    const now = this.#now();
    this.#broadcast(
      build.participantsUpdate(this.id, joiner.id, this.#membership(), now),
      joiner.id,
    );
    this.#summaryDirty = true;
  }

  /** A member leaves for good: by leave_room, by disconnecting for too long, or by a switch. */
  #onLeave(leaverId: string, hostReason: string, graceOver = false): void {
    if (!this.#members.has(leaverId)) return;
    if (leaverId === this.hostId) {
      const successor = this.#members.successor();
      // The host's room closes when it leaves (the upstream behaviour), unless it was made
      // to be handed over, or the host lost its connection and never came back.
      if (successor === null || !(this.#handoff || graceOver)) {
        this.#close(successor === null && graceOver ? ROOM_EMPTY_REASON : hostReason, leaverId);
        return;
      }
      this.#setHost(successor, graceOver ? "host_timeout" : "host_left");
    }
    this.#forget(leaverId);
    this.#broadcast(build.clientLeft(this.id, leaverId, this.#membership(), this.#now()));
    this.#summaryDirty = true;
    // A not-ready member leaving may be what completes the ready set.
    this.#readinessChanged();
  }

  #onReady(member: Member): void {
    // Ready from a non-member never counts (protocol 5.2).
    if (!this.#members.markReady(member.id)) return;
    this.#broadcast(
      build.participantsUpdate(this.id, member.id, this.#membership(), this.#now()),
    );
    this.#readinessChanged();
  }

  #readinessChanged(): void {
    this.#act(this.#playback.readinessChanged(this.#now(), this.hostId, this.#members.allReady()));
  }

  #onAway(memberId: string): void {
    if (!this.#members.has(memberId) || this.#members.isAway(memberId)) return;
    const since = this.#now();
    this.#members.setAway(memberId);
    this.#awaySince.set(memberId, since);
    this.#timers.set(graceTimer(memberId), this.#graceMs, {
      kind: "grace_expired",
      memberId,
      awaySince: since,
    });
    this.#broadcast(
      build.participantsUpdate(this.id, memberId, this.#membership(), since),
      memberId,
    );
    // An away member no longer holds a pending play back.
    this.#readinessChanged();
  }

  #onGraceExpired(memberId: string, awaySince: number): void {
    if (!this.#members.isAway(memberId) || this.#awaySince.get(memberId) !== awaySince) return;
    this.#onLeave(memberId, HOST_LEFT_REASON, true);
  }

  #onResume(command: Extract<RoomCommand, { kind: "resume" }>): void {
    const { memberId, connection } = command;
    if (!this.#members.has(memberId)) return this.#reply(connection, ERRORS.sessionExpired);
    if (!this.#members.isAway(memberId)) return this.#reply(connection, ERRORS.sessionInUse);
    command.adopt(); // the connection is `memberId` from here on
    this.#members.return(connection);
    this.#awaySince.delete(memberId);
    this.#timers.clear(graceTimer(memberId));
    this.#observer.memberResumed?.(this.id, connection);
    const missed = command.lastSeq === null
      ? null
      : this.#outbox.missedBy(memberId, command.lastSeq);
    const now = this.#now();
    this.#outbox.send(
      connection,
      build.resumed(memberId, {
        client_id: memberId,
        resume_token: command.resumeToken,
        room: this.id,
        replayed: missed?.length ?? 0,
        state_follows: missed === null,
      }, now),
    );
    if (missed === null) this.#outbox.send(connection, this.#roomState());
    else for (const frame of missed) connection.send(frame);
    this.#broadcast(build.participantsUpdate(this.id, memberId, this.#membership(), now), memberId);
  }

  #onTransferHost(from: Member, to: string): void {
    if (from.id !== this.hostId) return this.#reply(from, ERRORS.notHostTransfer);
    if (!this.#members.has(to) || to === from.id) return this.#reply(from, ERRORS.noSuchMember);
    this.#setHost(to, "transfer");
  }

  /**
   * The host role passes to `to`: everyone hears host_changed, and a fresh room_state, which is
   * how the upstream client (which ignores host_changed) learns who the host is.
   */
  #setHost(to: string, reason: HostChangeReason): void {
    const previous = this.hostId;
    this.#members.setHost(to);
    const now = this.#now();
    this.#broadcast(build.hostChanged(this.id, {
      host_id: to,
      previous_host_id: previous,
      reason,
    }, now));
    this.#broadcast(this.#roomState());
  }

  #onPlayerEvent(command: Extract<RoomCommand, { kind: "player_event" }>): void {
    if (command.from.id !== this.hostId) {
      this.#reply(command.from, ERRORS.notHostPlayback);
      return;
    }
    const allReady = this.#members.allReady();
    this.#act(this.#playback.command(this.#now(), this.hostId, command, allReady));
  }

  #onStateUpdate(command: Extract<RoomCommand, { kind: "state_update" }>): void {
    if (command.from.id !== this.hostId) {
      this.#reply(command.from, ERRORS.notHostState);
      return;
    }
    const { verdict, effects } = this.#playback.stateUpdate(
      this.#now(),
      this.hostId,
      command.position,
      command.playState,
      command.atServerTs ?? null,
    );
    this.#act(effects);
    this.#observer.stateUpdateJudged?.(this.id, verdict);
  }

  /** Carries out what the playback controller decided. */
  #act(effects: readonly PlaybackEffect[]): void {
    for (const effect of effects) {
      switch (effect.kind) {
        case "broadcast":
          this.#broadcast(effect.message, effect.includeHost ? null : this.hostId);
          break;
        case "arm_ready_wait":
          this.#timers.set(READY_WAIT_TIMER, this.#timings.maxReadyWaitMs, {
            kind: "ready_wait_expired",
            playId: effect.playId,
          });
          break;
        case "cancel_ready_wait":
          this.#timers.clear(READY_WAIT_TIMER);
          break;
      }
    }
  }

  #onChat(sender: Member, rawText: string): void {
    if (!this.#members.has(sender.id)) {
      this.#reply(sender, ERRORS.notInRoom);
      return;
    }
    const text = sanitizeChatText(rawText);
    if (!text.ok) {
      this.#reply(sender, text.reason === "empty" ? ERRORS.chatEmpty : ERRORS.chatTooLong);
      return;
    }
    const now = this.#now();
    this.#broadcast(build.chatMessage(this.id, sender.id, sender.name, text.text, now));
  }

  /** Closes the room: everyone but `exceptId` is told why; every timer is cleared. */
  #close(reason: string, exceptId: string | null): void {
    this.#act(this.#playback.stop());
    this.#timers.clearAll();
    this.#closed = true;
    this.#broadcast(build.roomClosed(this.id, reason, this.#now()), exceptId);
    for (const id of this.#members.ids()) this.#observer.memberLeft(this.id, id);
    this.#members.clear();
    this.#awaySince.clear();
    this.#observer.closed(this.id, reason);
  }

  #forget(memberId: string): void {
    this.#members.remove(memberId);
    this.#awaySince.delete(memberId);
    this.#timers.clear(graceTimer(memberId));
    this.#observer.memberLeft(this.id, memberId);
  }

  #roomState(): ServerMessage {
    const now = this.#now();
    return build.roomState(this.id, {
      name: this.#name,
      host_id: this.hostId,
      participant_count: this.#members.size,
      media_id: this.#mediaId,
      state: {
        position: positionAt(this.#playback.playback, now),
        play_state: this.#playback.playback.playState,
      },
      media_url: this.#mediaUrl,
      participants: this.#members.participants(),
    }, now);
  }

  #membership(): MembershipPayload {
    return {
      participant_count: this.#members.size,
      participants: this.#members.participants(),
    };
  }

  #reply(to: Member, error: ErrorInfo): void {
    this.#outbox.send(to, build.error(error, this.#now(), this.id));
  }

  #broadcast(message: ServerMessage, exceptId: string | null = null): void {
    this.#outbox.broadcast(this.#members.values(), message, exceptId);
  }

  #now(): number {
    return this.#clock.now();
  }
}
