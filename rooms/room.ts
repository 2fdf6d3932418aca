/**
 * One watch party as an actor (DESIGN.md): the room alone owns its members, host, readiness,
 * playback state, pending play, chat history and timers (all in its RoomCore). Commands
 * arrive through `post` and are applied one at a time, start to finish; a command posted while
 * another is being applied (a timer, or a member whose socket closed during a send) waits its
 * turn. Timers fire by posting a command, so a timer and a message never interleave. Handlers
 * are synchronous; anything async (token and password checks) happens before a command is
 * posted. The handlers live in room_membership.ts and room_control.ts.
 */
import { build, ERRORS, type RoomSummary, sanitizeChatText } from "../protocol/mod.ts";
import type { MemberRef } from "./member.ts";
import { RoomCore } from "./room_core.ts";
import {
  onAway,
  onGraceExpired,
  onJoin,
  onLeave,
  onOpen,
  onReady,
  onResume,
  onResync,
} from "./room_membership.ts";
import {
  onPlayerEvent,
  onSetCohost,
  onSetControl,
  onSetRate,
  onSetRoomOptions,
  onStartAnyway,
  onStateUpdate,
  onTransferHost,
} from "./room_control.ts";
import { onMedia, onQueueEndWaitExpired } from "./room_media.ts";
import type { RoomCommand, RoomOptions, RoomSnapshot } from "./room_types.ts";
import type { RoomRecord } from "./room_record.ts";

/** What a saved room needs to live again in this process. */
export interface RoomRestoreOptions {
  readonly clock: RoomOptions["clock"];
  readonly timings: RoomOptions["timings"];
  readonly observer: RoomOptions["observer"];
  /** How to reach the members (each one's port appears as its session resumes). */
  readonly ports: RoomOptions["ports"];
}

export type { RoomCommand, RoomObserver, RoomOptions, RoomSnapshot } from "./room_types.ts";

export class Room {
  readonly id: string;
  readonly maxMembers: number;
  readonly #core: RoomCore;
  readonly #queue: RoomCommand[] = [];
  #draining = false;

  constructor(options: RoomOptions) {
    this.id = options.id;
    this.maxMembers = options.maxMembers;
    this.#core = new RoomCore(options, (command) => this.post(command));
  }

  /**
   * A saved room made live again (rooms/room_record.ts): the same id, members (each reached
   * once its session resumes), roles, timeline, queue, chat and numbering,
   * its timers re-armed from their deadlines. Null when the record cannot be used.
   */
  static restore(record: RoomRecord, options: RoomRestoreOptions): Room | null {
    const hostData = record.members.find((member) => member.id === record.hostId);
    if (!hostData) return null;
    const room = new Room({
      id: record.id,
      name: record.name,
      mediaId: record.media.mediaId,
      mediaUrl: record.media.url,
      startPosition: 0,
      host: hostData,
      ports: options.ports,
      clock: options.clock,
      timings: options.timings,
      maxMembers: record.maxMembers,
      observer: options.observer,
      resumeGraceMs: record.graceMs,
    });
    return room.#core.restoreFrom(record) ? room : null;
  }

  /** The room's whole state as data, to be saved (and restored with Room.restore). */
  record(): RoomRecord {
    return this.#core.toRecord();
  }

  get closed(): boolean {
    return this.#core.closed;
  }

  get hostId(): string {
    return this.#core.hostId;
  }

  get memberCount(): number {
    return this.#core.members.size;
  }

  /** The room's password check as it is now (the host may change it), or null when open. */
  get password(): RoomOptions["password"] {
    return this.#core.password;
  }

  /** Whether the room is left out of room lists (joined by its id only). */
  get unlisted(): boolean {
    return this.#core.unlisted;
  }

  /** The only way in. Commands run one at a time, in the order posted. */
  post(command: RoomCommand): void {
    const core = this.#core;
    if (core.closed) {
      // A join or resume that raced with the room closing must still get an answer.
      if (command.kind === "join") core.reply(command.from, ERRORS.roomNotFound);
      if (command.kind === "resume") core.reply(command.connection, ERRORS.sessionExpired);
      return;
    }
    this.#queue.push(command);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        if (core.closed) break;
        this.#run(next);
      }
    } finally {
      this.#draining = false;
      this.#queue.length = 0;
    }
  }

  snapshot(): RoomSnapshot {
    const core = this.#core;
    return {
      id: this.id,
      closed: core.closed,
      hostId: core.hostId,
      memberIds: core.members.ids(),
      readyIds: core.members.readyIds(),
      awayIds: core.members.awayIds(),
      cohostIds: core.members.cohostIds(),
      control: core.control,
      playback: core.playback.playback,
      pendingPlay: core.playback.hasPendingPlay,
      mediaUrl: core.mediaUrl,
      itemSeq: core.itemSeq,
      queueIds: core.queue.map((item) => item.id),
    };
  }

  summary(): RoomSummary {
    return this.#core.summary();
  }

  #run(command: RoomCommand): void {
    const core = this.#core;
    try {
      this.#apply(command);
      if (!core.closed) core.syncWaitingOn();
    } catch (error) {
      core.options.observer.fault?.(this.id, command.kind, error);
      const to = "from" in command
        ? command.from
        : "connection" in command
        ? command.connection
        : null;
      if (to) core.reply(to, ERRORS.internal);
    }
    if (core.summaryDirty && !core.closed) {
      core.summaryDirty = false;
      core.options.observer.summaryChanged(core.summary());
    }
    // What is worth keeping changed (not the host's position reports, nor a resend).
    if (!core.closed && !UNSAVED_COMMANDS.has(command.kind)) {
      core.options.observer.changed?.(this.id);
    }
  }

  #apply(command: RoomCommand): void {
    // TypeScript cannot pair a union's member with its key's handler; the table's type does.
    const handler = ROOM_COMMAND_HANDLERS[command.kind] as CommandHandler<RoomCommand["kind"]>;
    handler(this.#core, command);
  }
}

/**
 * Commands after which a saved room need not be saved again: the host's state updates (once a
 * second; a restored timeline goes on from the last command, within a state update's filter),
 * and a resync (it only resends).
 */
const UNSAVED_COMMANDS: ReadonlySet<RoomCommand["kind"]> = new Set(["state_update", "resync"]);

type CommandOf<K extends RoomCommand["kind"]> = Extract<RoomCommand, { kind: K }>;
type CommandHandler<K extends RoomCommand["kind"]> = (
  core: RoomCore,
  command: CommandOf<K>,
) => void;

/**
 * One handler for every room command: a command kind added to RoomCommand without one here
 * fails `deno check` (tests/unit/handler_tables_test.ts shows it).
 */
export type RoomCommandHandlers = { readonly [K in RoomCommand["kind"]]: CommandHandler<K> };

export const ROOM_COMMAND_HANDLERS: RoomCommandHandlers = {
  open: (core) => onOpen(core),
  join: (core, command) => onJoin(core, command.from, command.admitted ?? false, command.name),
  leave: (core, command) => onLeave(core, command.from.id, command.hostCode ?? "host_left"),
  ready: (core, command) => onReady(core, command.from, command.readiness ?? "ready"),
  player_event: onPlayerEvent,
  state_update: onStateUpdate,
  chat: (core, command) => onChat(core, command.from, command.text),
  ready_wait_expired: (core, command) =>
    core.act(core.playback.readyWaitExpired(core.now(), command.playId)),
  close: (core, command) => core.close(command.code, null),
  retire: (core) => core.retire(),
  away: (core, command) => onAway(core, command.memberId),
  grace_expired: (core, command) => onGraceExpired(core, command.memberId, command.awaySince),
  resume: onResume,
  resync: (core, command) => onResync(core, command.from, command.lastSeq),
  transfer_host: (core, command) => onTransferHost(core, command.from, command.to),
  start_anyway: (core, command) => onStartAnyway(core, command.from),
  set_rate: onSetRate,
  set_control: (core, command) => onSetControl(core, command.from, command.control),
  set_room_options: onSetRoomOptions,
  set_cohost: (core, command) => onSetCohost(core, command.from, command.to, command.cohost),
  media: (core, command) => onMedia(core, command.from, command.op),
  queue_end_wait_expired: (core, command) => onQueueEndWaitExpired(core, command.itemSeq),
};

/** Chat goes to every member, and into the room's short history for later joiners. */
function onChat(core: RoomCore, sender: MemberRef, rawText: string): void {
  if (!core.members.has(sender.id)) return core.reply(sender, ERRORS.notInRoom);
  const text = sanitizeChatText(rawText);
  if (!text.ok) {
    return core.reply(sender, text.reason === "empty" ? ERRORS.chatEmpty : ERRORS.chatTooLong);
  }
  const now = core.now();
  const name = core.members.nameOf(sender.id) ?? sender.name;
  core.broadcast(build.chatMessage(core.id, sender.id, name, text.text, now));
  core.rememberChat({
    client: sender.id,
    username: name,
    text: text.text,
    server_ts: now,
  });
}
