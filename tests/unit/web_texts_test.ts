/**
 * The watch page's words for the film's place and what people do to it: clock times, the chat
 * line of each command and speed change, and what a queued video is called.
 */
import assert from "node:assert/strict";
import { commandNote, formatClock, rateNote } from "../../web/timeline_text.ts";
import { mediaLabel } from "../../web/urls.ts";

Deno.test("clock times: m:ss under an hour, h:mm:ss over; nothing sensible is 0:00", () => {
  assert.equal(formatClock(0), "0:00");
  assert.equal(formatClock(5.9), "0:05");
  assert.equal(formatClock(100), "1:40");
  assert.equal(formatClock(3_723), "1:02:03");
  assert.equal(formatClock(-3), "0:00");
  assert.equal(formatClock(Number.NaN), "0:00");
  assert.equal(formatClock(Number.POSITIVE_INFINITY), "0:00");
});

Deno.test("chat lines for commands and speed", () => {
  assert.equal(commandNote("Ann", "pause", 100.4), "Ann paused at 1:40");
  assert.equal(commandNote("You", "play", 0), "You played from 0:00");
  assert.equal(commandNote("Bob", "seek", 130), "Bob jumped to 2:10");
  assert.equal(rateNote("Ann", 1.5), "Ann set the speed to 1.5×");
  assert.equal(rateNote("You", 1), "You set the speed to 1×");
});

Deno.test("a video's name: its title, else its file name, else its host", () => {
  assert.equal(mediaLabel("https://media.example/s01/e02.mp4", "Episode 2"), "Episode 2");
  assert.equal(mediaLabel("https://media.example/s01/e02.mp4?token=x"), "e02.mp4");
  assert.equal(mediaLabel("https://media.example/My%20Film.webm"), "My Film.webm");
  assert.equal(mediaLabel("https://media.example/bad%E0.mp4"), "bad%E0.mp4");
  assert.equal(mediaLabel("https://media.example/"), "media.example");
  assert.equal(mediaLabel("not a url"), "not a url");
});
