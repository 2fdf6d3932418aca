/**
 * The watch page's addresses, pure (no DOM): which media links a room accepts, which are HLS,
 * and the invite link (`#room=<id>`, with `&invite=<token>` for a locked room) both ways.
 */

import { MAX_MEDIA_URL_CHARS } from "../protocol/limits.ts";

/** An http(s) URL of at most 2,048 characters (what create_room accepts), or why not. */
export function checkMediaUrl(value: string): string | null {
  if (value === "") return "Enter the link of the video to watch.";
  if (value.length > MAX_MEDIA_URL_CHARS) return tooLongText(value.length);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "That is not a web address. It should start with https:// or http://.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return "Only http:// and https:// links can be shared with the room.";
  }
  return null;
}

/** A link over the limit: refused with its length, never cut to fit. */
export function tooLongText(length: number): string {
  return `That link is too long: ${length.toLocaleString("en")} characters, and a room takes ` +
    `${MAX_MEDIA_URL_CHARS.toLocaleString("en")} at most. Use a shorter link to the video.`;
}

/**
 * What to call a video: its title, else the file name of its link ("s01e02.mp4"), else the
 * link's host; the whole link as a last resort.
 */
export function mediaLabel(url: string, title: string | null = null): string {
  if (title) return title;
  try {
    const parsed = new URL(url);
    const file = parsed.pathname.split("/").filter(Boolean).at(-1);
    if (file) {
      try {
        return decodeURIComponent(file);
      } catch {
        return file;
      }
    }
    return parsed.host || url;
  } catch {
    return url;
  }
}

/** An HLS playlist, by its path (query strings and fragments do not count). */
export function isHlsUrl(url: string): boolean {
  try {
    return /\.m3u8$/i.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/**
 * The page at `pageHref` with `#room=<id>` (and `&invite=<token>` for a locked room): opening
 * it joins the room. `?name=` is dropped.
 */
export function inviteUrl(roomId: string, pageHref: string, invite?: string | null): string {
  const url = new URL(pageHref);
  url.searchParams.delete("name");
  const hash = new URLSearchParams({ room: roomId });
  if (invite) hash.set("invite", invite);
  url.hash = hash.toString();
  return url.href;
}

/** What an address's fragment asks for: a room to join, with an invite token or not. */
export interface InviteLink {
  readonly roomId: string;
  readonly invite: string | null;
}

/** Invite tokens are short JWTs; anything much longer is not one of ours. */
const MAX_INVITE_LENGTH = 2048;

/** The room (and invite) an address's fragment names (`#room=<id>&invite=<token>`), if any. */
export function inviteFromHash(hash: string): InviteLink | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const roomId = params.get("room");
  if (!roomId || roomId.length > 128) return null;
  const invite = params.get("invite");
  return {
    roomId,
    invite: invite && invite.length <= MAX_INVITE_LENGTH ? invite : null,
  };
}

/** The room an address's fragment names (`#room=<id>`), if any. */
export function roomFromHash(hash: string): string | null {
  return inviteFromHash(hash)?.roomId ?? null;
}
