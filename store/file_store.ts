/**
 * Rooms kept in a directory (DATA_DIR) for one process that restarts: one JSON file per room,
 * written whole to a temporary file and renamed over the old one, so that a crash in the
 * middle of a write leaves the previous record, never half of one (a rename within one
 * directory is atomic on POSIX file systems). Deno's own file API, no dependency: the data is
 * a few kilobytes per room, written a few times a minute, which needs no database; what it
 * costs per save is measured by `deno task bench:store`.
 *
 *   <DATA_DIR>/rooms/<room id>.json   a room's record
 *   <DATA_DIR>/secrets/<name>         a secret (the resume key), readable by its owner only
 */
import type { RoomStore } from "./room_store.ts";

/** Room ids are the server's UUIDs; anything else never becomes a path. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export class FileStore implements RoomStore {
  readonly durable = true;
  readonly #rooms: string;
  readonly #secrets: string;
  /** Each room's writes in order: a save never overtakes the one before it. */
  readonly #writes = new Map<string, Promise<void>>();
  #counter = 0;

  constructor(readonly dir: string) {
    this.#rooms = `${dir}/rooms`;
    this.#secrets = `${dir}/secrets`;
  }

  async loadRooms(): Promise<{ records: unknown[]; unreadable: string[] }> {
    await Deno.mkdir(this.#rooms, { recursive: true });
    const records: unknown[] = [];
    const unreadable: string[] = [];
    for await (const entry of Deno.readDir(this.#rooms)) {
      if (!entry.isFile) continue;
      // A temporary file left by a crash mid-write: the record before it stands.
      if (!entry.name.endsWith(".json")) {
        await Deno.remove(`${this.#rooms}/${entry.name}`).catch(() => {});
        continue;
      }
      try {
        records.push(JSON.parse(await Deno.readTextFile(`${this.#rooms}/${entry.name}`)));
      } catch {
        unreadable.push(entry.name.slice(0, -".json".length));
      }
    }
    return { records, unreadable };
  }

  saveRoom(roomId: string, record: unknown): Promise<void> {
    const file = this.#file(roomId);
    const text = JSON.stringify(record);
    return this.#inOrder(roomId, async () => {
      await Deno.mkdir(this.#rooms, { recursive: true });
      const temp = `${file}.${++this.#counter}.tmp`;
      await Deno.writeTextFile(temp, text);
      await Deno.rename(temp, file);
    });
  }

  removeRoom(roomId: string): Promise<void> {
    const file = this.#file(roomId);
    return this.#inOrder(roomId, async () => {
      try {
        await Deno.remove(file);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    });
  }

  async secret(name: string, make: () => string): Promise<string> {
    if (!SAFE_ID.test(name)) throw new Error(`not a secret's name: ${name}`);
    const file = `${this.#secrets}/${name}`;
    try {
      const kept = (await Deno.readTextFile(file)).trim();
      if (kept) return kept;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await Deno.mkdir(this.#secrets, { recursive: true, mode: 0o700 });
    const value = make();
    await Deno.writeTextFile(file, value, { mode: 0o600 });
    return value;
  }

  #file(roomId: string): string {
    if (!SAFE_ID.test(roomId)) throw new Error(`not a room id: ${roomId}`);
    return `${this.#rooms}/${roomId}.json`;
  }

  #inOrder(roomId: string, write: () => Promise<void>): Promise<void> {
    const before = this.#writes.get(roomId) ?? Promise.resolve();
    const next = before.catch(() => {}).then(write);
    this.#writes.set(roomId, next);
    // Forgotten once done, unless another write queued behind it.
    next.finally(() => {
      if (this.#writes.get(roomId) === next) this.#writes.delete(roomId);
    }).catch(() => {});
    return next;
  }
}
