/**
 * Everything the cluster needs from what connects the instances: messages between them, and the
 * few shared facts they keep together (whose lease is alive, where each member's session is,
 * the room directory, and with kept rooms, the rooms themselves). Named by purpose, so that the
 * cluster (cluster/cluster.ts) says what it does and not how Redis spells it.
 *
 * Two implementations: Redis (cluster/redis_transport.ts), what a deployment runs; and the
 * memory bus (cluster/memory_bus.ts), several instances in one process on manual clocks, for
 * tests that advance time instead of waiting for it.
 *
 * Every operation may fail (the link is down, or drops on the way): callers catch, as they did
 * with Redis. Messages are text, and the cluster parses each one with its schema.
 */
import type { SharedRoomStore, SharedRoomStoreOptions } from "../store/shared_room_store.ts";

export interface TransportEvents {
  /** In touch (again): operations will be carried out and messages received. */
  up(): void;
  /** Out of touch: until `up`, nothing is sent, and operations fail. */
  down(): void;
  /** A message another instance sent to this one (sendTo). */
  peerMessage(text: string): void;
  /** A message announced to every instance, this one included (announce). */
  directoryMessage(text: string): void;
  /** A connection problem worth a log line (repeats of the same one are not reported again). */
  problem(error: string): void;
}

export interface ClusterTransport {
  /** In touch: messages are sent and received, operations carried out. */
  readonly up: boolean;
  /** Starts listening as instance `self` (once, before anything else). */
  open(self: string, events: TransportEvents): void;
  /**
   * Sends `text` to instance `instance` if in touch; false (nothing sent) when known not to be.
   * A send that fails on the way (the link dropped before we noticed) calls `failed`.
   */
  sendTo(instance: string, text: string, failed?: () => void): boolean;
  /** Sends `text` to every instance (the directory channel); false as for sendTo. */
  announce(text: string): boolean;
  /** Stops listening and lets the link go. */
  close(): Promise<void>;

  // ---- instances and their leases ----

  /** `instance` is alive for `leaseMs` more (its lease says since `since`), and registered. */
  renewLease(instance: string, since: number, leaseMs: number): Promise<void>;
  /** `instance`'s lease goes at once (a clean stop). */
  dropLease(instance: string): Promise<void>;
  /** Every registered instance, live or not. */
  instances(): Promise<string[]>;
  /** Whether `instance`'s lease still holds. */
  leaseHeld(instance: string): Promise<boolean>;
  /** `instance` is no longer registered, and its session index goes. */
  forgetInstance(instance: string): Promise<void>;

  // ---- the session index: which room each member of an instance's rooms is in ----

  /** Members (id → room id) in `instance`'s rooms. */
  recordSessions(instance: string, sessions: Readonly<Record<string, string>>): Promise<void>;
  forgetSessions(instance: string, memberIds: readonly string[]): Promise<void>;
  /** `instance`'s whole index goes (it is written again in full). */
  clearSessions(instance: string): Promise<void>;
  /** The room `memberId` is in, on whichever registered instance has it; null: none. */
  findSession(memberId: string): Promise<string | null>;

  // ---- the room directory (rooms not kept; kept rooms write theirs through the store) ----

  writeRoomEntry(roomId: string, entry: string): Promise<void>;
  removeRoomEntry(roomId: string): Promise<void>;
  /** Every entry in the directory, as written. */
  roomEntries(): Promise<string[]>;

  // ---- kept rooms ----

  /** The store of rooms kept where every instance reaches them (after `open`). */
  keptRooms(options: SharedRoomStoreOptions): SharedRoomStore;
}
