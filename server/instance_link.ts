/**
 * What the server knows of the link to other instances (REDIS_URL set): the interface that
 * cluster/ implements, and the lease default the configuration needs. The dependency points
 * from cluster/ to here, never back: a single in-memory server (and its Docker image's type
 * check) needs nothing from cluster/, which main.ts loads only when REDIS_URL is set.
 */
import type { Clock, RoomDirectory, RoomRegistry } from "../rooms/mod.ts";
import type { RoomStore } from "../store/room_store.ts";

/**
 * An instance renews its lease this often in its lease period; missing it that long means the
 * instance is gone (its rooms close; its members leave their rooms elsewhere). Long enough to
 * ride out a GC pause or a slow Redis, short enough that a dead owner's members are told soon.
 */
export const INSTANCE_LEASE_MS = 10_000;

/** Structurally the server's logger, so the link needs no more of server/ than this file. */
export interface InstanceLinkLog {
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export interface InstanceLinkOptions {
  readonly redisUrl: string;
  readonly instanceId: string;
  readonly leaseMs: number;
  readonly clock: Clock;
  readonly registry: RoomRegistry;
  readonly log: InstanceLinkLog;
  /**
   * Rooms are kept in Redis (`store`): they outlive their owner, which a survivor adopts, and
   * a restart. Off: a room closes with its owner (its members elsewhere are told).
   */
  readonly keepRooms?: boolean;
}

/** One measured clock offset to a peer instance. */
export interface PeerOffset {
  /** The peer's clock minus ours, ms. */
  readonly offsetMs: number;
  /** The round trip of the sample it came from: the offset is good to about half of it. */
  readonly rttMs: number;
}

export interface InstanceLink {
  /** The rooms of every instance: what the server's connections go through in a cluster. */
  readonly directory: RoomDirectory;
  readonly redisUp: boolean;
  /** Live peers (their lease held at the last heartbeat). */
  readonly peerCount: number;
  readonly remoteMemberCount: number;
  readonly clocks: {
    peers(): [string, PeerOffset][];
    /** What to subtract from a peer's time to get ours, ms. */
    correction(peer: string): number;
  };
  /** Resolves once Redis is reachable and this instance is registered (tests, start-up). */
  ready(): Promise<void>;
  /** Where rooms are kept when `keepRooms` (the server saves through it); else none. */
  readonly store: RoomStore | null;
  /** Sends the last frames and directory removals, then closes the link. */
  close(): Promise<void>;
}

export type InstanceLinkFactory = (options: InstanceLinkOptions) => InstanceLink;
