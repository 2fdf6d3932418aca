/// <reference lib="dom" />
import { connect } from "../client/mod.ts";

const party = connect({ userName: "Viewer" });
party.on("rooms", (rooms) => console.log("rooms", rooms.length));
// hls.js only when a room plays HLS and the browser cannot do it natively.
export async function loadHls() {
  const { default: Hls } = await import("hls.js");
  return Hls;
}
Object.assign(globalThis, { owp: { client: party } });
