/**
 * What instances say to each other over Redis pub/sub, as zod schemas (a message from a peer is
 * validated like one from a client: a bug or a version skew on one instance must not corrupt a
 * room on another). Times in a message are in its sender's clock; the receiver converts them.
 *
 * - `cmd`: a member connected to the sender posts a command to a room the receiver owns: the
 *   room command itself (rooms/command_schema.ts), with the sender's last round trip.
 * - `out`: the owner's output for members connected to the receiver, in order: frames (each
 *   encoded once, with the ids to deliver it to) and membership events.
 * - `clock_ping` / `clock_pong`: round trips that measure the clock offset between instances.
 * - `room` / `room_gone` (directory channel): an owner announces its rooms; `released`: a
 *   stopping owner let its kept rooms go, for the others to adopt.
 */
import { z } from "zod";
import { MemberCommandSchema } from "../rooms/mod.ts";
import { RoomSummarySchema } from "../protocol/mod.ts";

const id = z.string().min(1).max(200);
const time = z.number().finite();

/** A server frame as the owner encoded it: checked only for what delivery needs. */
const FrameSchema = z.looseObject({ type: z.string(), seq: z.number().int().optional() });

export const OutItemSchema = z.union([
  z.object({ to: z.array(id), f: FrameSchema }),
  /** `member` joined or left `room` (the receiver tracks where its connections are). */
  z.object({ ev: z.enum(["joined", "left"]), room: id, member: id }),
  /** The connection `member` now is session `as` (a resume was accepted). */
  z.object({ ev: z.literal("adopt"), member: id, as: id }),
]);
export type OutItem = z.infer<typeof OutItemSchema>;

export const PeerMessageSchema = z.discriminatedUnion("t", [
  z.object({
    t: z.literal("cmd"),
    from: id,
    room: id,
    /** The sender's own last round trip to its instance (presence), if it reported one. */
    rtt: z.number().finite().nullable(),
    cmd: MemberCommandSchema,
  }),
  z.object({ t: z.literal("out"), from: id, items: z.array(OutItemSchema) }),
  z.object({ t: z.literal("clock_ping"), from: id, t0: time }),
  z.object({ t: z.literal("clock_pong"), from: id, t0: time, t1: time }),
]);
export type PeerMessage = z.infer<typeof PeerMessageSchema>;

/** What the directory holds for a room: its list entry and what joining it needs. */
export const DirectoryRecordSchema = z.object({
  owner: id,
  hostId: id,
  maxMembers: z.number().int().positive(),
  /** A locked room's salted hash, base64 (the text never leaves the owner's process). */
  password: z.object({ salt: z.string(), hash: z.string(), iterations: z.number().int() })
    .nullable(),
  /** In no room list (joined by its id); absent from an instance that predates it: listed. */
  unlisted: z.boolean().default(false),
  summary: RoomSummarySchema,
  /**
   * The room's epoch in the store (rooms kept in Redis): it rises as the room changes hands, and
   * an entry older than the one known is a stale owner's (absent: rooms not kept, 0).
   */
  epoch: z.number().int().min(0).default(0),
});
export type DirectoryRecord = z.infer<typeof DirectoryRecordSchema>;

export const DirectoryMessageSchema = z.discriminatedUnion("t", [
  z.object({ t: z.literal("room"), record: DirectoryRecordSchema }),
  z.object({
    t: z.literal("room_gone"),
    room: id,
    owner: id,
    epoch: z.number().int().min(0).default(0),
  }),
  /** `owner` stops and let its kept rooms go: the others claim them now, not after the lease. */
  z.object({ t: z.literal("released"), owner: id, rooms: z.array(id).max(100_000) }),
  /** `owner` (re)connected to Redis: what others have in its rooms resyncs. */
  z.object({ t: z.literal("instance_up"), owner: id }),
]);
export type DirectoryMessage = z.infer<typeof DirectoryMessageSchema>;

/** Parses a peer's text; null (and the reason) when it is not one of ours. */
export function parsePeer<T>(schema: z.ZodType<T>, text: string): T | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const result = schema.safeParse(raw);
  return result.success ? result.data : null;
}
