// Browser tests in real headless Chromium (Debian's /usr/bin/chromium driven
// by playwright-core). The server under test is started by scripts/test.sh and
// its address passed in CALLWRIGHT_E2E_URL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.CALLWRIGHT_E2E_URL ?? "http://127.0.0.1:3000";
const ARTIFACTS = path.resolve("end2end/artifacts");
mkdirSync(ARTIFACTS, { recursive: true });

let browser;

// playwright gives every launch a fresh, temporary user-data directory.
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
});

/** A fresh page that records console errors and failed requests. */
async function openPage(viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()}`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { context, page, problems };
}

test("the home page hydrates: the mobile menu opens and navigates", async () => {
  const { context, page, problems } = await openPage({ width: 390, height: 844 });
  await page.goto(BASE + "/", { waitUntil: "load" });
  await page.waitForSelector("html[data-hydrated=true]", { timeout: 30_000 });

  const nav = page.locator("#primary-nav");
  const toggle = page.locator("#menu-toggle");
  assert.equal(await nav.isVisible(), false, "menu starts closed on a phone");
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");

  await toggle.click();
  await nav.waitFor({ state: "visible" });
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  assert.equal((await toggle.textContent()).trim(), "Close");

  // Client-side navigation closes the menu and marks the current page.
  await nav.getByRole("link", { name: "Contacts" }).click();
  await page.waitForURL(BASE + "/contacts");
  await page.getByRole("heading", { name: "Contacts" }).waitFor();
  await nav.waitFor({ state: "hidden", timeout: 5_000 });
  assert.equal(await page.locator('#primary-nav a[href="/contacts"]').getAttribute("aria-current"), "page");

  await page.screenshot({ path: path.join(ARTIFACTS, "home-mobile.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("the app is an installable PWA with a registered service worker", async () => {
  const { context, page, problems } = await openPage({ width: 1280, height: 800 });
  await page.goto(BASE + "/", { waitUntil: "load" });

  const href = await page.locator('link[rel="manifest"]').getAttribute("href");
  const manifest = await (await page.request.get(new URL(href, BASE).href)).json();
  assert.equal(manifest.name, "Callwright");
  assert.equal(manifest.short_name, "Callwright");
  assert.equal(manifest.start_url, "/");
  assert.equal(manifest.display, "standalone");
  assert.ok(manifest.theme_color && manifest.background_color);
  const sizes = manifest.icons.map((i) => `${i.sizes}:${i.purpose}`);
  for (const want of ["192x192:any", "512x512:any", "512x512:maskable"]) assert.ok(sizes.includes(want), want);
  for (const icon of manifest.icons) {
    const res = await page.request.get(new URL(icon.src, BASE).href);
    assert.equal(res.status(), 200, icon.src);
    assert.equal(res.headers()["content-type"], "image/png");
  }

  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, BASE + "/");
  const cached = await page.evaluate(async () => {
    const keys = await caches.keys();
    const urls = [];
    for (const k of keys) for (const r of await (await caches.open(k)).keys()) urls.push(new URL(r.url).pathname);
    return urls;
  });
  assert.ok(cached.includes("/offline.html"), `shell cached: ${cached}`);
  assert.ok(cached.includes("/pkg/callwright.js"), `bundle cached: ${cached}`);
  assert.ok(!cached.some((u) => u.startsWith("/api/")), "no API responses cached");

  await page.screenshot({ path: path.join(ARTIFACTS, "home-desktop.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
