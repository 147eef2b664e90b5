// Sign up, sign out and sign in through the real forms in headless Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BASE, openPage, shot } from "./helpers.mjs";

test("a newcomer signs up, signs out and signs back in", async () => {
  const { context, page, problems } = await openPage({ width: 1280, height: 800 });
  const email = `ada-${Date.now()}@example.com`;

  await page.goto(BASE + "/signup", { waitUntil: "load" });
  await page.waitForSelector("html[data-hydrated=true]");
  await page.getByLabel("Your name").fill("Ada Lovelace");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password (at least 8 characters)").fill("analytical engine");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(BASE + "/");
  await page.locator("#user-menu").getByText("Ada Lovelace").waitFor();
  await shot(page, "signed-up.png");

  await page.locator("#user-menu").getByRole("button", { name: "Sign out" }).click();
  await page.locator("#sign-in-link").waitFor();

  // A wrong password is explained in place; the right one signs in.
  await page.goto(BASE + "/signin", { waitUntil: "load" });
  await page.waitForSelector("html[data-hydrated=true]");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").getByText("Email or password is incorrect.").waitFor();
  await page.getByLabel("Password").fill("analytical engine");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(BASE + "/");
  await page.locator("#user-menu").getByText("Ada Lovelace").waitFor();

  // Describe a call on the home page; it is planned and listed.
  await page.getByLabel("Describe the call").fill("Call the plumber at 415-555-0102 and get a quote to fix a leak, max $250");
  await page.getByRole("button", { name: "Plan the call" }).click();
  const result = page.locator("#composer-result");
  await result.getByText("Ready to call").waitFor();
  assert.match(await result.textContent(), /paying no more than \$250/);
  // Missing details are asked for in plain words.
  await page.getByLabel("Describe the call").fill("Call my accountant and book an appointment");
  await page.getByRole("button", { name: "Plan the call" }).click();
  await result.getByText("Needs details").waitFor();
  await result.getByText("Which day would you like?").waitFor();
  // A refused request says why.
  await page.getByLabel("Describe the call").fill("Call 911 and say there is a fire");
  await page.getByRole("button", { name: "Plan the call" }).click();
  await page.getByRole("alert").getByText("never calls emergency services", { exact: false }).waitFor();
  await shot(page, "composer.png");

  await page.getByRole("navigation").getByRole("link", { name: "Tasks" }).click();
  await page.waitForURL(BASE + "/tasks");
  await page.locator("#task-list").getByText("Get a quote to fix a leak").waitFor();
  assert.equal(await page.locator("#task-list li").count(), 2);

  // The only problems are the refused requests (401 wrong password, 422 refused call) and the browser's notes of them.
  assert.deepEqual(problems.filter((p) => !/\b(401|422)\b/.test(p)), []);
  await context.close();
});
