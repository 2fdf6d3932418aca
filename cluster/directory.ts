/**
 * The room directory in Redis: every open room of every instance, with its owner, its list
 * entry and what a join needs (size, host, a locked room's salted hash). Owners write their own
 * rooms and announce each change on the directory channel; every instance keeps a mirror of the
 * other instances' rooms from those announcements, and reloads the whole directory now and then
 * to heal anything missed while Redis was away. The room list is built from the mirror.
 */
import { decodeHash, encodeHash } from "../rooms/password_codec.ts";
import type { Room } from "../rooms/room.ts";
import type { PasswordHash } from "../rooms/room_types.ts";
import { REDIS_PREFIX } from "./constants.ts";
import {
  type DirectoryMessage,
  DirectoryMessageSchema,
  type DirectoryRecord,
  DirectoryRecordSchema,
  parsePeer,
} from "./peer_messages.ts";

export const KEYS = {
  rooms: `${REDIS_PREFIX}rooms`,
  instances: `${REDIS_PREFIX}instances`,
  lease: (instance: string) => `${REDIS_PREFIX}lease:${instance}`,
  /** Which room each member of an instance's rooms is in (finding a session to resume). */
  sessions: (instance: string) => `${REDIS_PREFIX}sessions:${instance}`,
  inbox: (instance: string) => `${REDIS_PREFIX}i:${instance}`,
  directoryChannel: `${REDIS_PREFIX}dir`,
};

/** A room of another instance, as this one knows it. */
export interface RemoteEntry {
  readonly record: DirectoryRecord;
  readonly password: PasswordHash | null;
}

/** Our room's directory record. */
export function recordOf(room: Room, owner: string): DirectoryRecord {
  const password = room.password;
  return {
    owner,
    hostId: room.hostId,
    maxMembers: room.maxMembers,
    password: password ? encodeHash(password) : null,
    unlisted: room.unlisted,
    summary: room.summary(),
  };
}

export class DirectoryMirror {
  readonly #self: string;
  readonly #entries = new Map<string, RemoteEntry>();

  constructor(self: string) {
    this.#self = self;
  }

  get(roomId: string): RemoteEntry | undefined {
    return this.#entries.get(roomId);
  }

  ids(): string[] {
    return [...this.#entries.keys()];
  }

  /** The rooms owned by `owner`. */
  ownedBy(owner: string): string[] {
    return this.ids().filter((id) => this.#entries.get(id)?.record.owner === owner);
  }

  /**
   * Records a room of another instance. True when that changed what is known (false for one of
   * ours, never mirrored, and for a record known already: a directory reload changes nothing).
   */
  set(record: DirectoryRecord): boolean {
    if (record.owner === this.#self) return false;
    const known = this.#entries.get(record.summary.id)?.record;
    if (known && JSON.stringify(known) === JSON.stringify(record)) return false;
    const hash = record.password;
    this.#entries.set(record.summary.id, { record, password: hash ? decodeHash(hash) : null });
    return true;
  }

  /** Forgets a room; false when it was not mirrored (or is owned by someone else now). */
  delete(roomId: string, owner?: string): boolean {
    const entry = this.#entries.get(roomId);
    if (!entry || (owner !== undefined && entry.record.owner !== owner)) return false;
    return this.#entries.delete(roomId);
  }
}

export function parseDirectoryMessage(text: string): DirectoryMessage | null {
  return parsePeer(DirectoryMessageSchema, text);
}

export function parseRecord(text: string): DirectoryRecord | null {
  return parsePeer(DirectoryRecordSchema, text);
}
