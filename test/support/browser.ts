/**
 * Headless Chromium for the status-page test: the Debian `chromium` package
 * (installed by .ci/run when missing), driven by playwright-core with
 * `executablePath`, so no browser is downloaded at test time.
 * CHROMIUM_PATH overrides the search.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/lib/chromium/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given) return given;
  return CANDIDATES.find((p) => existsSync(p));
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(`no Chromium found (looked at ${CANDIDATES.join(', ')}; set CHROMIUM_PATH or apt-get install chromium)`);
  // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
