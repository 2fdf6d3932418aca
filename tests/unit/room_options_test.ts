/**
 * Room options after creation (set_room_options) on a ManualClock: lock and unlock, keep-open,
 * unlisted (out of the room list, still joinable by id), the host-only refusal, and the payload
 * schema's rules and texts.
 */
import assert from "node:assert/strict";
import { ERRORS, FIELD_MESSAGES, parseClientMessage } from "../../protocol/mod.ts";
import { ManualClock } from "../../rooms/clock.ts";
import { encodeHash } from "../../rooms/password_codec.ts";
import type { Room } from "../../rooms/room.ts";
import { hashPassword, passwordMatches } from "../../server/room_passwords.ts";
import { FakeMember } from "../helpers/fake_member.ts";
import { testRegistry } from "../helpers/registry.ts";

function party(options: { unlisted?: boolean } = {}) {
  const clock = new ManualClock();
  const registry = testRegistry(clock);
  const host = new FakeMember("host", "Hana");
  const member = new FakeMember("m1", "Ann");
  const lobby = new FakeMember("l1", "Lou");
  registry.addListener(host);
  registry.addListener(member);
  registry.addListener(lobby);
  const room: Room = registry.create({
    host,
    name: "Film",
    mediaId: null,
    startPosition: 0,
    unlisted: options.unlisted,
  })!;
  registry.ports.attach(member.id, member);
  room.post({ kind: "join", from: member });
  for (const m of [host, member, lobby]) m.clear();
  return { clock, registry, room, host, member, lobby };
}

Deno.test("set_room_options: lock with a new password, then unlock; everyone hears room_state", async () => {
  const { registry, room, host, member } = party();
  const hash = await hashPassword("new secret", 1);
  room.post({ kind: "set_room_options", from: host, password: encodeHash(hash) });
  for (const m of [host, member]) assert.equal(m.last("room_state")!.payload.locked, true);
  assert.deepEqual(room.password, hash);
  assert.equal(await passwordMatches("new secret", room.password!), true);
  assert.equal(registry.list()[0]!.locked, true);
  // A newcomer without the password is refused; with it checked (admitted), let in.
  const late = new FakeMember("late", "Lee");
  registry.ports.attach(late.id, late); // connected
  assert.equal(registry.join(late, room.id), null, "the room answers, not the registry");
  assert.equal(late.last("error")!.payload.code, ERRORS.passwordRequired.code);
  assert.equal(registry.join(late, room.id, true), null);
  assert.equal(late.last("room_state")!.payload.locked, true);
  host.clear();
  room.post({ kind: "set_room_options", from: host, password: null });
  assert.equal(host.last("room_state")!.payload.locked, false);
  assert.equal(room.password, null);
  assert.equal(registry.list()[0]!.locked, false);
  const later = new FakeMember("later", "Lia");
  registry.ports.attach(later.id, later); // connected
  assert.equal(registry.join(later, room.id), null);
  assert.equal(later.last("room_state")!.payload.locked, false);
});

Deno.test("set_room_options: keep-open on and off decides whether the host's leaving closes the room", async (t) => {
  await t.step("on: the next member hosts", () => {
    const { room, host, member } = party();
    room.post({ kind: "set_room_options", from: host, handoff: true });
    assert.equal(member.last("room_state")!.payload.handoff, true);
    room.post({ kind: "leave", from: host });
    assert.equal(room.closed, false);
    assert.equal(room.hostId, member.id);
    assert.equal(member.last("host_changed")!.payload.reason, "host_left");
  });
  await t.step("on, then off again: the room closes when the host leaves", () => {
    const { room, host, member } = party();
    room.post({ kind: "set_room_options", from: host, handoff: true });
    room.post({ kind: "set_room_options", from: host, handoff: false });
    assert.equal(member.last("room_state")!.payload.handoff, false);
    room.post({ kind: "leave", from: host });
    assert.equal(room.closed, true);
    assert.equal(member.last("room_closed")!.payload.code, "host_left");
  });
});

Deno.test("set_room_options: an unlisted room is in nobody's list, still joinable by id, and comes back in its place", () => {
  const { clock, registry, room, host, member, lobby } = party();
  const other = registry.create({
    host: new FakeMember("h2", "Bo"),
    name: "Other",
    mediaId: null,
    startPosition: 0,
  })!;
  clock.advance(1_000);
  lobby.clear();
  room.post({ kind: "set_room_options", from: host, unlisted: true });
  for (const m of [host, member]) assert.equal(m.last("room_state")!.payload.unlisted, true);
  assert.deepEqual(registry.list().map((r) => r.id), [other.id]);
  assert.deepEqual(registry.page({ name: "film" }).rooms, []);
  assert.equal(registry.page({}).total, 1);
  // The lobby's pushed list no longer has it.
  clock.advance(1_000);
  assert.deepEqual(lobby.last("room_list")!.payload.map((r) => r.id), [other.id]);
  const stranger = new FakeMember("s1", "Sam");
  registry.ports.attach(stranger.id, stranger); // connected
  assert.equal(registry.join(stranger, room.id), null);
  assert.equal(stranger.last("room_state")!.room, room.id);
  // Its count changes stay out of the list too.
  assert.deepEqual(registry.list().map((r) => r.id), [other.id]);
  room.post({ kind: "set_room_options", from: host, unlisted: false });
  assert.deepEqual(registry.list().map((r) => [r.id, r.count]), [[room.id, 3], [other.id, 1]]);
  clock.advance(1_000);
  assert.deepEqual(lobby.last("room_list")!.payload.map((r) => r.id), [room.id, other.id]);
});

Deno.test("create_room's unlisted: the room is never listed", () => {
  const { registry, room } = party({ unlisted: true });
  assert.deepEqual(registry.list(), []);
  assert.equal(room.unlisted, true);
  const joiner = new FakeMember("j", "Jo");
  registry.ports.attach(joiner.id, joiner); // connected
  assert.equal(registry.join(joiner, room.id), null);
  assert.equal(joiner.last("room_state")!.payload.unlisted, true);
});

Deno.test("set_room_options: only the host; a member's request changes nothing", async () => {
  const { registry, room, host, member } = party();
  const hash = await hashPassword("mine", 1);
  room.post({
    kind: "set_room_options",
    from: member,
    password: encodeHash(hash),
    handoff: true,
  });
  room.post({ kind: "set_room_options", from: member, unlisted: true });
  const errors = member.all("error").map((e) => e.payload);
  assert.deepEqual(errors, [ERRORS.notHostSettings, ERRORS.notHostSettings]);
  assert.equal(errors[0]!.code, "not_host");
  assert.equal(room.password, null);
  assert.equal(registry.list().length, 1);
  assert.equal(host.all("room_state").length, 0);
  room.post({ kind: "leave", from: host });
  assert.equal(room.closed, true, "handoff stayed off");
});

Deno.test("set_room_options payload: the rules and their texts", () => {
  const parse = (payload: unknown) =>
    parseClientMessage(JSON.stringify({ type: "set_room_options", room: "r", payload, ts: 1 }));
  const refusal = (payload: unknown) => {
    const result = parse(payload);
    assert.equal(result.ok, false, JSON.stringify(payload));
    return result.ok ? null : result.error.message;
  };
  assert.equal(refusal({}), FIELD_MESSAGES.noRoomOptions);
  assert.equal(refusal({ locked: true }), FIELD_MESSAGES.lockNeedsPassword);
  assert.equal(refusal({ locked: false, password: "x" }), FIELD_MESSAGES.unlockTakesNoPassword);
  assert.equal(refusal({ locked: "yes" }), FIELD_MESSAGES.locked);
  assert.equal(refusal({ unlisted: 1 }), FIELD_MESSAGES.unlisted);
  assert.equal(refusal({ handoff: "on" }), FIELD_MESSAGES.handoff);
  assert.equal(refusal({ password: "" }), FIELD_MESSAGES.password);
  assert.equal(refusal({ password: "x".repeat(129) }), FIELD_MESSAGES.password);
  const bad = parse({ unlisted: 1 });
  assert.equal(!bad.ok && bad.error.code, "invalid_payload");
  const ok = parse({ password: "pw", unlisted: true });
  assert.ok(ok.ok && ok.message.type === "set_room_options");
  assert.deepEqual(ok.ok && ok.message.payload, {
    locked: null,
    password: "pw",
    handoff: null,
    unlisted: true,
  });
  assert.ok(parse({ locked: false }).ok);
  assert.ok(parse({ locked: true, password: "pw" }).ok);
  assert.ok(parse({ handoff: false }).ok);
  const created = parseClientMessage(
    JSON.stringify({ type: "create_room", payload: { unlisted: true }, ts: 1 }),
  );
  assert.ok(created.ok && created.message.type === "create_room");
  assert.equal(created.ok && created.message.payload.unlisted, true);
});
