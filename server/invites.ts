/**
 * Invite links: a signed token (jose, HS256) naming one room and when it expires, that admits
 * its holder to the room without the password. Signed with RESUME_SECRET's key (a random one
 * per process when unset: then invites end with the process, as rooms do).
 */
import { jwtVerify, SignJWT } from "jose";

const PURPOSE = "owp-invite";

export class InviteTokens {
  readonly #key: Uint8Array<ArrayBuffer>;

  constructor(secret: string) {
    this.#key = secret
      ? new TextEncoder().encode(`${PURPOSE}:${secret}`)
      : crypto.getRandomValues(new Uint8Array(32));
  }

  async issue(
    roomId: string,
    ttlS: number,
    nowMs: number,
  ): Promise<{ token: string; expiresAt: number }> {
    const expiresAt = Math.floor(nowMs / 1000) + ttlS;
    const token = await new SignJWT({ room: roomId, typ: PURPOSE })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(expiresAt)
      .sign(this.#key);
    return { token, expiresAt: expiresAt * 1000 };
  }

  /** Whether `token` is a live invite to `roomId`. */
  async admits(token: string, roomId: string, nowMs: number): Promise<boolean> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ["HS256"],
        currentDate: new Date(nowMs),
        requiredClaims: ["exp"],
      });
      return payload["typ"] === PURPOSE && payload["room"] === roomId;
    } catch {
      return false;
    }
  }
}
