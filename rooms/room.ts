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
  encode,
  type ErrorInfo,
  ERRORS,
  type MembershipPayload,
  type OutboundFrame,
  type ParticipantInfo,
  type RoomSummary,
  sanitizeChatText,
  type ServerMessage,
} from "../protocol/mod.ts";
import type { Clock } from "./clock.ts";
import type { Member } from "./member.ts";
import { PlaybackController, type PlaybackEffect } from "./playback_controller.ts";
import { positionAt } from "./policy.ts";
import { RoomTimers } from "./room_timers.ts";
import type { RoomCommand, RoomObserver, RoomOptions, RoomSnapshot } from "./room_types.ts";

export type { RoomCommand, RoomObserver, RoomOptions, RoomSnapshot } from "./room_types.ts";

export const HOST_LEFT_REASON = "Host left the room";
export const HOST_NEW_ROOM_REASON = "Host started a new room";
export const SERVER_SHUTDOWN_REASON = "Server shutting down";

const READY_WAIT_TIMER = "ready_wait";

export class Room {
  readonly id: string;
  readonly #name: string;
  readonly #mediaId: string | null;
  readonly #mediaUrl: string | null;
  /** The host never changes: when the host leaves, the room closes. */
  readonly hostId: string;
  readonly maxMembers: number;
  readonly #clock: Clock;
  readonly #timings: RoomOptions["timings"];
  readonly #observer: RoomObserver;
  readonly #timers: RoomTimers<RoomCommand>;

  /** Insertion-ordered: broadcasts reach members in the order they joined. */
  readonly #members = new Map<string, Member>();
  /** Always a subset of the members. */
  readonly #ready = new Set<string>();
  readonly #playback: PlaybackController;

  readonly #queue: RoomCommand[] = [];
  #draining = false;
  #closed = false;
  #summaryDirty = false;

  constructor(options: RoomOptions) {
    this.id = options.id;
    this.#name = options.name;
    this.#mediaId = options.mediaId;
    this.#mediaUrl = options.mediaUrl ?? null;
    this.hostId = options.host.id;
    this.#clock = options.clock;
    this.#timings = options.timings;
    this.maxMembers = options.maxMembers;
    this.#observer = options.observer;
    this.#timers = new RoomTimers(options.clock, (command) => this.post(command));
    this.#playback = new PlaybackController(this.id, options.timings, options.startPosition);
    // The creator is host, a member, and already ready (protocol 3.2); "open" announces it.
    this.#members.set(options.host.id, options.host);
    this.#ready.add(options.host.id);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get memberCount(): number {
    return this.#members.size;
  }

  /** The only way in. Commands run one at a time, in the order posted. */
  post(command: RoomCommand): void {
    if (this.#closed) {
      // A join that raced with the room closing must still get an answer.
      if (command.kind === "join") this.#reply(command.from, ERRORS.roomNotFound);
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
      memberIds: [...this.#members.keys()],
      readyIds: [...this.#ready],
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
      if ("from" in command) this.#reply(command.from, ERRORS.internal);
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
        return this.#onLeave(command.from, command.hostReason ?? HOST_LEFT_REASON);
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
    }
  }

  #onOpen(): void {
    const host = this.#members.get(this.hostId);
    if (host) this.#observer.memberJoined(this.id, host.id);
    if (host) this.#send(host, this.#roomState());
    this.#summaryDirty = true;
  }

  #onJoin(joiner: Member): void {
    if (this.#members.has(joiner.id)) {
      this.#send(joiner, this.#roomState());
      return;
    }
    if (this.#members.size >= this.maxMembers) {
      this.#reply(joiner, ERRORS.roomFull);
      return;
    }
    // A joiner is NOT ready: it must say so once its player can play (protocol 3.3).
    this.#members.set(joiner.id, joiner);
    this.#observer.memberJoined(this.id, joiner.id);
    this.#send(joiner, this.#roomState());
    const now = this.#clock.now();
    this.#broadcast(
      build.participantsUpdate(this.id, joiner.id, this.#membership(), now),
      joiner.id,
    );
    this.#summaryDirty = true;
  }

  #onLeave(leaver: Member, hostReason: string): void {
    if (!this.#members.has(leaver.id)) return;
    if (leaver.id === this.hostId) {
      this.#close(hostReason, leaver.id);
      return;
    }
    this.#members.delete(leaver.id);
    this.#ready.delete(leaver.id);
    this.#observer.memberLeft(this.id, leaver.id);
    const now = this.#clock.now();
    this.#broadcast(build.clientLeft(this.id, leaver.id, this.#membership(), now));
    this.#summaryDirty = true;
    // A not-ready member leaving may be what completes the ready set.
    this.#readinessChanged();
  }

  #onReady(member: Member): void {
    // Ready from a non-member never counts (protocol 5.2).
    if (!this.#members.has(member.id)) return;
    this.#ready.add(member.id);
    this.#readinessChanged();
  }

  #readinessChanged(): void {
    this.#act(this.#playback.readinessChanged(this.#now(), this.hostId, this.#allReady()));
  }

  #onPlayerEvent(command: Extract<RoomCommand, { kind: "player_event" }>): void {
    if (command.from.id !== this.hostId) {
      this.#reply(command.from, ERRORS.notHostPlayback);
      return;
    }
    this.#act(this.#playback.command(this.#now(), this.hostId, command, this.#allReady()));
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

  #now(): number {
    return this.#clock.now();
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
    const now = this.#clock.now();
    this.#broadcast(build.chatMessage(this.id, sender.id, sender.name, text.text, now));
  }

  #allReady(): boolean {
    // The ready set is kept a subset of the members, so equal sizes mean every member.
    return this.#ready.size === this.#members.size;
  }

  /** Closes the room: everyone but `exceptId` is told why; every timer is cleared. */
  #close(reason: string, exceptId: string | null): void {
    this.#act(this.#playback.stop());
    this.#timers.clearAll();
    this.#closed = true;
    this.#broadcast(build.roomClosed(this.id, reason, this.#clock.now()), exceptId);
    for (const id of this.#members.keys()) this.#observer.memberLeft(this.id, id);
    this.#members.clear();
    this.#ready.clear();
    this.#observer.closed(this.id, reason);
  }

  #roomState(): ServerMessage {
    const now = this.#clock.now();
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
      participants: this.#participants(),
    }, now);
  }

  #membership(): MembershipPayload {
    return { participant_count: this.#members.size, participants: this.#participants() };
  }

  #participants(): ParticipantInfo[] {
    return [...this.#members.values()].map((member) => ({
      id: member.id,
      name: member.name,
      is_host: member.id === this.hostId,
      ready: this.#ready.has(member.id),
    }));
  }

  #reply(to: Member, error: ErrorInfo): void {
    this.#send(to, build.error(error, this.#clock.now(), this.id));
  }

  #send(to: Member, message: ServerMessage): void {
    to.send(encode(message));
  }

  /** Encodes once and delivers the same frame to every member (but `exceptId`). */
  #broadcast(message: ServerMessage, exceptId: string | null = null): void {
    const frame: OutboundFrame = encode(message);
    for (const member of this.#members.values()) {
      if (member.id !== exceptId) member.send(frame);
    }
  }
}
