/// <reference lib="dom" />
/**
 * Polite, dismissable notices (a room closed, a server error) in an aria-live region that
 * floats over the page (nothing moves when one comes or goes). The same text is not stacked
 * twice; only the last few are kept. Info notices dismiss themselves; errors stay until dismissed.
 */
import { el } from "./dom.ts";

const MAX_NOTICES = 3;
/** An info notice goes by itself after this long (not while pointed at or focused); errors stay. */
export const INFO_NOTICE_MS = 8_000;

export type NoticeTone = "info" | "error";

export class Notices {
  readonly #region: HTMLElement;

  constructor(region: HTMLElement) {
    this.#region = region;
  }

  show(text: string, tone: NoticeTone = "info"): void {
    for (const existing of this.#region.querySelectorAll<HTMLElement>(".notice")) {
      if (existing.dataset.text === text) existing.remove();
    }
    const dismiss = el("button", {
      class: "notice-dismiss",
      type: "button",
      "aria-label": "Dismiss notice",
    }, "×");
    const notice = el(
      "div",
      { class: "notice", "data-tone": tone },
      el("span", { class: "notice-icon", "aria-hidden": "true" }, tone === "error" ? "!" : "i"),
      el("p", { class: "notice-text" }, text),
      dismiss,
    );
    notice.dataset.text = text;
    dismiss.addEventListener("click", () => {
      // Keep keyboard users somewhere sensible when the button they pressed goes away.
      const next = notice.nextElementSibling?.querySelector("button") ??
        notice.previousElementSibling?.querySelector("button");
      const hadFocus = notice.contains(document.activeElement);
      notice.remove();
      if (hadFocus) (next ?? document.getElementById("main"))?.focus();
    });
    if (tone === "info") this.#autoDismiss(notice);
    this.#region.append(notice);
    while (this.#region.children.length > MAX_NOTICES) this.#region.firstElementChild?.remove();
  }

  #autoDismiss(notice: HTMLElement): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const held = () => notice.matches(":hover") || notice.contains(document.activeElement);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => held() ? arm() : notice.remove(), INFO_NOTICE_MS);
    };
    arm();
  }

  clear(): void {
    this.#region.replaceChildren();
  }
}
