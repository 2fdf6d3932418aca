/**
 * A room's state and the few things every handler needs to do with it: send (through the
 * outbox, so everything carries the room's seq), carry out the playback controller's effects,
 * build room_state, change the host, close. Only the Room (rooms/room.ts) holds one, and only
 * the handlers it calls, one command at a time, touch it.
 */
import {
  build,
  CHAT_HISTORY_MESSAGES,
  type ChatEntry,
  type ControlPolicy,
  type ErrorInfo,
  type HostChangeReason,
  type MembershipPayload,
  type ParticipantInfo,
  type QueueItem,
  REPLAY_BUFFER_MESSAGES,
  RESUME_GRACE_MS,
  type RoomCloseCode,
  type RoomSummary,
  type ServerMessage,
} from "../protocol/mod.ts";
import type { MemberRef } from "./member.ts";
import { Membership } from "./membership.ts";
import { decodeHash, encodeHash } from "./password_codec.ts";
import { ROOM_RECORD_VERSION, type RoomRecord } from "./room_record.ts";
import { RoomOutbox } from "./outbox.ts";
import { PlaybackController, type PlaybackEffect, type Sender } from "./playback_controller.ts";
import { positionAt } from "./policy.ts";
import { RoomTimers } from "./room_timers.ts";
import type { PasswordHash, RoomCommand, RoomOptions } from "./room_types.ts";

export const READY_WAIT_TIMER = "ready_wait";
export const QUEUE_END_TIMER = "queue_end";
export const graceTimer = (memberId: string) => `grace:${memberId}`;

export class RoomCore {
  readonly id: string;
  name: string;
  /** What plays now: changed by set_media and the queue (rooms/room_media.ts). */
  mediaId: string | null;
  mediaUrl: string | null;
  mediaTitle: string | null = null;
  /** The id of the item playing now ("0" for the room's first media). */
  itemId = "0";
  /** Counts the items played: a timer armed for an earlier item is stale. */
  itemSeq = 0;
  /** What comes next, in order. */
  readonly queue: QueueItem[] = [];
  /** Queue item ids are unique within the room. */
  nextItemId = 1;
  maxMembers: number;
  /** The host may change it while the party goes on (set_room_options). */
  handoff: boolean;
  graceMs: number;
  /** Null: an open room. Otherwise the salted hash a join's password must match. */
  password: PasswordHash | null;
  /** In no room list: joined by its id. */
  unlisted: boolean;
  readonly options: RoomOptions;
  /** Replaced only when a saved room is restored (restoreFrom). */
  members: Membership;
  readonly outbox = new RoomOutbox(REPLAY_BUFFER_MESSAGES);
  readonly playback: PlaybackController;
  readonly timers: RoomTimers<RoomCommand>;
  /** When each away member went away: a grace timer from an earlier absence is stale. */
  readonly awaySince = new Map<string, number>();
  /** The last chat messages, oldest first, for late joiners. Never logged. */
  readonly chat: ChatEntry[] = [];
  control: ControlPolicy;
  closed = false;
  summaryDirty = false;
  /** What the last waiting_on said, so it is sent only when it changes. */
  lastWaiting = "[]";

  constructor(options: RoomOptions, post: (command: RoomCommand) => void) {
    this.options = options;
    this.id = options.id;
    this.name = options.name;
    this.mediaId = options.mediaId;
    this.mediaUrl = options.mediaUrl ?? null;
    this.maxMembers = options.maxMembers;
    this.handoff = options.handoff ?? false;
    this.graceMs = options.resumeGraceMs ?? RESUME_GRACE_MS;
    this.password = options.password ?? null;
    this.unlisted = options.unlisted ?? false;
    this.control = options.control ?? "host";
    this.timers = new RoomTimers(options.clock, post);
    this.playback = new PlaybackController(this.id, options.timings, options.startPosition);
    this.members = new Membership(options.host);
  }

  now(): number {
    return this.options.clock.now();
  }

  get hostId(): string {
    return this.members.hostId;
  }

  summary(): RoomSummary {
    return {
      id: this.id,
      name: this.name,
      count: this.members.size,
      media_id: this.mediaId,
      locked: this.password !== null,
    };
  }

  /** Whether `id` may control playback under the room's policy. */
  mayControl(id: string): boolean {
    if (id === this.hostId) return true;
    if (!this.members.has(id)) return false;
    if (this.control === "everyone") return true;
    return this.control === "cohosts" && this.members.isCohost(id);
  }

  /** The sender of a command: under shared control it hears its own command like everyone. */
  sender(id: string): Sender {
    return { id, echo: this.control !== "host" };
  }

  /** One message to `to` (a member, or a sender that is none, as for a refused join). */
  send(to: MemberRef, message: ServerMessage): void {
    this.outbox.send(this.options.ports.portOf(to.id), message);
  }

  /** One message to member `memberId` (nothing when it is not, or no longer, a member). */
  sendTo(memberId: string, message: ServerMessage): void {
    if (this.members.has(memberId)) this.outbox.send(this.options.ports.portOf(memberId), message);
  }

  reply(to: MemberRef, error: ErrorInfo): void {
    this.send(to, build.error(error, this.now(), this.id));
  }

  broadcast(message: ServerMessage, exceptId: string | null = null): void {
    this.outbox.broadcast(this.members.values(), this.options.ports, message, exceptId);
  }

  /** Carries out what the playback controller decided. */
  act(effects: readonly PlaybackEffect[] | null): void {
    for (const effect of effects ?? []) {
      switch (effect.kind) {
        case "broadcast":
          this.broadcast(effect.message, effect.except);
          break;
        case "send":
          this.sendTo(effect.to, effect.message);
          break;
        case "arm_ready_wait":
          this.timers.set(READY_WAIT_TIMER, effect.waitMs, {
            kind: "ready_wait_expired",
            playId: effect.playId,
          });
          break;
        case "cancel_ready_wait":
          this.timers.clear(READY_WAIT_TIMER);
          break;
      }
    }
  }

  /** How long a play may wait now: short when everyone it waits for was ready before. */
  readyWaitMs(): number {
    const timings = this.options.timings;
    return this.members.onlyRebuffering() ? timings.maxRebufferWaitMs : timings.maxReadyWaitMs;
  }

  readinessChanged(): void {
    this.act(this.playback.readinessChanged(this.now(), this.members.allReady()));
  }

  /**
   * Tells everyone whom a waiting play waits for, when that changed (and that it is over, once
   * it fired or was cancelled).
   */
  syncWaitingOn(): void {
    const pending = this.playback.hasPendingPlay;
    const waiting = pending ? this.members.waitingOn() : [];
    const signature = JSON.stringify(waiting);
    if (signature === this.lastWaiting) return;
    this.lastWaiting = signature;
    const deadline = pending ? this.timers.dueAt(READY_WAIT_TIMER) : null;
    this.broadcast(build.waitingOn(this.id, { waiting, deadline_ts: deadline }, this.now()));
  }

  roomState(): ServerMessage {
    const now = this.now();
    const playback = this.playback.playback;
    return build.roomState(this.id, {
      name: this.name,
      host_id: this.hostId,
      participant_count: this.members.size,
      media_id: this.mediaId,
      state: { position: positionAt(playback, now), play_state: playback.playState },
      media_url: this.mediaUrl,
      participants: this.participants(),
      control: this.control,
      playback_rate: playback.rate,
      locked: this.password !== null,
      handoff: this.handoff,
      unlisted: this.unlisted,
      media_title: this.mediaTitle,
      media_item_id: this.itemId,
      queue: this.queue,
    }, now);
  }

  membership(): MembershipPayload {
    return { participant_count: this.members.size, participants: this.participants() };
  }

  /** Every member, with when an away one's grace ends (the page counts it down). */
  participants(): ParticipantInfo[] {
    const ports = this.options.ports;
    const rttOf = (id: string) => ports.portOf(id)?.rttMs ?? null;
    return this.members.participants(rttOf).map((person) => ({
      ...person,
      away_until: person.away ? this.timers.dueAt(graceTimer(person.id)) : null,
    }));
  }

  /** A member is gone for good: out of the members, its grace timer with it. */
  forget(memberId: string): void {
    this.members.remove(memberId);
    this.awaySince.delete(memberId);
    this.timers.clear(graceTimer(memberId));
    this.options.observer.memberLeft(this.id, memberId);
  }

  /**
   * The host role passes to `to`: everyone hears host_changed, and a fresh room_state, which is
   * how the upstream client (which ignores host_changed) learns who the host is.
   */
  setHost(to: string, reason: HostChangeReason): void {
    const previous = this.hostId;
    this.members.setHost(to);
    // The directory shows the host (other instances check it for host-only requests).
    this.summaryDirty = true;
    this.broadcast(build.hostChanged(this.id, {
      host_id: to,
      previous_host_id: previous,
      reason,
    }, this.now()));
    this.broadcast(this.roomState());
  }

  rememberChat(entry: ChatEntry): void {
    this.chat.push(entry);
    if (this.chat.length > CHAT_HISTORY_MESSAGES) this.chat.shift();
  }

  /** The room's whole state as data (rooms/room_record.ts), as it is now. */
  toRecord(): RoomRecord {
    return {
      version: ROOM_RECORD_VERSION,
      id: this.id,
      name: this.name,
      maxMembers: this.maxMembers,
      graceMs: this.graceMs,
      handoff: this.handoff,
      unlisted: this.unlisted,
      control: this.control,
      password: this.password ? encodeHash(this.password) : null,
      media: {
        url: this.mediaUrl,
        mediaId: this.mediaId,
        title: this.mediaTitle,
        itemId: this.itemId,
        itemSeq: this.itemSeq,
        nextItemId: this.nextItemId,
      },
      queue: this.queue.map((item) => ({ ...item })),
      hostId: this.hostId,
      members: this.members.toData().map((member) => ({
        ...member,
        awaySince: this.awaySince.get(member.id) ?? null,
      })),
      playback: structuredClone(this.playback.toData()),
      seq: this.outbox.lastSeq,
      chat: this.chat.map((entry) => ({ ...entry })),
      timers: {
        readyWait: this.timers.dueAt(READY_WAIT_TIMER),
        queueEnd: this.timers.dueAt(QUEUE_END_TIMER),
        queueEndItemSeq: this.timers.dueAt(QUEUE_END_TIMER) === null ? null : this.itemSeq,
      },
      savedAt: this.now(),
    };
  }

  /**
   * Takes a saved room's state (its id is this room's), timers re-armed from the saved
   * deadlines (one already past fires at once, through the queue). Its members are reached
   * through the port table as their sessions resume. False when the record cannot be used (no
   * host among its members).
   */
  restoreFrom(record: RoomRecord): boolean {
    const members = Membership.fromData(record.members, record.hostId);
    if (!members) return false;
    this.members = members;
    this.name = record.name;
    this.maxMembers = record.maxMembers;
    this.graceMs = record.graceMs;
    this.handoff = record.handoff;
    this.unlisted = record.unlisted;
    this.control = record.control;
    this.password = record.password ? decodeHash(record.password) : null;
    this.mediaUrl = record.media.url;
    this.mediaId = record.media.mediaId;
    this.mediaTitle = record.media.title;
    this.itemId = record.media.itemId;
    this.itemSeq = record.media.itemSeq;
    this.nextItemId = record.media.nextItemId;
    this.queue.splice(0, this.queue.length, ...record.queue);
    this.playback.loadData(structuredClone(record.playback));
    this.outbox.continueFrom(record.seq);
    this.chat.splice(0, this.chat.length, ...record.chat);
    this.awaySince.clear();
    const now = this.now();
    const after = (due: number) => Math.max(0, due - now);
    for (const member of record.members) {
      if (!member.away) continue;
      const since = member.awaySince ?? now;
      this.awaySince.set(member.id, since);
      this.timers.set(graceTimer(member.id), after(since + this.graceMs), {
        kind: "grace_expired",
        memberId: member.id,
        awaySince: since,
      });
    }
    const pending = record.playback.pendingPlay;
    // What the members were last told a waiting play waits for (it is said again on change).
    this.lastWaiting = JSON.stringify(pending ? this.members.waitingOn() : []);
    if (pending && record.timers.readyWait !== null) {
      this.timers.set(READY_WAIT_TIMER, after(record.timers.readyWait), {
        kind: "ready_wait_expired",
        playId: pending.id,
      });
    }
    if (record.timers.queueEnd !== null) {
      this.timers.set(QUEUE_END_TIMER, after(record.timers.queueEnd), {
        kind: "queue_end_wait_expired",
        itemSeq: record.timers.queueEndItemSeq ?? this.itemSeq,
      });
    }
    return true;
  }

  /**
   * Stops the room here without closing it (another instance owns it now): its timers stop and
   * nothing is said; the observer hears `retired`, not `closed`, so nothing is removed.
   */
  retire(): void {
    this.timers.clearAll();
    this.closed = true;
    this.options.observer.retired?.(this.id, this.members.ids());
    this.members.clear();
    this.awaySince.clear();
  }

  /** Closes the room: everyone but `exceptId` is told why; every timer is cleared. */
  close(code: RoomCloseCode, exceptId: string | null): void {
    this.act(this.playback.stop());
    this.timers.clearAll();
    this.closed = true;
    this.broadcast(build.roomClosed(this.id, code, this.now()), exceptId);
    for (const id of this.members.ids()) this.options.observer.memberLeft(this.id, id);
    this.members.clear();
    this.awaySince.clear();
    this.chat.length = 0;
    this.options.observer.closed(this.id, code);
  }
}
