/**
 * Saves rooms as they change (store/room_store.ts): a room that reports a change is saved
 * once for all the changes of the next few milliseconds (a burst of joins is one write), in
 * its state when the write starts; a closed room is removed. A save that fails is tried again
 * at the next flush and logged; the room goes on meanwhile. The saves are timed on the
 * injected clock, like every other timer.
 */
import type { Clock, Room, TimerId } from "../rooms/mod.ts";
import type { Logger } from "../server/log.ts";
import type { RoomStore } from "./room_store.ts";

/** Changes this close together are one save. */
export const SAVE_COALESCE_MS = 20;
/** A save that failed (a full disk, a store away) is tried again this much later. */
export const SAVE_RETRY_MS = 1_000;

export class RoomSaver {
  readonly #store: RoomStore;
  readonly #room: (roomId: string) => Room | undefined;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #dirty = new Set<string>();
  #timer: TimerId | null = null;
  #pending: Promise<void> = Promise.resolve();
  /** Stopped (the process is going): nothing more is written, so a later process's is not overwritten. */
  #stopped = false;
  /** Saves written, and failed, since start (for /metrics and tests). */
  saved = 0;
  failed = 0;

  constructor(
    store: RoomStore,
    room: (roomId: string) => Room | undefined,
    clock: Clock,
    log: Logger,
  ) {
    this.#store = store;
    this.#room = room;
    this.#clock = clock;
    this.#log = log;
  }

  /** `roomId` changed what is kept of it: saved shortly. */
  changed(roomId: string, delayMs = SAVE_COALESCE_MS): void {
    if (!this.#store.durable || this.#stopped) return;
    this.#dirty.add(roomId);
    if (this.#timer === null) {
      this.#timer = this.#clock.setTimer(delayMs, () => {
        this.#timer = null;
        void this.flush();
      });
    }
  }

  /** `roomId` closed: its record goes. */
  closed(roomId: string): void {
    if (!this.#store.durable || this.#stopped) return;
    this.#dirty.delete(roomId);
    this.#pending = this.#pending.then(() =>
      this.#store.removeRoom(roomId).catch((error) => {
        this.#log.warn("a closed room's record could not be removed", { room: roomId, error });
      })
    );
  }

  /** Saves every changed room now; resolves once all writes so far are done. */
  flush(): Promise<void> {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
    const ids = [...this.#dirty];
    this.#dirty.clear();
    const writes = ids.map((roomId) => this.#save(roomId));
    this.#pending = Promise.all([this.#pending, ...writes]).then(() => {});
    return this.#pending;
  }

  /**
   * Every open room saved now, the last writes of this process (before a restart): resolves
   * once written. What the rooms do after (members going away as their sockets close) is not
   * saved: the next process finds every member away anyway, and its own saves must not be
   * overtaken by this one's late ones.
   */
  async saveAll(rooms: Iterable<Room>): Promise<void> {
    for (const room of rooms) if (!room.closed) this.#dirty.add(room.id);
    await this.flush();
    this.#stopped = true;
  }

  async #save(roomId: string): Promise<void> {
    const room = this.#room(roomId);
    if (!room || room.closed) return;
    try {
      await this.#store.saveRoom(roomId, room.record());
      this.saved++;
    } catch (error) {
      this.failed++;
      this.#log.warn("a room could not be saved: trying again", { room: roomId, error });
      this.changed(roomId, SAVE_RETRY_MS);
    }
  }
}
