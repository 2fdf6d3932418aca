/// <reference lib="dom" />
/**
 * The "Up next" tab: what plays now, the room's queue in order, and, for whoever may control
 * playback, a link field to queue a video or play it now, and per item: up, down, play now,
 * remove. Everyone else sees the same list, read-only. Everything it shows is the room as the
 * server last said; every button asks the server, and the list changes when it answers.
 */
import type { MediaChoice, QueueEntry, RoomView } from "../client/mod.ts";
import { byId, el } from "./dom.ts";
import { checkMediaUrl, mediaLabel } from "./urls.ts";
import { MAX_MEDIA_TITLE_CHARS as MAX_TITLE_CHARS, MAX_QUEUE_ITEMS } from "../protocol/limits.ts";

export const QUEUE_TEXTS = {
  emptyController: "Nothing queued. Add a video link to play after this one.",
  emptyViewer: "Nothing queued.",
  hintController:
    "When everyone reaches the end of a video, the next one starts for all. “Play now” " +
    "switches everyone at once.",
  hintViewer: "The host chooses what plays next.",
  titleTooLong: `A title has at most ${MAX_TITLE_CHARS} characters.`,
  full: `The queue is full (${MAX_QUEUE_ITEMS} videos).`,
} as const;

export interface QueueActions {
  add(media: MediaChoice): void;
  /** Plays this link now, for everyone (set_media). */
  playNow(media: MediaChoice): void;
  /** Plays a queued item now: it moves to the front, then plays. */
  playItem(itemId: string): void;
  remove(itemId: string): void;
  move(itemId: string, index: number): void;
  next(): void;
}

export class QueuePanel {
  readonly #nowPlaying = byId("now-playing-title");
  readonly #count = byId("queue-count");
  readonly #next = byId("queue-next", HTMLButtonElement);
  readonly #list = byId("queue-list", HTMLOListElement);
  readonly #empty = byId("queue-empty");
  readonly #form = byId("queue-form", HTMLFormElement);
  readonly #url = byId("queue-url", HTMLInputElement);
  readonly #urlError = byId("queue-url-error");
  readonly #title = byId("queue-item-title", HTMLInputElement);
  readonly #playNow = byId("queue-play-now", HTMLButtonElement);
  readonly #hint = byId("queue-hint");
  readonly #actions: QueueActions;
  #room: RoomView | null = null;

  constructor(actions: QueueActions) {
    this.#actions = actions;
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      const media = this.#choice();
      if (!media) return;
      if ((this.#room?.queue.length ?? 0) >= MAX_QUEUE_ITEMS) {
        return this.#showError(QUEUE_TEXTS.full);
      }
      actions.add(media);
      this.#form.reset();
    });
    this.#playNow.addEventListener("click", () => {
      const media = this.#choice();
      if (!media) return;
      actions.playNow(media);
      this.#form.reset();
    });
    this.#url.addEventListener("input", () => this.#showError(null));
    this.#title.addEventListener("input", () => this.#showError(null));
    this.#next.addEventListener("click", () => actions.next());
  }

  render(room: RoomView): void {
    const fresh = this.#room?.id !== room.id;
    this.#room = room;
    if (fresh) {
      this.#form.reset();
      this.#showError(null);
    }
    this.#nowPlaying.textContent = room.mediaUrl
      ? mediaLabel(room.mediaUrl, room.mediaTitle)
      : "No video link (started from Jellyfin)";
    if (room.mediaUrl) this.#nowPlaying.title = room.mediaUrl;
    else this.#nowPlaying.removeAttribute("title");
    const queue = room.queue;
    this.#count.textContent = queue.length > 0 ? String(queue.length) : "";
    this.#next.hidden = !room.canControl || queue.length === 0;
    this.#form.hidden = !room.canControl;
    this.#empty.hidden = queue.length > 0;
    this.#empty.textContent = room.canControl
      ? QUEUE_TEXTS.emptyController
      : QUEUE_TEXTS.emptyViewer;
    this.#hint.textContent = room.canControl ? QUEUE_TEXTS.hintController : QUEUE_TEXTS.hintViewer;
    this.#renderList(room, queue);
  }

  #renderList(room: RoomView, queue: readonly QueueEntry[]): void {
    // A button that had the focus keeps it across the redraw (its item, its action).
    const focused = document.activeElement instanceof HTMLElement &&
        this.#list.contains(document.activeElement)
      ? document.activeElement.dataset.key
      : undefined;
    const nameOf = (id: string) =>
      room.participants?.find((person) => person.id === id)?.name ?? null;
    this.#list.replaceChildren(...queue.map((item, index) => {
      const label = mediaLabel(item.mediaUrl, item.title);
      const by = nameOf(item.addedBy);
      const button = (text: string, action: string, aria: string, run: () => void) => {
        const element = el("button", {
          class: "btn btn-small",
          type: "button",
          "aria-label": aria,
          "data-key": `${item.id}:${action}`,
        }, text);
        element.addEventListener("click", run);
        return element;
      };
      const actions = room.canControl &&
        el(
          "div",
          { class: "queue-actions" },
          index > 0 &&
            button("↑", "up", `Move ${label} up`, () => this.#actions.move(item.id, index - 1)),
          index < queue.length - 1 &&
            button(
              "↓",
              "down",
              `Move ${label} down`,
              () => this.#actions.move(item.id, index + 1),
            ),
          button("Play now", "play", `Play now: ${label}`, () => this.#actions.playItem(item.id)),
          button("Remove", "remove", `Remove ${label}`, () => this.#actions.remove(item.id)),
        );
      return el(
        "li",
        { class: "queue-item" },
        el("span", { class: "queue-position", "aria-hidden": "true" }, String(index + 1)),
        el(
          "div",
          { class: "queue-info" },
          el("span", { class: "queue-item-title", title: item.mediaUrl }, label),
          by && el("span", { class: "queue-by" }, `added by ${by}`),
        ),
        actions,
      );
    }));
    if (focused) {
      const again = this.#list.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]`);
      (again ?? this.#list.querySelector<HTMLElement>("button") ?? this.#url).focus();
    }
  }

  /** The link and title typed, checked as the server will; null (and why, shown) when wrong. */
  #choice(): MediaChoice | null {
    const mediaUrl = this.#url.value.trim();
    const title = this.#title.value.trim();
    const problem = checkMediaUrl(mediaUrl) ??
      ([...title].length > MAX_TITLE_CHARS ? QUEUE_TEXTS.titleTooLong : null);
    this.#showError(problem);
    if (problem) {
      this.#url.focus();
      return null;
    }
    return { mediaUrl, title: title || undefined };
  }

  #showError(text: string | null): void {
    this.#urlError.hidden = text === null;
    this.#urlError.textContent = text ?? "";
    if (text) this.#url.setAttribute("aria-invalid", "true");
    else this.#url.removeAttribute("aria-invalid");
  }
}
