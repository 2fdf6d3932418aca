/**
 * An owner instance's side of the cluster: the members of its rooms whose connections are on
 * other instances. Their commands arrive as `cmd` messages and are posted to the room as they
 * came, each sender reached through a RemoteMember in the registry's port table (the same one
 * for every command of a member); what the rooms send them goes into one outbox per instance;
 * and membership changes are told to their instance in order with the frames.
 */
import { build, encode, type ErrorInfo, ERRORS } from "../protocol/mod.ts";
import { type MemberCommand, type RoomRegistry, senderOf, withLocalTimes } from "../rooms/mod.ts";
import type { PeerClocks } from "./peer_clocks.ts";
import type { PeerMessage } from "./peer_messages.ts";
import { PeerOutbox, RemoteMember } from "./remote_member.ts";

export interface OwnerSideOptions {
  readonly self: string;
  readonly registry: RoomRegistry;
  readonly clocks: PeerClocks;
  readonly now: () => number;
  /** Publishes one batch to an instance's inbox. */
  readonly publish: (instance: string, text: string) => void;
}

export class OwnerSide {
  readonly #options: OwnerSideOptions;
  readonly #outboxes = new Map<string, PeerOutbox>();
  /** Members of our rooms whose connection is on another instance, by id. */
  readonly #members = new Map<string, RemoteMember>();

  constructor(options: OwnerSideOptions) {
    this.#options = options;
  }

  get remoteMemberCount(): number {
    return this.#members.size;
  }

  /** Sends every batch waiting now (before the link closes). */
  flush(): void {
    for (const outbox of this.#outboxes.values()) outbox.flush();
  }

  memberJoined(roomId: string, memberId: string): void {
    this.#members.get(memberId)?.outbox.event({ ev: "joined", room: roomId, member: memberId });
  }

  memberLeft(roomId: string, memberId: string): void {
    const remote = this.#members.get(memberId);
    if (!remote) return;
    remote.outbox.event({ ev: "left", room: roomId, member: memberId });
    // Still this room's (not one it just moved to): it has no place here any more.
    if (this.#options.registry.roomOf(memberId) === roomId) this.#forget(memberId);
  }

  memberResumed(roomId: string, memberId: string): void {
    const port = this.#options.registry.ports.portOf(memberId);
    const previous = this.#members.get(memberId);
    const instance = port instanceof RemoteMember ? port.instance : this.#options.self;
    if (previous && previous.instance !== instance) {
      // The session moved away from the instance of its old connection: that one forgets it.
      previous.outbox.event({ ev: "left", room: roomId, member: memberId });
    }
    if (!(port instanceof RemoteMember)) {
      this.#members.delete(memberId);
      return;
    }
    this.#members.set(memberId, port);
    // Its (maybe new) instance learns where the session is, before the frames that follow.
    port.outbox.event({ ev: "joined", room: roomId, member: memberId });
  }

  /**
   * A member connected to `from` commands one of our rooms: the command is posted as it came,
   * its times in our clock, once the room can reach its sender.
   */
  onCommand(message: Extract<PeerMessage, { t: "cmd" }>): void {
    const { from, rtt, cmd } = message;
    const { registry, clocks } = this.#options;
    const room = registry.get(message.room);
    if (!room) return this.#noSuchRoom(from, message.room, cmd);
    if (cmd.kind === "away") return room.post(cmd);
    if (cmd.kind === "resume") {
      // A fresh connection, known by its own id until the room accepts it as the session.
      const connection = new RemoteMember(this.#outbox(from), cmd.connection.id, rtt);
      registry.ports.attach(cmd.connection.id, connection);
      room.post(cmd);
      // Refused (accepted, it is the session's member here now): it has no place here.
      if (this.#members.get(cmd.memberId) !== connection) {
        registry.ports.detach(cmd.connection.id, connection);
      }
      return;
    }
    this.#memberFor(from, cmd.from.id, rtt);
    room.post(withLocalTimes(cmd, (t) => clocks.toLocal(from, t)));
    // In none of our rooms after it (a refused join, a chat from a non-member): the port the
    // answer went out through has no place here.
    if (registry.roomOf(cmd.from.id) === undefined) this.#forget(cmd.from.id);
  }

  /** A room of these members stopped here (another instance owns it now): not ours any more. */
  forgetMembers(memberIds: readonly string[]): void {
    for (const id of memberIds) this.#forget(id);
  }

  /**
   * `instance` is gone: its connections in our rooms are away, as if their sockets had dropped
   * (they leave when their grace ends, or come back by resuming on another instance).
   */
  instanceGone(instance: string): void {
    for (const member of [...this.#members.values()]) {
      if (member.instance === instance) this.#options.registry.memberAway(member.id);
    }
    this.#outboxes.delete(instance);
  }

  #outbox(instance: string): PeerOutbox {
    let outbox = this.#outboxes.get(instance);
    if (!outbox) {
      const publish = (text: string) => this.#options.publish(instance, text);
      outbox = new PeerOutbox(instance, publish, this.#options.self);
      this.#outboxes.set(instance, outbox);
    }
    return outbox;
  }

  /**
   * The port of a remote member: the same one for every command it sends, in the registry's
   * table so its rooms reach it.
   */
  #memberFor(instance: string, memberId: string, rttMs: number | null): RemoteMember {
    const known = this.#members.get(memberId);
    if (known && known.instance === instance) {
      known.refresh(rttMs);
      return known;
    }
    const member = new RemoteMember(this.#outbox(instance), memberId, rttMs);
    this.#members.set(memberId, member);
    this.#options.registry.ports.attach(memberId, member);
    return member;
  }

  #forget(memberId: string): void {
    const member = this.#members.get(memberId);
    if (!member) return;
    this.#members.delete(memberId);
    this.#options.registry.ports.detach(memberId, member);
  }

  /** A command for a room that is not (or no longer) here: answered as dispatch would. */
  #noSuchRoom(from: string, roomId: string, cmd: MemberCommand): void {
    const senderId = senderOf(cmd)!.id;
    const reply = (error: ErrorInfo) =>
      new RemoteMember(this.#outbox(from), senderId, null).send(
        encode(build.error(error, this.#options.now(), roomId)),
      );
    switch (cmd.kind) {
      case "ready":
      case "leave":
      case "away":
        return;
      case "resync":
        // It thinks it is in a room that is gone: its instance forgets it.
        this.#outbox(from).event({ ev: "left", room: roomId, member: senderId });
        return;
      case "chat":
        return reply(ERRORS.notInRoom);
      case "resume":
        return reply(ERRORS.sessionExpired);
      default:
        return reply(ERRORS.roomNotFound);
    }
  }
}
