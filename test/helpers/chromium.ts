import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots the browser tests keep (gitignored; CI keeps the folder as an artifact). */
export const ARTIFACTS = resolve(__dirname, '..', 'artifacts');

/**
 * Debian's Chromium, headless, as root on a machine with no outside network: without the
 * background-networking flags it keeps trying to reach Google's hosts.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run scripts/install-system-packages.sh (as root) to install Debian's chromium for the browser tests`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
