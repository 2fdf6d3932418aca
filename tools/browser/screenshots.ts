/**
 * Screenshots of the states a browser test reaches, to be looked at by a person: saved only when
 * OWP_SCREENSHOTS=<dir> is set, so a normal run writes nothing.
 */
import type { Page } from "playwright-core";

const SCREENSHOTS_DIR = Deno.env.get("OWP_SCREENSHOTS");

/** A phone's viewport (CSS pixels), the narrow layout every state is also judged at. */
const PHONE_VIEWPORT = { width: 390, height: 844 };

export interface SnapOptions {
  /** Also at 390 px wide (`<name>-phone.png` beside `<name>-desktop.png`). */
  phone?: boolean;
  /** On the phone, scroll this into view and take the viewport; without it, the whole page. */
  focus?: string;
}

/** Saves the page as it is now under `name`; the viewport is put back afterwards. */
export async function snap(page: Page, name: string, options: SnapOptions = {}): Promise<void> {
  if (!SCREENSHOTS_DIR) return;
  if (!options.phone) {
    await page.screenshot({ path: `${SCREENSHOTS_DIR}/${name}.png` });
    return;
  }
  const size = page.viewportSize();
  await page.screenshot({ path: `${SCREENSHOTS_DIR}/${name}-desktop.png` });
  await page.setViewportSize(PHONE_VIEWPORT);
  if (options.focus) await page.locator(options.focus).scrollIntoViewIfNeeded();
  await page.screenshot({
    path: `${SCREENSHOTS_DIR}/${name}-phone.png`,
    fullPage: !options.focus,
  });
  if (size) await page.setViewportSize(size);
}
