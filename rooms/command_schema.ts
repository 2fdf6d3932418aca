/**
 * The room commands a member sends, as a zod schema: the same commands rooms/room_types.ts
 * declares, checked both ways against that type below, so the two cannot drift. A command is
 * data (its sender a MemberRef, a password as its hash in base64), so it travels to a room on
 * another instance, or is stored, as it is: a peer's command is validated by this schema like
 * a client's message, and posted unchanged but for its times, converted into the local clock.
 * The commands only a room's own timers post (and open, close, retire) never travel.
 */
import { z } from "zod";
import {
  ControlPolicySchema,
  MediaOpSchema,
  PlayerActionSchema,
  PlayStateSchema,
  ReadinessSchema,
  ROOM_CLOSE_CODES,
} from "../protocol/mod.ts";
import { PasswordHashDataSchema } from "./password_codec.ts";
import type { RoomCommand } from "./room_types.ts";

const id = z.string().min(1).max(200);
const time = z.number().finite().nullable();

/** A sender as data: its id and the name it asks to be shown by. */
export const MemberRefSchema = z.object({ id, name: z.string().max(200) });

const from = MemberRefSchema;

export const MemberCommandSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("join"),
    from,
    admitted: z.boolean().optional(),
    name: z.string().max(200).optional(),
  }),
  z.object({ kind: z.literal("leave"), from, hostCode: z.enum(ROOM_CLOSE_CODES).optional() }),
  z.object({ kind: z.literal("ready"), from, readiness: ReadinessSchema.optional() }),
  z.object({
    kind: z.literal("player_event"),
    from,
    action: PlayerActionSchema,
    position: z.number().finite(),
    playState: PlayStateSchema.nullable(),
    timing: z.object({ atServerTs: time, deferred: z.boolean() }),
  }),
  z.object({
    kind: z.literal("state_update"),
    from,
    position: z.number().finite(),
    playState: PlayStateSchema,
    atServerTs: time.optional(),
  }),
  z.object({ kind: z.literal("chat"), from, text: z.string().max(10_000) }),
  z.object({ kind: z.literal("away"), memberId: id }),
  z.object({
    kind: z.literal("resume"),
    memberId: id,
    connection: from,
    lastSeq: z.number().int().nullable(),
    resumeToken: z.string().max(2_000).nullable(),
  }),
  z.object({ kind: z.literal("resync"), from, lastSeq: z.number().int().nullable() }),
  z.object({ kind: z.literal("transfer_host"), from, to: id }),
  z.object({ kind: z.literal("start_anyway"), from }),
  z.object({ kind: z.literal("set_rate"), from, rate: z.number().finite(), atServerTs: time }),
  z.object({ kind: z.literal("set_control"), from, control: ControlPolicySchema }),
  z.object({
    kind: z.literal("set_room_options"),
    from,
    password: PasswordHashDataSchema.nullable().optional(),
    handoff: z.boolean().optional(),
    unlisted: z.boolean().optional(),
  }),
  z.object({ kind: z.literal("set_cohost"), from, to: id, cohost: z.boolean() }),
  z.object({ kind: z.literal("media"), from, op: MediaOpSchema }),
]);

/** The commands that come from members (the rest only a room posts to itself). */
export type MemberCommand = Extract<RoomCommand, { kind: MemberCommandKind }>;
type MemberCommandKind = z.infer<typeof MemberCommandSchema>["kind"];

// The schema and RoomCommand describe the same commands: a field added to one and not the
// other fails `deno check` here (tests/unit/handler_tables_test.ts shows it). Each kind's
// fields are compared by name too, since an optional field missing from the schema would
// still be assignable both ways, and would be dropped on the way to another instance.
const schemaMatchesType: SameCommands<z.infer<typeof MemberCommandSchema>, MemberCommand> = true;
const everyMemberKindHasASchema: Same<
  Exclude<RoomCommand["kind"], MemberCommandKind>,
  RoomOwnKind
> = true;
void schemaMatchesType;
void everyMemberKindHasASchema;

type Same<A, B> = [A] extends [B] ? [B] extends [A] ? true : false : false;

/** True when two unions of commands agree kind by kind: assignable both ways, same fields. */
export type SameCommands<A extends { kind: string }, B extends { kind: string }> = Same<
  | Same<A, B>
  | {
    [K in A["kind"]]: Same<keyof Extract<A, { kind: K }>, keyof Extract<B, { kind: K }>>;
  }[A["kind"]],
  true
>;

/** The commands a room posts to itself (its timers) or the directory posts to it. */
type RoomOwnKind =
  | "open"
  | "close"
  | "retire"
  | "ready_wait_expired"
  | "grace_expired"
  | "queue_end_wait_expired";
const ROOM_OWN_KINDS: ReadonlySet<string> = new Set<RoomOwnKind>([
  "open",
  "close",
  "retire",
  "ready_wait_expired",
  "grace_expired",
  "queue_end_wait_expired",
]);

/** Whether a command is a member's (one that may travel to the room's owner). */
export function isMemberCommand(command: RoomCommand): command is MemberCommand {
  return !ROOM_OWN_KINDS.has(command.kind);
}

/** Who a command is from (its sender, or the connection resuming); null for a room's own. */
export function senderOf(command: RoomCommand): { readonly id: string } | null {
  if ("from" in command) return command.from;
  if (command.kind === "resume") return command.connection;
  if (command.kind === "away") return { id: command.memberId };
  return null;
}

/**
 * A command from another instance with its times (in the sender's clock) moved into ours by
 * `toLocal`. Every time a member command carries is converted here.
 */
export function withLocalTimes(
  command: MemberCommand,
  toLocal: (t: number) => number,
): MemberCommand {
  const local = (t: number | null | undefined) => t == null ? t : toLocal(t);
  switch (command.kind) {
    case "player_event":
      return {
        ...command,
        timing: { ...command.timing, atServerTs: local(command.timing.atServerTs) ?? null },
      };
    case "state_update":
      return { ...command, atServerTs: local(command.atServerTs) };
    case "set_rate":
      return { ...command, atServerTs: local(command.atServerTs) ?? null };
    default:
      return command;
  }
}
