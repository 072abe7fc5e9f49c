// What both browser scripts share: Debian's Chromium (never a browser playwright downloads),
// started with the flags the project runs it with, in a fresh profile that is removed
// afterwards; and the list of failed checks.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A browser context of `viewport` size; `close()` also removes its profile. */
export async function launch(viewport) {
  const userDataDir = mkdtempSync(join(tmpdir(), "peerlog-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport,
  });
  const close = async () => {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

/** `check(ok, what)` prints each check and keeps the failed ones in `failures`. */
export function checks() {
  const failures = [];
  const check = (ok, what) => {
    if (!ok) failures.push(what);
    console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  };
  return { failures, check };
}
