/** The browser sync client as /client.js, for any page with a <video> (see client/mod.ts). */
export * from "../client/mod.ts";
