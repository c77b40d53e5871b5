/**
 * Real headless Chromium for the dashboard's end-to-end tests: Debian's /usr/bin/chromium
 * (browsers cannot be downloaded here) driven by playwright-core. Like the other services, a
 * missing Chromium skips the tests with a message outside CI, and fails them under CI=true.
 */
import { accessSync, constants } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import type { ServiceStatus } from "./services.js";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function requireChromium(env: NodeJS.ProcessEnv = process.env): ServiceStatus {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return { available: true, reason: "" };
  } catch {
    const how = "install it with `apt-get install -y chromium` (or set CHROMIUM_PATH)";
    if (env.CI === "true")
      throw new Error(`Chromium is not at ${CHROMIUM_PATH}, and in CI the browser tests must run: ${how}`);
    const reason = `Chromium is not at ${CHROMIUM_PATH}: skipping the browser tests (${how}; in CI this is a failure)`;
    console.warn(reason);
    return { available: false, reason };
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
  });
}
