// Contacts and settings, through the pages a person uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, openPage, hydrated, signUp, assertAccessible, assertNoSidewaysScroll, shot } from "./helpers.mjs";

test("contacts: add with inline validation, search, edit, delete", async () => {
  const { context, page, problems } = await openPage({ width: 1280, height: 900 });
  await signUp(page, "Hedy Lamarr");
  await page.getByRole("navigation", { name: "Primary" }).getByRole("link", { name: "Contacts" }).click();
  await page.waitForURL(BASE + "/contacts");
  await page.locator("#contacts-empty").waitFor();

  await page.locator("#add-contact").click();
  const form = page.locator(".contact-form");
  await form.getByRole("button", { name: "Save contact" }).click();
  await form.getByText("Give the contact a name.").waitFor();
  assert.equal(await form.getByLabel("Name").getAttribute("aria-invalid"), "true");
  await form.getByLabel("Name").fill("Dr. Lee");
  await form.getByLabel("Company").fill("Bright Smiles Dental");
  await form.getByLabel("Phone number").fill("not a number");
  await form.getByRole("button", { name: "Save contact" }).click();
  // The server's verdict on the number is shown under that field.
  await page.waitForFunction(() => document.querySelector('[id$="-phone_number-error"]')?.textContent.length > 0);
  await form.getByLabel("Phone number").fill("(415) 555-0100");
  await form.getByRole("button", { name: "Save contact" }).click();
  const list = page.locator("#contact-list");
  await list.getByText("+14155550100").waitFor();
  await assertAccessible(page, "contacts");

  await page.locator("#add-contact").click();
  await form.getByLabel("Name").fill("Rapid Plumbing");
  await form.getByLabel("Phone number").fill("415-555-0102");
  await form.getByRole("button", { name: "Save contact" }).click();
  await list.getByText("Rapid Plumbing").waitFor();
  assert.equal(await list.locator(".contact").count(), 2);

  await page.getByLabel("Search contacts").fill("smiles");
  await page.waitForFunction(() => document.querySelectorAll("#contact-list .contact").length === 1);

  const lee = list.locator(".contact").first();
  await lee.getByRole("button", { name: "Edit" }).click();
  await lee.getByLabel("Notes").fill("Ask for Sarah");
  await lee.getByRole("button", { name: "Save contact" }).click();
  await list.getByText("Ask for Sarah").waitFor();
  await shot(page, "contacts.png");

  await list.locator(".contact").first().getByRole("button", { name: "Delete" }).click();
  await list.locator(".contact").first().getByRole("button", { name: "Yes, delete" }).click();
  await page.locator("#contacts-empty").getByText("No contact matches that search.").waitFor();
  // The only failed request is the refused phone number (400, answered with its reason).
  assert.deepEqual(problems.filter((p) => !/HTTP 400: .*\/api\/fn\/save_contact$/.test(p) && !p.includes("status of 400")), []);
  await context.close();
});

test("settings: every field is checked as it is typed and saved for good (phone width)", async () => {
  const { context, page, problems } = await openPage({ width: 360, height: 780 });
  await signUp(page, "Joan Clarke");
  await page.goto(BASE + "/settings", { waitUntil: "load" });
  await hydrated(page);
  const save = page.locator("#save-settings");
  await save.waitFor();
  assert.equal(await save.isDisabled(), true, "nothing to save yet");

  await page.getByLabel("Tone").selectOption("formal");
  await page.getByLabel("Retry attempts").fill("9");
  await page.locator("#set-attempts-error").getByText("max_retry_attempts must be between 0 and 5").waitFor();
  assert.equal(await save.isDisabled(), true, "an invalid value cannot be saved");
  await page.getByLabel("Retry attempts").fill("2");
  await page.getByLabel("Opens").fill("17:00");
  await page.getByLabel("Closes").fill("09:00");
  await page.getByText("Business hours must end after they start.").waitFor();
  await page.getByLabel("Opens").fill("08:30");
  await page.getByLabel("Time zone").fill("Mars/Olympus");
  await save.click();
  // The zone database lives on the server: its answer appears under the field.
  await page.locator("#set-zone-error").getByText("is not a time zone", { exact: false }).waitFor();
  await page.getByLabel("Time zone").fill("Europe/Berlin");
  // The server's objection goes away as soon as the field is changed.
  await page.locator("#set-zone-error").getByText("is not a time zone", { exact: false }).waitFor({ state: "detached" });
  await page.getByLabel("Approve on its own up to ($)").fill("25");
  await page.getByLabel("Monthly budget ($)").fill("lots");
  await page.locator("#set-budget-error").getByText("Write an amount such as 20", { exact: false }).waitFor();
  await page.getByLabel("Monthly budget ($)").fill("40");
  await save.click();
  await page.locator("#settings-status").getByText("Saved.").waitFor();
  await assertNoSidewaysScroll(page, "settings at 360px");
  await assertAccessible(page, "settings");
  await shot(page, "settings.png");

  await page.reload({ waitUntil: "load" });
  await hydrated(page);
  assert.equal(await page.getByLabel("Tone").inputValue(), "formal");
  assert.equal(await page.getByLabel("Retry attempts").inputValue(), "2");
  assert.equal(await page.getByLabel("Time zone").inputValue(), "Europe/Berlin");
  assert.equal(await page.getByLabel("Opens").inputValue(), "08:30");
  assert.equal(await page.getByLabel("Approve on its own up to ($)").inputValue(), "25");
  assert.equal(await page.getByLabel("Monthly budget ($)").inputValue(), "40");
  // The only failed request is the refused time zone (400, answered with its reason).
  assert.deepEqual(problems.filter((p) => !/HTTP 400: .*\/api\/fn\/update_settings$/.test(p) && !p.includes("status of 400")), []);
  await context.close();
});

test("settings: a private calendar address is made, read by a calendar app, renewed and turned off", async () => {
  const { context, page, problems } = await openPage({ width: 360, height: 780 });
  await signUp(page, "Grace Hopper");
  await page.goto(BASE + "/settings", { waitUntil: "load" });
  await hydrated(page);
  await page.locator("#calendar-feed-on").click();
  const address = page.locator("#calendar-feed-url");
  await address.waitFor();
  const url = await address.inputValue();
  assert.match(url, /\/calendar\/cwcal_[A-Za-z0-9_-]+\.ics$/);
  // A calendar app fetches it without signing in.
  const feed = await fetch(url);
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get("content-type"), /^text\/calendar/);
  assert.match(await feed.text(), /^BEGIN:VCALENDAR\r\n/);
  await page.reload({ waitUntil: "load" });
  await hydrated(page);
  assert.equal(await address.inputValue(), url, "the same address is shown again");
  await page.getByText("Last fetched by a calendar app").waitFor();
  await assertNoSidewaysScroll(page, "calendar feed at 360px");
  await assertAccessible(page, "settings with a calendar feed");

  await page.locator("#calendar-feed-renew").click();
  await page.waitForFunction((old) => document.querySelector("#calendar-feed-url")?.value !== old, url);
  assert.equal((await fetch(url)).status, 404, "the old address stops working");
  const renewed = await address.inputValue();
  assert.equal((await fetch(renewed)).status, 200);
  await page.locator("#calendar-feed-off").click();
  await page.locator("#calendar-feed-on").waitFor();
  assert.equal((await fetch(renewed)).status, 404);
  assert.deepEqual(problems, []);
  await context.close();
});

test("pages a visitor opens ask them to sign in and come back afterwards", async () => {
  const { context, page, problems } = await openPage({ width: 1280, height: 800 });
  const email = await signUp(page, "Radia Perlman");
  await page.locator("#user-menu").getByRole("button", { name: "Sign out" }).click();
  await page.locator("#sign-in-link").waitFor();
  await page.goto(BASE + "/settings", { waitUntil: "load" });
  await hydrated(page);
  await page.locator("#sign-in-prompt").getByRole("link", { name: "Sign in" }).click();
  await page.waitForURL(/\/signin\?next=/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(BASE + "/settings");
  await page.locator("#settings-form").waitFor();
  await assertAccessible(page, "settings after sign-in");
  assert.deepEqual(problems, []);
  await context.close();
});
