/// <reference lib="dom" />
/**
 * Polite, dismissable notices (a room closed, a server error) in an aria-live region. The
 * same text is not stacked twice; only the last few are kept.
 */
import { el } from "./dom.ts";

const MAX_NOTICES = 3;

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
    this.#region.append(notice);
    while (this.#region.children.length > MAX_NOTICES) this.#region.firstElementChild?.remove();
  }

  clear(): void {
    this.#region.replaceChildren();
  }
}
