// Browser tests in real headless Chromium (Debian's /usr/bin/chromium driven
// by playwright-core). The server under test is started by scripts/test.sh and
// its address passed in CALLWRIGHT_E2E_URL.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, openPage, shot } from "./helpers.mjs";

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

  await shot(page, "home-mobile.png");
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

  await shot(page, "home-desktop.png");
  assert.deepEqual(problems, []);
  await context.close();
});

test("without JavaScript a person can still sign up, plan a call and find it in the list", async () => {
  const { context, page, problems } = await openPage({ width: 1280, height: 800 }, { javaScript: false });
  await page.goto(BASE + "/signup", { waitUntil: "load" });
  await page.getByLabel("Your name").fill("Hedy Lamarr");
  await page.getByLabel("Email").fill(`hedy-${Date.now()}@example.com`);
  await page.getByLabel("Password (at least 8 characters)").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForLoadState("load");
  await page.goto(BASE + "/", { waitUntil: "load" });
  await page.locator("#user-menu").getByText("Hedy Lamarr").waitFor();
  await page.getByLabel("Describe the call").fill("Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250");
  await page.getByRole("button", { name: "Plan the call" }).click();
  await page.waitForLoadState("load");
  await page.goto(BASE + "/tasks?q=leak", { waitUntil: "load" });
  await page.locator("#task-list .task-row").first().getByText(/leak/i).waitFor();
  await shot(page, "no-script-task-list.png");
  assert.deepEqual(problems, []);
  await context.close();
});
