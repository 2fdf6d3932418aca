import assert from "node:assert/strict";
import { ManualClock } from "../../rooms/clock.ts";
import { AddressBook } from "../../server/addresses.ts";

Deno.test("connections per address are counted, and a release counts once", () => {
  const book = new AddressBook(new ManualClock(), 30);
  const a1 = book.acquire("192.0.2.1");
  const a2 = book.acquire("192.0.2.1");
  book.acquire("192.0.2.2");
  assert.equal(book.openConnections("192.0.2.1"), 2);
  a1.release();
  a1.release();
  assert.equal(book.openConnections("192.0.2.1"), 1);
  a2.release();
  assert.equal(book.openConnections("192.0.2.1"), 0);
  // Its budget untouched, the address is forgotten at once.
  assert.equal(book.size, 1);
});

Deno.test("the room budget is the address's: shared by its connections, kept across reconnects", () => {
  const clock = new ManualClock();
  const book = new AddressBook(clock, 3);
  const first = book.acquire("192.0.2.1");
  const second = book.acquire("192.0.2.1");
  assert.ok(first.allowRoomCreation());
  assert.ok(second.allowRoomCreation());
  assert.ok(first.allowRoomCreation());
  assert.ok(!second.allowRoomCreation());
  assert.ok(book.acquire("192.0.2.2").allowRoomCreation(), "another address has its own");
  first.release();
  second.release();
  const again = book.acquire("192.0.2.1");
  assert.ok(!again.allowRoomCreation(), "reconnecting refilled the budget");
  clock.advance(20_000); // 3 a minute: one every 20 s
  assert.ok(again.allowRoomCreation());
  assert.ok(!again.allowRoomCreation());
});

Deno.test("an address without connections is dropped only once its budget is full again", () => {
  const clock = new ManualClock();
  const book = new AddressBook(clock, 3);
  const lease = book.acquire("192.0.2.1");
  assert.ok(lease.allowRoomCreation());
  assert.ok(lease.allowRoomCreation());
  clock.advance(10_000);
  lease.release();
  assert.equal(book.size, 1);
  assert.equal(clock.pendingTimers, 1);
  clock.advance(29_999); // full at 40 s after the spending
  assert.equal(book.size, 1);
  clock.advance(1);
  assert.equal(book.size, 0);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("reconnecting before the budget refills keeps the record; clear() drops records and timers", () => {
  const clock = new ManualClock();
  const book = new AddressBook(clock, 3);
  const lease = book.acquire("192.0.2.1");
  assert.ok(lease.allowRoomCreation());
  lease.release();
  assert.equal(clock.pendingTimers, 1);
  const back = book.acquire("192.0.2.1");
  assert.equal(clock.pendingTimers, 0, "the drop timer outlived the reconnect");
  clock.advance(60_000);
  assert.equal(book.size, 1);
  assert.ok(back.allowRoomCreation());
  back.release();
  assert.equal(clock.pendingTimers, 1);
  const stillOpen = book.acquire("192.0.2.3");
  assert.ok(stillOpen.allowRoomCreation());
  book.clear();
  assert.equal(book.size, 0);
  assert.equal(clock.pendingTimers, 0);
  // A connection that ends after the drain: nothing breaks, nothing is re-added or timed.
  stillOpen.release();
  assert.equal(book.size, 0);
  assert.equal(clock.pendingTimers, 0);
});
