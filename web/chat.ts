/// <reference lib="dom" />
/**
 * The room's side panel: chat, people and what plays next as three tabs, the chat log (names and times), the
 * message box (500 characters, Enter sends) and the unread count, which grows while the chat
 * is out of sight (another tab, scrolled away, the page hidden) and clears once it is seen.
 */
import type { ChatEntry } from "../client/mod.ts";
import { byId, el, toneOf } from "./dom.ts";
import { MAX_CHAT_CHARS } from "../protocol/limits.ts";
import { ShownMessages } from "./shown_messages.ts";

/**
 * The server's limit (protocol/limits.ts MAX_CHAT_CHARS), in code points after trimming. The
 * input has no maxlength (that counts UTF-16 units: an emoji is two); the page counts as the
 * server does and cuts what goes past it.
 */
export const MAX_CHAT = MAX_CHAT_CHARS;
/** The counter shows from here on. */
const COUNTER_FROM = 400;

export class ChatPanel {
  readonly #log = byId("chat-log", HTMLOListElement);
  readonly #empty = byId("chat-empty");
  readonly #form = byId("chat-form", HTMLFormElement);
  readonly #text = byId("chat-text", HTMLInputElement);
  readonly #counter = byId("chat-counter");
  readonly #unreadBadge = byId("chat-unread");
  readonly #tabs: HTMLButtonElement[];
  readonly #chatTab = byId("tab-chat", HTMLButtonElement);
  readonly #room = byId("room");
  readonly #send: (text: string) => boolean;
  readonly #onUnread: (count: number) => void;
  #unread = 0;
  #logInView = true;
  /** What this room's log shows, so a history sent again adds only what is new. */
  readonly #shown = new ShownMessages();
  /** When we came into this room (page clock): a history after it is what we missed. */
  #joinedAtMs = Date.now();

  constructor(options: { send(text: string): boolean; onUnread(count: number): void }) {
    this.#send = options.send;
    this.#onUnread = options.onUnread;
    this.#tabs = [
      this.#chatTab,
      byId("tab-people", HTMLButtonElement),
      byId("tab-queue", HTMLButtonElement),
    ];
    for (const tab of this.#tabs) {
      tab.addEventListener("click", () => this.#select(tab));
      tab.addEventListener("keydown", (event) => this.#tabKey(event, tab));
    }
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit();
    });
    this.#text.addEventListener("input", () => {
      this.#limit();
      this.#showCounter();
    });
    new IntersectionObserver((entries) => {
      this.#logInView = entries.some((entry) => entry.isIntersecting);
      this.#maybeSeen();
    }).observe(this.#log);
    document.addEventListener("visibilitychange", () => this.#maybeSeen());
    globalThis.addEventListener("focus", () => this.#maybeSeen());
  }

  /** A new room: an empty log, the chat tab, nothing unread. */
  reset(): void {
    this.#shown.clear();
    this.#joinedAtMs = Date.now();
    this.#log.replaceChildren();
    this.#empty.hidden = false;
    this.#text.value = "";
    this.#showCounter();
    this.#select(this.#chatTab, false);
    this.#setUnread(0);
  }

  add(entry: ChatEntry, localTimeMs: number): void {
    this.#shown.add(entry);
    this.#append(this.#messageItem(entry, localTimeMs), entry.own);
    if (!entry.own && !this.#seen()) this.#setUnread(this.#unread + 1);
  }

  /**
   * The room's last messages, as the server sends them on joining (and again on a resume that
   * could not replay): those not shown yet are shown, never counted as unread, and said to be
   * from before we joined, or (all sent since) from while we were away.
   */
  addEarlier(entries: readonly { entry: ChatEntry; localTimeMs: number }[]): void {
    const fresh = this.#shown.unseen(entries.map(({ entry, localTimeMs }) => ({
      ...entry,
      localTimeMs,
    })));
    if (fresh.length === 0) return;
    for (const entry of fresh) this.#append(this.#messageItem(entry, entry.localTimeMs), true);
    const missed = fresh.every((entry) => entry.localTimeMs >= this.#joinedAtMs);
    this.note(
      missed
        ? "The messages above were sent while you were away"
        : "You joined: the messages above were sent before",
    );
  }

  #messageItem(entry: ChatEntry, localTimeMs: number): HTMLLIElement {
    const time = new Date(localTimeMs);
    return el(
      "li",
      { class: entry.own ? "message own" : "message" },
      el(
        "p",
        { class: "message-meta" },
        el(
          "span",
          { class: "message-name", "data-tone": toneOf(entry.from) },
          entry.name || "Anonymous",
        ),
        entry.own && el("span", { class: "sr-only" }, " (you)"),
        " ",
        el(
          "time",
          { datetime: time.toISOString(), class: "message-time" },
          time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
        ),
      ),
      el("p", { class: "message-text" }, entry.text),
    );
  }

  /**
   * A line about the room (someone joined or left, a command), not counted as unread. With a
   * `group`, a note right after the last one of the same group replaces it (a host dragging
   * through the film is one "jumped to" line, not twenty).
   */
  note(text: string, group?: string): void {
    const last = this.#log.lastElementChild as HTMLElement | null;
    if (group && last?.dataset.group === group) {
      last.textContent = text;
      return;
    }
    this.#append(el("li", { class: "message-note", "data-group": group }, text), false);
  }

  focusInput(): void {
    this.#text.focus();
  }

  #append(item: HTMLLIElement, scroll: boolean): void {
    const log = this.#log;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    log.append(item);
    this.#empty.hidden = true;
    // Follow the conversation unless the reader scrolled up to read something older.
    if (scroll || atBottom) log.scrollTop = log.scrollHeight;
  }

  #submit(): void {
    const text = this.#text.value.trim();
    if (!text) return;
    if (Array.from(text).length > MAX_CHAT) {
      this.#showCounter();
      return;
    }
    if (this.#send(text)) {
      this.#text.value = "";
      this.#showCounter();
    }
  }

  /** Typing or pasting past the limit keeps the first MAX_CHAT code points (of the trimmed text). */
  #limit(): void {
    const input = this.#text;
    const value = input.value;
    const lead = value.length - value.trimStart().length;
    const points = Array.from(value.slice(lead));
    if (points.length <= MAX_CHAT) return;
    const kept = value.slice(0, lead) + points.slice(0, MAX_CHAT).join("");
    // Trailing blanks beyond the limit are trimmed when sent anyway: only cut real text.
    if (kept.trimEnd().length === value.trimEnd().length) return;
    input.value = kept;
  }

  #showCounter(): void {
    const length = Array.from(this.#text.value.trim()).length;
    this.#counter.hidden = length < COUNTER_FROM;
    this.#counter.textContent = `${length} / ${MAX_CHAT}`;
    this.#counter.dataset.over = String(length > MAX_CHAT);
  }

  #seen(): boolean {
    return !this.#room.hidden && document.visibilityState === "visible" &&
      this.#chatTab.getAttribute("aria-selected") === "true" && this.#logInView;
  }

  #maybeSeen(): void {
    if (this.#unread > 0 && this.#seen()) this.#setUnread(0);
  }

  #setUnread(count: number): void {
    this.#unread = count;
    this.#unreadBadge.hidden = count === 0;
    this.#unreadBadge.textContent = count === 0 ? "" : count > 99 ? "99+" : String(count);
    if (count === 0) this.#chatTab.removeAttribute("aria-label");
    else this.#chatTab.setAttribute("aria-label", `Chat, ${count} unread`);
    this.#onUnread(count);
  }

  #select(tab: HTMLButtonElement, focus = true): void {
    for (const other of this.#tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      byId(other.getAttribute("aria-controls")!).hidden = !selected;
    }
    if (
      focus && document.activeElement !== tab &&
      this.#tabs.includes(document.activeElement as HTMLButtonElement)
    ) {
      tab.focus();
    }
    this.#maybeSeen();
  }

  /** Arrow keys, Home and End move between tabs (the ARIA tabs pattern, automatic activation). */
  #tabKey(event: KeyboardEvent, tab: HTMLButtonElement): void {
    const index = this.#tabs.indexOf(tab);
    const last = this.#tabs.length - 1;
    const next = {
      ArrowRight: index === last ? 0 : index + 1,
      ArrowLeft: index === 0 ? last : index - 1,
      Home: 0,
      End: last,
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = this.#tabs[next]!;
    this.#select(target);
    target.focus();
  }
}
