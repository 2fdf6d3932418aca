/**
 * Where rooms are kept so that a party outlives its process: the room actor's state as data
 * (rooms/room_record.ts) saved after the commands that change it, read back at start. The
 * store holds records as they were written; checking them (the record's schema) and making
 * rooms of them is the registry's business.
 */

export interface RoomStore {
  /** Whether rooms survive this process: a restart keeps them instead of closing them. */
  readonly durable: boolean;
  /** Every room saved, as written (records the caller checks), and the ids it could not read. */
  loadRooms(): Promise<{ readonly records: unknown[]; readonly unreadable: string[] }>;
  /** Saves (replaces) one room's record; resolves once it is on disk, or wherever it lives. */
  saveRoom(roomId: string, record: unknown): Promise<void>;
  /** The room is gone for good. */
  removeRoom(roomId: string): Promise<void>;
  /**
   * A secret kept with the rooms (the resume tokens' key, when RESUME_SECRET is not set), made
   * by `make` the first time: tokens and invites stay valid across a restart.
   */
  secret(name: string, make: () => string): Promise<string>;
}

/** Today's default: nothing is kept, every room ends with the process. */
export class MemoryOnlyStore implements RoomStore {
  readonly durable = false;

  loadRooms(): Promise<{ records: unknown[]; unreadable: string[] }> {
    return Promise.resolve({ records: [], unreadable: [] });
  }

  saveRoom(): Promise<void> {
    return Promise.resolve();
  }

  removeRoom(): Promise<void> {
    return Promise.resolve();
  }

  secret(_name: string, make: () => string): Promise<string> {
    return Promise.resolve(make());
  }
}
