// Shared pieces of the browser tests: one Chromium, pages that record
// console problems, signing up through the real form, and axe-core checks.
import { before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium } from "playwright-core";

export const BASE = process.env.CALLWRIGHT_E2E_URL ?? "http://127.0.0.1:3000";
export const ARTIFACTS = path.resolve("end2end/artifacts");
mkdirSync(ARTIFACTS, { recursive: true });
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
after(async () => {
  await browser?.close();
});

/** A fresh browser context and page; `problems` collects console errors, warnings and failed requests. */
export async function openPage(viewport = { width: 1280, height: 800 }, { javaScript = true } = {}) {
  const context = await browser.newContext({ viewport, javaScriptEnabled: javaScript });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { context, page, problems };
}

export async function hydrated(page) {
  await page.waitForSelector("html[data-hydrated=true]", { timeout: 30_000 });
}

/** Signs a new person up through the sign-up form; returns their email. */
export async function signUp(page, name = "Grace Hopper") {
  const email = `${name.split(" ")[0].toLowerCase()}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto(BASE + "/signup", { waitUntil: "load" });
  await hydrated(page);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password (at least 8 characters)").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(BASE + "/");
  await page.locator("#user-menu").getByText(name).waitFor();
  return email;
}

/** Plans a call from the composer and opens its task page. */
export async function planCall(page, instruction, expectStatus) {
  if (new URL(page.url()).pathname !== "/") {
    await page.getByRole("link", { name: "Callwright" }).first().click();
    await page.waitForURL(BASE + "/");
  }
  await page.getByLabel("Describe the call").fill(instruction);
  await page.getByRole("button", { name: "Plan the call" }).click();
  const result = page.locator("#composer-result");
  await result.getByText(expectStatus).waitFor();
  await result.locator("#open-task").click();
  await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
  await page.locator("#plan").waitFor();
}

/** Runs axe-core on the page and fails on serious or critical violations. */
export async function assertAccessible(page, label) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  });
  assert.deepEqual(violations, [], `accessibility of ${label}`);
}

/** The page fits its width: nothing scrolls sideways. */
export async function assertNoSidewaysScroll(page, label) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `${label}: page is ${scroll}px wide in a ${width}px window`);
}

export function shot(page, name) {
  return page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}
