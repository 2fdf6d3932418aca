/**
 * An owner instance's side of the cluster: the members of its rooms whose connections are on
 * other instances. Their commands arrive as `cmd` messages and are posted to the room with a
 * RemoteMember as sender (the same object for every command of a member, so the room's
 * membership holds one identity); what the rooms send them goes into one outbox per instance;
 * and membership changes are told to their instance in order with the frames.
 */
import { build, encode, type ErrorInfo, ERRORS } from "../protocol/mod.ts";
import type { Member, RoomRegistry } from "../rooms/mod.ts";
import type { PeerClocks } from "./peer_clocks.ts";
import type { MemberRef, PeerMessage, WireCommand } from "./peer_messages.ts";
import { PeerOutbox, RemoteMember } from "./remote_member.ts";
import { fromWire } from "./wire_commands.ts";

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
    if (this.#options.registry.roomOf(memberId) === roomId) this.#members.delete(memberId);
  }

  memberResumed(roomId: string, member: Member): void {
    const previous = this.#members.get(member.id);
    const instance = member instanceof RemoteMember ? member.instance : this.#options.self;
    if (previous && previous.instance !== instance) {
      // The session moved away from the instance of its old connection: that one forgets it.
      previous.outbox.event({ ev: "left", room: roomId, member: member.id });
    }
    if (!(member instanceof RemoteMember)) {
      this.#members.delete(member.id);
      return;
    }
    this.#members.set(member.id, member);
    // Its (maybe new) instance learns where the session is, before the frames that follow.
    member.outbox.event({ ev: "joined", room: roomId, member: member.id });
  }

  /** A member connected to `from` commands one of our rooms. */
  onCommand(message: Extract<PeerMessage, { t: "cmd" }>): void {
    const { from, member: ref, cmd } = message;
    const { registry, clocks } = this.#options;
    const room = registry.get(message.room);
    if (!room) return this.#noSuchRoom(from, ref, message.room, cmd);
    if (cmd.kind === "away") return room.post({ kind: "away", memberId: ref.id });
    if (cmd.kind === "resume") {
      const connection = new RemoteMember(this.#outbox(from), ref);
      return room.post({
        kind: "resume",
        memberId: cmd.sessionId,
        connection,
        lastSeq: cmd.lastSeq,
        resumeToken: cmd.resumeToken,
      });
    }
    const toLocal = (t: number | null) => t === null ? null : clocks.toLocal(from, t);
    room.post(fromWire(cmd, this.#memberFor(from, ref), toLocal));
  }

  /** A room of these members stopped here (another instance owns it now): not ours any more. */
  forgetMembers(memberIds: readonly string[]): void {
    for (const id of memberIds) this.#members.delete(id);
  }

  /**
   * `instance` is gone: its connections in our rooms are away, as if their sockets had dropped
   * (they leave when their grace ends, or come back by resuming on another instance).
   */
  instanceGone(instance: string): void {
    for (const member of [...this.#members.values()]) {
      if (member.instance === instance) this.#options.registry.memberAway(member);
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

  /** The Member object for a remote member: the same one for every command it sends. */
  #memberFor(instance: string, ref: MemberRef): RemoteMember {
    const known = this.#members.get(ref.id);
    if (known && known.instance === instance) {
      known.refresh(ref);
      return known;
    }
    const member = new RemoteMember(this.#outbox(instance), ref);
    this.#members.set(ref.id, member);
    return member;
  }

  /** A command for a room that is not (or no longer) here: answered as dispatch would. */
  #noSuchRoom(from: string, ref: MemberRef, roomId: string, cmd: WireCommand): void {
    const reply = (error: ErrorInfo) =>
      new RemoteMember(this.#outbox(from), ref).send(
        encode(build.error(error, this.#options.now(), roomId)),
      );
    switch (cmd.kind) {
      case "ready":
      case "leave":
      case "away":
        return;
      case "resync":
        // It thinks it is in a room that is gone: its instance forgets it.
        this.#outbox(from).event({ ev: "left", room: roomId, member: ref.id });
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
