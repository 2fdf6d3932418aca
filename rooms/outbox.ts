/**
 * Everything a room sends goes out here: each message gets the room's next `seq` (so a client
 * can tell stale from fresh, and say after a reconnect what it saw last), is encoded once, and
 * broadcasts are kept in a bounded replay buffer so a member that resumes gets exactly what it
 * missed, in order, or is told the gap is too old.
 */
import { encode, type OutboundFrame, type ServerMessage } from "../protocol/mod.ts";
import type { MemberPort } from "./member.ts";
import type { PortLookup } from "./member_ports.ts";

interface Sent {
  readonly seq: number;
  readonly frame: OutboundFrame;
  /** Who the broadcast left out (the host for its own command, say), or null. */
  readonly exceptId: string | null;
}

export class RoomOutbox {
  readonly #capacity: number;
  #seq = 0;
  /** The last `capacity` broadcasts, oldest first. */
  #sent: Sent[] = [];
  /** The seq of the newest broadcast no longer kept (0: none dropped yet). */
  #droppedThrough = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The seq of the last message the room sent. */
  get lastSeq(): number {
    return this.#seq;
  }

  /**
   * A saved room's numbering goes on from `seq`; what it sent before is not kept, so a member
   * resuming from before gets the room's state afresh.
   */
  continueFrom(seq: number): void {
    this.#seq = seq;
    this.#sent = [];
    this.#droppedThrough = seq;
  }

  /**
   * One message to one member (numbered even when `to` is missing: a member with no port, away,
   * misses it as it would have on a closed socket).
   */
  send(to: MemberPort | undefined, message: ServerMessage): void {
    const frame = this.#stamp(message);
    to?.send(frame);
  }

  /**
   * Encodes once and delivers the same frame to every member in `memberIds` (but `exceptId`)
   * that has a port now; it is kept for replay whoever got it.
   */
  broadcast(
    memberIds: Iterable<string>,
    ports: PortLookup,
    message: ServerMessage,
    exceptId: string | null = null,
  ): void {
    const frame = this.#stamp(message);
    this.#sent.push({ seq: this.#seq, frame, exceptId });
    if (this.#sent.length > this.#capacity) this.#droppedThrough = this.#sent.shift()!.seq;
    for (const id of memberIds) {
      if (id !== exceptId) ports.portOf(id)?.send(frame);
    }
  }

  /**
   * The broadcasts `memberId` was sent after `lastSeq`, in order; null when some of them are no
   * longer kept (the member needs the room's state afresh).
   */
  missedBy(memberId: string, lastSeq: number): OutboundFrame[] | null {
    if (lastSeq >= this.#seq) return [];
    // Private messages are never kept (they went to one member, and an away member is sent
    // none), so only a dropped broadcast can be missing.
    if (lastSeq < this.#droppedThrough) return null;
    return this.#sent
      .filter((sent) => sent.seq > lastSeq && sent.exceptId !== memberId)
      .map((sent) => sent.frame);
  }

  #stamp(message: ServerMessage): OutboundFrame {
    return encode({ ...message, seq: ++this.#seq });
  }
}
