/**
 * What a room plays and what comes next (docs/protocol.md 3.21): the item a `set_media` or
 * `queue_add` names, the queue as room_state shows it, and the one serializable operation the
 * five media messages become. The room command and the command between instances both carry
 * that operation, so there is one definition of it.
 */
import { z } from "zod";

/** A media item as a client names it, validated and cleaned. */
export const MediaItemInputSchema = z.object({
  url: z.string(),
  mediaId: z.string().nullable(),
  title: z.string().nullable(),
});
export type MediaItemInput = z.infer<typeof MediaItemInputSchema>;

/** One change to a room's media or queue. */
export const MediaOpSchema = z.discriminatedUnion("op", [
  /** Play this now instead (paused at 0; the queue stays). */
  z.object({ op: z.literal("set"), item: MediaItemInputSchema }),
  /** Append to the queue. */
  z.object({ op: z.literal("add"), item: MediaItemInputSchema }),
  z.object({ op: z.literal("remove"), itemId: z.string() }),
  /** Move an item to `index` (clamped to the queue). */
  z.object({ op: z.literal("move"), itemId: z.string(), index: z.number().int().min(0) }),
  /** Start the queue's first item now (it plays once everyone has loaded it). */
  z.object({ op: z.literal("next") }),
]);
export type MediaOp = z.infer<typeof MediaOpSchema>;

/** A queue item as room_state carries it. */
export interface QueueItem {
  readonly id: string;
  readonly media_url: string;
  readonly media_id: string | null;
  readonly title: string | null;
  /** The member id of whoever added it. */
  readonly added_by: string;
}
