/**
 * The room list as the registry keeps it: one summary per open room in creation order, each
 * kept as JSON as it changes, filtered pages with cursors, and the room_list frame encoded once
 * per change (docs/protocol.md 3.1, 4.3, 6).
 */
import {
  encodeRoomList,
  MAX_LIST_PAGE,
  type OutboundFrame,
  type RoomSummary,
} from "../protocol/mod.ts";

/** A filter and a page of the room list (list_rooms' extension). */
export interface ListQuery {
  readonly mediaId?: string | null;
  /** A case-insensitive part of the name. */
  readonly name?: string | null;
  readonly limit?: number | null;
  /** The previous page's `next`: an opaque cursor. */
  readonly after?: string | null;
}

export interface ListPage {
  readonly rooms: RoomSummary[];
  /** Rooms that match, on every page. */
  readonly total: number;
  /** The `after` of the next page, or null on the last. */
  readonly next: string | null;
}

/** A room's place in creation order, written as a page cursor (it survives rooms closing). */
const cursorOf = (order: number) => `c${order}`;
const orderOf = (cursor: string) => /^c\d+$/.test(cursor) ? Number(cursor.slice(1)) : Number.NaN;

export class RoomListing {
  readonly #summaries = new Map<string, RoomSummary>();
  /**
   * Each room's summary as JSON, kept as it changes: the list's JSON is these joined, so a
   * change re-encodes one room, not all of them (a busy server's list changes with every
   * join, and every connection entering the lobby wants it).
   */
  readonly #summaryJson = new Map<string, string>();
  /** Each room's place in creation order: what page cursors count in. */
  readonly #order = new Map<string, number>();
  #created = 0;
  /** The list and its JSON, made once per change (null: changed since). */
  #cache: { readonly rooms: RoomSummary[]; readonly json: string } | null = null;

  /**
   * A new room, last in the order. `listed` false (an unlisted room): it keeps its place in the
   * order but is in no list, page or frame until it is listed.
   */
  add(summary: RoomSummary, listed = true): void {
    // A room listed already keeps its place (a directory reload re-adds what it knows).
    if (!this.#order.has(summary.id)) this.#order.set(summary.id, ++this.#created);
    this.update(summary, listed);
  }

  /** A known room's new summary; a room not known (closed) stays out, an unlisted one hidden. */
  update(summary: RoomSummary, listed = true): void {
    if (!this.#order.has(summary.id)) return;
    if (!listed) {
      if (!this.#summaries.delete(summary.id)) return;
      this.#summaryJson.delete(summary.id);
      this.#cache = null;
      return;
    }
    // A room listed again (it was unlisted) goes back to its place; a new one is last anyway.
    const relisted = !this.#summaries.has(summary.id) &&
      this.#order.get(summary.id)! < this.#created;
    this.#summaries.set(summary.id, summary);
    this.#summaryJson.set(summary.id, JSON.stringify(summary));
    this.#cache = null;
    if (relisted) this.#reorder();
  }

  /** Back in creation order after a room that was unlisted is listed again (rare). */
  #reorder(): void {
    const ids = [...this.#summaries.keys()].sort((a, b) =>
      (this.#order.get(a) ?? 0) - (this.#order.get(b) ?? 0)
    );
    const summaries = ids.map((id) => [id, this.#summaries.get(id)!] as const);
    const json = ids.map((id) => [id, this.#summaryJson.get(id)!] as const);
    this.#summaries.clear();
    this.#summaryJson.clear();
    for (const [id, summary] of summaries) this.#summaries.set(id, summary);
    for (const [id, text] of json) this.#summaryJson.set(id, text);
  }

  remove(roomId: string): void {
    this.#summaries.delete(roomId);
    this.#summaryJson.delete(roomId);
    this.#order.delete(roomId);
    this.#cache = null;
  }

  all(): RoomSummary[] {
    return [...this.#summaries.values()];
  }

  /** The rooms that match `query`, one page of them, in the list's own order. */
  page(query: ListQuery): ListPage {
    const name = query.name?.toLowerCase() ?? null;
    const matching = this.all().filter((room) =>
      (query.mediaId == null || room.media_id === query.mediaId) &&
      (name === null || room.name.toLowerCase().includes(name))
    );
    const after = query.after ? orderOf(query.after) : 0;
    const limit = query.limit ?? MAX_LIST_PAGE;
    const rest = matching.filter((room) => (this.#order.get(room.id) ?? 0) > (after || 0));
    const rooms = rest.slice(0, limit);
    const last = rooms.at(-1);
    const next = last && rest.length > limit ? cursorOf(this.#order.get(last.id)!) : null;
    return { rooms, total: matching.length, next };
  }

  /** The room_list message at `now`, ready to send. */
  frame(now: number): OutboundFrame {
    if (this.#cache === null) {
      this.#cache = {
        rooms: this.all(),
        json: `[${[...this.#summaryJson.values()].join(",")}]`,
      };
    }
    return encodeRoomList(this.#cache.rooms, this.#cache.json, now);
  }
}
