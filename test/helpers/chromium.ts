import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's `chromium` package (`.ci/run` installs it); CORDON_CHROMIUM picks another binary. */
export const CHROMIUM = process.env['CORDON_CHROMIUM'] ?? '/usr/bin/chromium';

/** Headless Chromium driven by playwright-core. Fails (never skips) when the browser is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium), as .ci/run does, or set CORDON_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}
