/**
 * Every client message and every room command has a handler, or the project does not type-check:
 * each table below lacks one entry, and `deno check` (which `deno test` runs first) must
 * reject it. Should a table's type stop demanding every key, the @ts-expect-error lines are
 * unused, and that fails the check instead.
 */
import assert from "node:assert/strict";
import { CLIENT_MESSAGE_TYPES } from "../../protocol/mod.ts";
import { MESSAGE_HANDLERS, type MessageHandlers } from "../../server/dispatch.ts";
import { ROOM_COMMAND_HANDLERS, type RoomCommandHandlers } from "../../rooms/room.ts";
import {
  type MemberCommand,
  MemberCommandSchema,
  type SameCommands,
} from "../../rooms/command_schema.ts";
import type { z } from "zod";

Deno.test("a client message type without a handler does not type-check", () => {
  const { chat_message: _chat, ...withoutChat } = MESSAGE_HANDLERS;
  // @ts-expect-error: chat_message is missing
  const incomplete: MessageHandlers = withoutChat;
  assert.equal(Object.hasOwn(incomplete, "chat_message"), false);
  // And the table at run time answers every type the schemas validate.
  assert.deepEqual(Object.keys(MESSAGE_HANDLERS).sort(), [...CLIENT_MESSAGE_TYPES].sort());
});

Deno.test("a room command without a handler does not type-check", () => {
  const { grace_expired: _grace, ...withoutGrace } = ROOM_COMMAND_HANDLERS;
  // @ts-expect-error: grace_expired is missing
  const incomplete: RoomCommandHandlers = withoutGrace;
  assert.equal(Object.hasOwn(incomplete, "grace_expired"), false);
});

Deno.test("a room command field its schema does not carry does not type-check", () => {
  type Schema = z.infer<typeof MemberCommandSchema>;
  // Chat gains an optional field in its type only: it would be lost on the way to the owner.
  type WithUrgentChat = MemberCommand extends infer C
    ? C extends { kind: "chat" } ? C & { urgent?: boolean } : C
    : never;
  const agree: SameCommands<Schema, MemberCommand> = true;
  // @ts-expect-error: the schema has no `urgent`
  const disagree: SameCommands<Schema, WithUrgentChat> = true;
  assert.equal(agree && disagree, true);
  // And a command the schema accepts is one the room takes as it is.
  const chat = MemberCommandSchema.parse({
    kind: "chat",
    from: { id: "a", name: "A" },
    text: "hi",
  });
  assert.deepEqual(chat, { kind: "chat", from: { id: "a", name: "A" }, text: "hi" });
});
