import assert from "node:assert/strict";
import { ManualClock } from "../../rooms/clock.ts";
import { PRESENCE_NOTE_DELAY_MS, PresenceNotes } from "../../web/presence_notes.ts";
import { SAME_MESSAGE_WINDOW_MS, ShownMessages } from "../../web/shown_messages.ts";

function notes() {
  const clock = new ManualClock();
  const said: string[] = [];
  const presence = new PresenceNotes((text) => said.push(text), {
    setTimeout: (fire, ms) => clock.setTimer(ms, fire),
    clearTimeout: (timer) => clock.clearTimer(timer),
  });
  return { clock, said, presence };
}

Deno.test("a drop shorter than the delay says nothing: no 'lost connection', no 'is back'", () => {
  const { clock, said, presence } = notes();
  presence.away("cy", "Cy");
  clock.advance(PRESENCE_NOTE_DELAY_MS - 1);
  presence.back("cy", "Cy");
  clock.advance(10 * PRESENCE_NOTE_DELAY_MS);
  assert.deepEqual(said, []);
});

Deno.test("a drop that lasts is said once at the delay, and the return after it", () => {
  const { clock, said, presence } = notes();
  presence.away("ann", "Ann");
  presence.away("ann", "Ann"); // a second list with her still away
  clock.advance(PRESENCE_NOTE_DELAY_MS - 1);
  assert.deepEqual(said, []);
  clock.advance(1);
  assert.deepEqual(said, ["Ann lost connection"]);
  presence.back("ann", "Ann");
  assert.deepEqual(said, ["Ann lost connection", "Ann is back"]);
});

Deno.test("one who leaves while away, or a new room, leaves no note behind", () => {
  const { clock, said, presence } = notes();
  presence.away("bo", "Bo");
  presence.forget("bo");
  presence.away("cy", "Cy");
  presence.clear();
  clock.advance(2 * PRESENCE_NOTE_DELAY_MS);
  assert.deepEqual(said, []);
});

Deno.test("a history sent again adds only the messages not shown yet, in order", () => {
  const shown = new ShownMessages();
  const at = 1_700_000_000_000;
  shown.add({ from: "hana", text: "popcorn", serverTs: at });
  const history = [
    // The same message, its time moved a few ms into another server's clock.
    { from: "hana", text: "popcorn", serverTs: at + 7 },
    // Same text from someone else, and the same sender again much later: new messages.
    { from: "bo", text: "popcorn", serverTs: at + 10 },
    { from: "hana", text: "popcorn", serverTs: at + SAME_MESSAGE_WINDOW_MS + 1 },
  ];
  assert.deepEqual(shown.unseen(history), history.slice(1));
  assert.deepEqual(shown.unseen(history), [], "remembered once shown");
  shown.clear();
  assert.equal(shown.unseen(history).length, 3);
});
