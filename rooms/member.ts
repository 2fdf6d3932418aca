import type { OutboundFrame } from "../protocol/mod.ts";

/**
 * What a room knows of a participant: an id, a display name, and a way to deliver frames.
 * A member is usually a local socket, but may later be a session on another instance or one
 * that is away and resuming; the room never needs to know which.
 */
export interface Member {
  readonly id: string;
  readonly name: string;
  /** Its own last measured round trip to the server (presence), when it reports one. */
  readonly rttMs?: number | null;
  send(frame: OutboundFrame): void;
  /**
   * The connection continues session `id` (a resume was accepted): from now on it is that
   * member. Connections have it; a member only a room knows of (restored, away) need not.
   */
  adoptId?(id: string): void;
  /**
   * Asks the client to connect again at once and resume (its room moved to another instance
   * while this one had stalled): a connection closes with 1012. Others need not.
   */
  reconnect?(): void;
}
