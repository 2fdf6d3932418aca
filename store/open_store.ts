/**
 * The store a server starts with (DATA_DIR set: rooms in files; unset: in memory only; with
 * REDIS_URL the cluster keeps rooms in Redis), what it kept from before, and the resume
 * tokens' key: RESUME_SECRET, or one kept in the store (in Redis, shared by every instance),
 * so that resume tokens and invite links stay valid across a restart.
 */
import type { Config } from "../server/config.ts";
import { FileStore } from "./file_store.ts";
import { MemoryOnlyStore, type RoomStore } from "./room_store.ts";

export interface OpenedStore {
  readonly store: RoomStore;
  /** The rooms saved before, as written (the server checks and restores them). */
  readonly savedRooms: readonly unknown[];
  /** Saved rooms that could not be read (a damaged file), by id. */
  readonly unreadable: readonly string[];
  /** The key for resume tokens and invites; empty: a random one for this process. */
  readonly resumeSecret: string;
}

export async function openStore(config: Config): Promise<OpenedStore> {
  const redisUrl = config.cluster.redisUrl;
  if (redisUrl) {
    // Rooms are kept in Redis by the cluster itself (store/redis_store.ts); the key is shared.
    const { sharedSecret } = await import("./redis_secret.ts");
    const resumeSecret = config.resume.secret ||
      (await sharedSecret(redisUrl, "resume", randomSecret)) || "";
    return { store: new MemoryOnlyStore(), savedRooms: [], unreadable: [], resumeSecret };
  }
  if (!config.dataDir) {
    return {
      store: new MemoryOnlyStore(),
      savedRooms: [],
      unreadable: [],
      resumeSecret: config.resume.secret,
    };
  }
  const store = new FileStore(config.dataDir);
  const { records, unreadable } = await store.loadRooms();
  const resumeSecret = config.resume.secret ||
    await store.secret("resume", () => randomSecret());
  return { store, savedRooms: records, unreadable, resumeSecret };
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
