/// <reference lib="dom" />
/**
 * The room's playback speed: a menu for whoever may control playback, and for everyone else
 * the speed itself whenever it is not 1×.
 */
import { byId } from "./dom.ts";

export class SpeedControl {
  readonly #control = byId("speed-control");
  readonly #select = byId("speed", HTMLSelectElement);
  readonly #shown = byId("speed-shown");

  constructor(setRate: (rate: number) => void) {
    this.#select.addEventListener("change", () => setRate(Number(this.#select.value)));
  }

  render(rate: number, canControl: boolean): void {
    const value = String(rate);
    if (![...this.#select.options].some((option) => option.value === value)) {
      // A rate set elsewhere (another client) that the menu does not list.
      this.#select.add(new Option(`${rate}×`, value));
    }
    if (this.#select.value !== value) this.#select.value = value;
    this.#control.hidden = !canControl;
    this.#shown.hidden = canControl || rate === 1;
    this.#shown.textContent = `${rate}× speed`;
  }

  hide(): void {
    this.#control.hidden = true;
    this.#shown.hidden = true;
  }
}
