/**
 * The room directory (kept by the transport: cluster/redis_transport.ts): every open room of
 * every instance, with its owner, its list entry and what a join needs (size, host, a locked
 * room's salted hash). Owners write their own rooms and announce each change on the directory
 * channel; every instance keeps a mirror of the other instances' rooms from those
 * announcements, and reloads the whole directory now and then to heal anything missed while
 * Redis was away. The room list is built from the mirror.
 */
import { decodeHash, encodeHash, type PasswordHash, type Room } from "../rooms/mod.ts";
import {
  type DirectoryMessage,
  DirectoryMessageSchema,
  type DirectoryRecord,
  DirectoryRecordSchema,
  parsePeer,
} from "./peer_messages.ts";

/** A room of another instance, as this one knows it. */
export interface RemoteEntry {
  readonly record: DirectoryRecord;
  readonly password: PasswordHash | null;
}

/** Our room's directory record (`epoch`: the room's in the store; 0 when rooms are not kept). */
export function recordOf(room: Room, owner: string, epoch = 0): DirectoryRecord {
  const password = room.password;
  return {
    owner,
    epoch,
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
   * Records a room of another instance: "changed" when that changed what is known, "moved" when
   * the room also has a new owner (it was adopted), null when nothing changed (one of ours,
   * never mirrored; a record known already, as on a directory reload; or a stale owner's, with
   * an epoch older than the one known).
   */
  set(record: DirectoryRecord): "changed" | "moved" | null {
    const known = this.#entries.get(record.summary.id)?.record;
    if (known && record.epoch < known.epoch) return null;
    if (record.owner === this.#self) {
      // Ours now (we adopted it): no longer mirrored.
      this.#entries.delete(record.summary.id);
      return null;
    }
    if (known && JSON.stringify(known) === JSON.stringify(record)) return null;
    const hash = record.password;
    this.#entries.set(record.summary.id, { record, password: hash ? decodeHash(hash) : null });
    return known && known.owner !== record.owner ? "moved" : "changed";
  }

  /**
   * Forgets a room; false when it was not mirrored (or is owned by someone else now, or the
   * removal is older than the record known).
   */
  delete(roomId: string, owner?: string, epoch = Infinity): boolean {
    const entry = this.#entries.get(roomId);
    if (!entry || (owner !== undefined && entry.record.owner !== owner)) return false;
    if (epoch < entry.record.epoch) return false;
    return this.#entries.delete(roomId);
  }
}

export function parseDirectoryMessage(text: string): DirectoryMessage | null {
  return parsePeer(DirectoryMessageSchema, text);
}

export function parseRecord(text: string): DirectoryRecord | null {
  return parsePeer(DirectoryRecordSchema, text);
}
