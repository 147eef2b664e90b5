// The seed's three flows, done as a person would in headless Chromium, on
// the built-in sandbox: the businesses speak at a human pace (the test
// server sets SANDBOX_SPEECH_MS_PER_CHAR), so the transcript really arrives
// line by line over the websocket.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, openPage, hydrated, signUp, planCall, assertAccessible, assertNoSidewaysScroll, shot } from "./helpers.mjs";

const CALL_DONE = 90_000;

/** Starts the call from the task page and lands on the live call page. */
async function startCall(page) {
  await page.locator("#start-call").click();
  await page.waitForURL(/\/calls\/[0-9a-f-]{36}$/).catch(async (e) => {
    await shot(page, "failed-start.png");
    throw e;
  });
  await page.locator("#transcript").waitFor();
}

test("flow 1: describe, start, watch the transcript live, read the summary and facts, play the recording", async () => {
  const { context, page, problems } = await openPage({ width: 1280, height: 900 });
  await signUp(page, "Ada Lovelace");
  // Ada wants her calls recorded.
  await page.goto(BASE + "/settings", { waitUntil: "load" });
  await hydrated(page);
  await page.getByLabel("Record calls").check();
  await page.locator("#save-settings").click();
  await page.locator("#settings-status").getByText("Saved.").waitFor();
  await planCall(page, "Call my dentist at 415-555-0100 and book a cleaning next week under $100", "Ready to call");
  assert.match(await page.locator("#plan-limit").textContent(), /\$100\.00/);
  await assertAccessible(page, "task page");
  await startCall(page);

  // The page is not reloaded: a marker set now survives until the end.
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.locator("#live-indicator").getByText("Live").waitFor({ timeout: 15_000 });
  const segments = page.locator("#transcript .segment");
  await segments.first().waitFor({ timeout: 20_000 });
  const early = await segments.count();
  await page.waitForFunction((n) => document.querySelectorAll("#transcript .segment").length > n + 2, early, { timeout: 30_000 });
  await shot(page, "flow1-live.png");

  await page.locator("#summary").waitFor({ timeout: CALL_DONE });
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the transcript and summary arrived without a reload");
  assert.match(await page.locator("#goal-achieved").textContent(), /Goal achieved/);
  const speakers = await segments.evaluateAll((els) => els.map((e) => e.dataset.speaker));
  assert.ok(speakers.includes("assistant") && speakers.includes("human"), speakers.join(","));
  assert.match(await page.locator("#transcript").textContent(), /Bright Smiles Dental/);
  const first = page.locator('#transcript .segment[data-speaker="assistant"]').first();
  assert.match(await first.textContent(), /This call is being recorded\./, "the business is told first");

  const facts = page.locator("#facts");
  assert.match(await facts.locator('[data-type="price"]').textContent(), /\$85\.00/);
  // "Add to calendar" downloads the appointment's .ics from the server.
  const calendar = await page.locator("#add-to-calendar").getAttribute("href");
  assert.match(calendar, /^\/api\/appointments\/[0-9a-f-]{36}\.ics$/);
  const ics = await page.evaluate(async (href) => (await fetch(href)).text(), calendar);
  assert.match(ics, /DTSTART:\d{8}T143000/);
  assert.match(await page.locator("#confirmation-value").textContent(), /^DC-/);
  // The business confirmed the read-back: the appointment says so, and its
  // link scrolls to the line it was said on and marks it.
  const appointment = facts.locator('[data-type="appointment"]');
  await appointment.locator("[data-confirmed]").waitFor();
  assert.equal(await facts.locator('[data-type="business_name"] [data-confirmed]').count(), 0, "never read back");
  await appointment.getByRole("link", { name: "Where it was said" }).click();
  await page.waitForFunction(() => document.querySelector(".segment:target") !== null);
  const marked = page.locator(".segment:target");
  assert.equal(await marked.getAttribute("data-speaker"), "human");
  assert.match(await marked.textContent(), /Tuesday/);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the link stays on the page");
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await facts.getByRole("button", { name: "Copy" }).click();
  await facts.getByRole("button", { name: "Copied" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), (await page.locator("#confirmation-value").textContent()).trim());
  // What it cost: the sandbox is free and the offline engine uses no model.
  assert.equal((await page.locator("#call-cost").textContent()).trim(), "$0.00 phone · no AI model used");
  // The recording arrives after the call ended and appears without a reload; the browser plays it.
  const player = page.locator("#call-recording");
  await player.waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => window.__sameDocument), true);
  const src = await player.getAttribute("src");
  assert.match(src, /^\/api\/call-sessions\/[0-9a-f-]{36}\/recording$/);
  const seconds = await player.evaluate((audio) => new Promise((resolve, reject) => {
    audio.addEventListener("loadedmetadata", () => resolve(audio.duration), { once: true });
    audio.addEventListener("error", () => reject(new Error(`cannot play: ${audio.error && audio.error.code}`)), { once: true });
    audio.preload = "auto";
    audio.load();
  }));
  assert.ok(seconds >= 1, `a recording of ${seconds} s`);
  const head = await page.evaluate(async (href) => {
    const res = await fetch(href);
    return [res.status, res.headers.get("content-type"), new TextDecoder().decode((await res.arrayBuffer()).slice(0, 4))];
  }, src);
  assert.deepEqual(head, [200, "audio/wav", "RIFF"]);
  await assertAccessible(page, "finished call page");
  await shot(page, "flow1-summary.png");

  // The task shows the finished call in its history.
  const callPage = page.url().split("#")[0];
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link").nth(1).click();
  await page.locator("#call-history").getByText("Call ended").waitFor();
  assert.match(await page.locator("#task-cost").textContent(), /^\$0\.00 phone/);

  // From the task list's search, what the calls said: the line found, marked, leads to its place on the call's page.
  await page.getByRole("navigation", { name: "Primary" }).getByRole("link", { name: "Tasks" }).click();
  await page.waitForURL(BASE + "/tasks");
  await page.getByLabel("Search titles").fill("smiles");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/q=smiles/);
  await page.getByRole("link", { name: "Search what your calls said" }).click();
  await page.waitForURL(BASE + "/search?q=smiles");
  const match = page.locator('#call-matches .call-match[data-kind="line"]').first();
  await match.waitFor();
  assert.match(await match.locator("mark").first().textContent(), /^Smiles$/i);
  assert.equal(await page.getByLabel("Words said on your calls").inputValue(), "smiles");
  await assertAccessible(page, "search results");
  await match.getByRole("link").click();
  await page.waitForURL((url) => url.href.startsWith(callPage) && /#segment-[0-9a-f-]{36}$/.test(url.href));
  await hydrated(page);
  // The line itself is the page's target: scrolled to and marked.
  await page.locator("#transcript .segment:target").waitFor();
  assert.match(await page.locator("#transcript .segment:target").textContent(), /Bright Smiles/);

  // Insights, from the menu: the call counted, as charts with their tables, on a phone too.
  await page.getByRole("navigation", { name: "Primary" }).getByRole("link", { name: "Insights" }).click();
  await page.waitForURL(BASE + "/insights");
  await page.setViewportSize({ width: 360, height: 780 });
  await page.locator("#insight-totals").waitFor();
  const tiles = await page.locator("#insight-totals > div").evaluateAll((els) =>
    els.map((e) => `${e.querySelector("dt").textContent}=${e.querySelector("dd").textContent}`));
  assert.ok(tiles.includes("Calls=1") && tiles.includes("Goal reached=100%"), tiles.join(", "));
  const weeks = page.locator("#insights-weeks");
  assert.equal(await weeks.locator("svg[role=img] rect").count(), 1, "one bar: this week's call, which reached its goal");
  const cells = await weeks.locator("tbody tr").first().locator("th, td").allTextContents();
  assert.deepEqual(cells.slice(1), ["1", "1", "100%"]);
  assert.match(await page.locator("#insights-kinds table").textContent(), /Booking/);
  await page.locator("#insights-failures").getByText("Every call reached its goal.").waitFor();
  // Nothing on the page needs script: the menu is open, its links plain.
  assert.equal(await page.locator("#primary-nav").isVisible(), true);
  await assertAccessible(page, "insights");
  await assertNoSidewaysScroll(page, "insights");
  await shot(page, "insights-phone.png");
  // A period that ends before it starts is refused, and the form stays.
  await page.getByLabel("From", { exact: true }).fill("2026-03-01");
  await page.getByLabel("To", { exact: true }).fill("2026-02-01");
  await page.getByRole("button", { name: "Show" }).click();
  await page.getByRole("alert").getByText("from must be on or before to.").waitFor();
  await page.getByLabel("To", { exact: true }).fill("2026-03-31");
  await page.getByRole("button", { name: "Show" }).click();
  await page.locator("#insights-empty").waitFor();
  // Back into the app from its menu.
  await page.getByRole("navigation", { name: "Primary" }).getByRole("link", { name: "Tasks" }).click();
  await page.waitForURL(BASE + "/tasks");
  await hydrated(page);
  // The only failed request is the refused period (400, answered with its page).
  assert.deepEqual(problems.filter((p) => !/^HTTP 400: .*\/insights\?from=2026-03-01&to=2026-02-01$/.test(p) && !p.includes("status of 400")), []);
  await context.close();
});

test("flow 2: missing details become fields; once filled the task is ready and the call is made (phone width)", async () => {
  const { context, page, problems } = await openPage({ width: 360, height: 780 });
  await signUp(page, "Alan Turing");
  await planCall(page, "Call the restaurant and book a table for four", "Needs details");
  const clarify = page.locator("#clarify");
  await clarify.waitFor();
  assert.equal(await page.locator("#start-call").count(), 0, "no call before the details are in");
  await assertNoSidewaysScroll(page, "task page at 360px");
  await assertAccessible(page, "clarification form");
  await shot(page, "flow2-clarify.png");

  const fields = clarify.locator("input");
  const count = await fields.count();
  assert.ok(count >= 1);
  for (let i = 0; i < count; i++) {
    const field = fields.nth(i);
    const name = await field.getAttribute("name");
    const answer = name === "target_phone_number" ? "415-555-0103" : name.includes("date") || name.includes("day") ? "Friday" : name.includes("time") ? "7pm" : "4";
    await field.fill(answer);
  }
  await clarify.getByRole("button", { name: "Save details" }).click();
  await page.locator(".status-badge[data-status=ready_to_call]").waitFor();
  assert.equal(await page.locator("#clarify").count(), 0);

  await startCall(page);
  await page.locator("#summary").waitFor({ timeout: CALL_DONE });
  await shot(page, "flow2-done.png");
  assert.match(await page.locator("#transcript").textContent(), /Luigi/);
  await assertNoSidewaysScroll(page, "call page at 360px");
  await shot(page, "flow2-done.png");
  assert.deepEqual(problems, []);
  await context.close();
});

test("what is typed into the clarification form survives a live update of the task", async () => {
  const { context, page, problems } = await openPage({ width: 1280, height: 900 });
  await signUp(page, "Grace Hopper");
  await planCall(page, "Call the restaurant and book a table for four", "Needs details");
  const field = page.locator("#clarify input").first();
  await field.fill("Friday at 7pm");
  // Meanwhile another tab (here the REST API, with the same session) renames the task.
  const id = new URL(page.url()).pathname.split("/").pop();
  const status = await page.evaluate(
    async (id) =>
      (
        await fetch(`/api/call-tasks/${id}`, {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ title: "Table for four at Luigi's" }),
        })
      ).status,
    id,
  );
  assert.equal(status, 200);
  // The page follows live, and the half-filled form keeps what was typed.
  await page.locator("h1").getByText("Table for four at Luigi's").waitFor();
  assert.equal(await page.locator("#clarify input").first().inputValue(), "Friday at 7pm");
  assert.deepEqual(problems, []);
  await context.close();
});

/** Flow 3 up to the approval card. */
async function untilApproval(name) {
  const opened = await openPage({ width: 1280, height: 900 });
  const { page } = opened;
  await signUp(page, name);
  await planCall(page, "Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250", "Ready to call");
  await startCall(page);
  const card = page.locator("#approval");
  await card.locator("#approve").waitFor({ timeout: CALL_DONE });
  assert.equal((await page.locator("#approval-amount").textContent()).trim(), "$300.00");
  assert.equal((await page.locator("#approval-limit").textContent()).trim(), "$250.00");
  const first = await page.locator("#approval-countdown").textContent();
  await page.waitForFunction((t) => document.querySelector("#approval-countdown")?.textContent !== t, first, { timeout: 5_000 });
  // The header counts the approval request among the unread notifications.
  await page.locator("#unread-count").waitFor();
  return opened;
}

test("flow 3: a quote over the limit waits for the person; approving books it", async () => {
  const { context, page, problems } = await untilApproval("Katherine Johnson");
  await assertAccessible(page, "approval card");
  await shot(page, "flow3-approval.png");
  await page.locator("#approve").click();
  await page.locator("#approval-outcome").getByText("You approved $300.00.").waitFor({ timeout: 15_000 });
  await page.locator("#summary").waitFor({ timeout: CALL_DONE });
  assert.match(await page.locator("#transcript").textContent(), /approves \$300/);
  assert.match(await page.locator('#facts [data-type="price"]').textContent(), /\$300\.00/);
  await shot(page, "flow3-approved.png");

  // The notifications page lists the request with a link back to the call.
  const callUrl = page.url();
  await page.getByRole("navigation", { name: "Primary" }).getByRole("link", { name: /Notifications/ }).click();
  await page.waitForURL(BASE + "/notifications");
  const list = page.locator("#notification-list");
  await list.getByText(/approv/i).first().waitFor();
  await assertAccessible(page, "notifications");
  await page.locator("#mark-all-read").click();
  await page.locator("#unread-count").waitFor({ state: "detached" });
  await page.waitForFunction(() => document.querySelectorAll('#notification-list .notification[data-read="false"]').length === 0);
  await list.locator(`a[href="${new URL(callUrl).pathname}"]`).first().click();
  await page.waitForURL(callUrl);
  await shot(page, "flow3-notifications.png");
  assert.deepEqual(problems, []);
  await context.close();
});

test("flow 3: rejecting the quote ends the call politely without agreeing", async () => {
  const { context, page, problems } = await untilApproval("Dorothy Vaughan");
  await page.locator("#reject").click();
  await page.locator("#approval-outcome").getByText("You declined $300.00", { exact: false }).waitFor({ timeout: 15_000 });
  await page.locator("#summary").waitFor({ timeout: CALL_DONE });
  assert.doesNotMatch(await page.locator("#transcript").textContent(), /approves \$300/);
  await shot(page, "flow3-rejected.png");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the task list filters, searches, and deletes with confirmation", async () => {
  const { context, page, problems } = await openPage({ width: 1280, height: 900 });
  await signUp(page, "Mary Jackson");
  await planCall(page, "Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250", "Ready to call");
  await planCall(page, "Call my accountant and book an appointment", "Needs details");
  await page.getByRole("navigation", { name: "Primary" }).getByRole("link", { name: "Tasks" }).click();
  await page.waitForURL(BASE + "/tasks");
  const rows = page.locator("#task-list .task-row");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2);
  await assertAccessible(page, "task list");
  await page.evaluate(() => { window.stayed = true; });

  await page.locator("#filter-status").selectOption("waiting_for_user");
  await page.waitForURL(/status=waiting_for_user/);
  await page.waitForFunction(() => document.querySelectorAll("#task-list .task-row").length === 1);
  await page.locator("#filter-status").selectOption("");
  await page.getByLabel("Search titles").fill("leak");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/q=leak/);
  await page.waitForFunction(() => document.querySelectorAll("#task-list .task-row").length === 1);
  await rows.first().getByText(/leak/i).waitFor();
  assert.equal(await page.evaluate(() => window.stayed), true, "filters apply in place, without reloading the page");

  await rows.first().getByRole("button", { name: "Delete" }).click();
  await rows.first().locator(".confirm-delete").click();
  await page.locator("#tasks-empty").getByText("No tasks match these filters.").waitFor();
  await shot(page, "task-list.png");
  assert.deepEqual(problems, []);
  await context.close();
});
