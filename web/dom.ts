/// <reference lib="dom" />
/**
 * DOM helpers for the watch page. User text only ever goes in through `textContent` (here,
 * `el`'s string children): never through innerHTML.
 */

/** The element with this id, of the expected type; throws early when the page is not ours. */
export function byId<T extends HTMLElement = HTMLElement>(
  id: string,
  type?: { new (): T },
): T {
  const element = document.getElementById(id);
  if (!element || (type && !(element instanceof type))) {
    throw new Error(`#${id} missing from the page`);
  }
  return element as T;
}

type Child = Node | string | null | undefined | false;

/** A new element with attributes and children (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === "class") element.className = String(value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** A stable colour slot (0–7) for a name or id, so a person keeps their colour. */
export function toneOf(key: string): string {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return String(hash % 8);
}

/** The first letter of a name, for an avatar (a whole grapheme, not half a surrogate pair). */
export function initialOf(name: string): string {
  const first = Array.from(name.trim())[0];
  return first ? first.toUpperCase() : "?";
}

/**
 * Says something to screen readers through one polite live region. The same text twice in a
 * row is still announced (the region is cleared first).
 */
export function announcer(region: HTMLElement): (text: string) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (text) => {
    region.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(() => {
      region.textContent = text;
    }, 50);
  };
}

/** Web storage that may be off (private mode, policy): the page works, it just forgets. */
function safeStore(store: () => Storage) {
  return {
    get(key: string): string | null {
      try {
        return store().getItem(key);
      } catch {
        return null;
      }
    },
    set(key: string, value: string): void {
      try {
        store().setItem(key, value);
      } catch {
        // as above
      }
    },
  };
}

/** Kept across visits: the name, the volume. */
export const storage = safeStore(() => localStorage);
/** Kept for this tab only: the session a reload takes back. */
export const sessionStore = safeStore(() => sessionStorage);
