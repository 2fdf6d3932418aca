import type { OutboundFrame } from "../protocol/mod.ts";

/**
 * Who a participant is, as data: what a room command carries of its sender, and what a room
 * keeps of a member. Plain fields only, so a command can be written out, sent to another
 * instance or stored as it is. The room's own copy of a member's name changes only through a
 * room command (a join with a name), never because a connection's name did.
 */
export interface MemberRef {
  readonly id: string;
  readonly name: string;
}

/**
 * How a room reaches a participant: a local socket, or a member whose connection is on another
 * instance. A room looks its members' ports up by id when it sends (rooms/member_ports.ts); it
 * never holds one in its state.
 */
export interface MemberPort {
  /** Its own last measured round trip to the server (presence), when it reports one. */
  readonly rttMs?: number | null;
  send(frame: OutboundFrame): void;
  /**
   * Asks the client to connect again at once and resume (its room moved to another instance
   * while this one had stalled): a connection closes with 1012. Others need not.
   */
  reconnect?(): void;
  /**
   * The connection continues session `id` (a resume was accepted): from now on it is that
   * member (a connection's own id changes; a remote one tells its instance).
   */
  adoptId?(id: string): void;
}

/**
 * A participant as the server holds it: who it is and how to reach it (a connection, or a
 * member on another instance as its room's owner sees it).
 */
export interface Member extends MemberRef, MemberPort {}

/** A member's reference as data, for a command (never the live object itself). */
export function refOf(member: MemberRef): MemberRef {
  return { id: member.id, name: member.name };
}
