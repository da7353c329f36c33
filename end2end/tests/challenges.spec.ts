import { expect, test } from "@playwright/test";
import { adminApi, registerUser, signIn, uniqueName, waitForHydration } from "./helpers";

/** A datetime-local value `minutes` from now, in the browser's local time. */
function localInput(minutesFromNow: number): string {
  const d = new Date(Date.now() + minutesFromNow * 60_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

test("one user creates, another joins the other side; both see it go active", async ({ browser, request, baseURL }) => {
  const api = await adminApi(request, baseURL!);
  const creator = uniqueName("maker");
  const joiner = uniqueName("taker");
  await api.credit(await registerUser(request, creator), 1_000);
  await api.credit(await registerUser(request, joiner), 1_000);

  const creatorCtx = await browser.newContext({ baseURL });
  const a = await creatorCtx.newPage();
  await signIn(a, creator);
  await a.goto("/challenges/new");
  await a.getByTestId("field-title").fill("Read 3 books this month");
  await a.getByTestId("field-category").selectOption("learning");
  await a.getByTestId("field-amount").fill("150");
  await a.getByTestId("field-due_at").fill(localInput(120));
  await a.getByTestId("field-side-yes").check();
  await a.getByTestId("create-submit").click();
  await expect(a).toHaveURL(/\/challenges\/\d+$/);
  await expect(a.getByTestId("challenge-title")).toHaveText("Read 3 books this month");
  await expect(a.getByTestId("status-badge").first()).toHaveText("Pending");
  await expect(a.getByTestId("waiting-yes")).toHaveText("1");
  await expect(a.getByTestId("header-balance")).toHaveText("850 coins");
  const url = a.url();

  const joinerCtx = await browser.newContext({ baseURL });
  const b = await joinerCtx.newPage();
  await signIn(b, joiner);
  await b.goto(url);
  await b.getByTestId("join-no").click();
  await expect(b.getByTestId("my-stake")).toContainText("matched");
  await expect(b.getByTestId("status-badge").first()).toHaveText("Active");
  await expect(b.getByTestId("stat-pool")).toHaveText("300 coins");
  await expect(b.getByTestId("header-balance")).toHaveText("850 coins");

  // the creator's open page catches up without a reload
  await expect(a.getByTestId("status-badge").first()).toHaveText("Active");
  await expect(a.getByTestId("stat-pool")).toHaveText("300 coins");
  await expect(a.getByTestId("my-stake")).toContainText("matched");
  await creatorCtx.close();
  await joinerCtx.close();
});

test("a validation error shows next to its field", async ({ page, request, baseURL }) => {
  const api = await adminApi(request, baseURL!);
  const name = uniqueName("valid");
  await api.credit(await registerUser(request, name), 100);
  await signIn(page, name);
  await page.goto("/challenges/new");
  // typing is only checked live once the page is interactive
  await waitForHydration(page);
  await page.getByTestId("field-title").fill("Too pricey");
  await page.getByTestId("field-amount").fill("5000000");
  await page.getByTestId("field-due_at").fill(localInput(60));
  // the browser runs the server's rule as you type
  await expect(page.getByTestId("error-amount")).toHaveText("Amount must be between 1 and 1000000 coins.");
  await page.getByTestId("create-submit").click();
  await expect(page.getByTestId("error-amount")).toHaveText("Amount must be between 1 and 1000000 coins.");
  await expect(page).toHaveURL(/\/challenges\/new$/);
  await expect(page.getByTestId("error-title")).toHaveText("");
});

test("without funds, joining says so and the balance stays", async ({ page, request, baseURL }) => {
  const api = await adminApi(request, baseURL!);
  const rich = uniqueName("rich");
  const poor = uniqueName("poor");
  const richId = await registerUser(request, rich);
  await api.credit(richId, 1_000);
  const poorId = await registerUser(request, poor);
  await api.credit(poorId, 20);
  // the rich user creates over the API, as an integration would
  const login = await request.post("/api/v1/auth/login", { data: { username: rich, password: "password-123" } });
  const token = /gauntlet_session=([^;]+)/.exec(login.headers()["set-cookie"] ?? "")?.[1];
  const due = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
  const created = await request.post("/api/v1/challenges", {
    data: { title: "Expensive one", category: "finance", amount: 500, due_at: due, side: "yes" },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = (await created.json()).id;

  await signIn(page, poor);
  await page.goto(`/challenges/${id}`);
  await page.getByTestId("join-no").click();
  await expect(page.getByTestId("join-result")).toContainText("Insufficient funds: this needs 500 coins, the wallet holds 20.");
  await expect(page.getByTestId("header-balance")).toHaveText("20 coins");
  await page.goto("/me");
  await expect(page.getByTestId("me-balance")).toHaveText("20 coins");
});

test("the browse page lists, filters and pages challenges before hydration", async ({ browser, request, baseURL }) => {
  const api = await adminApi(request, baseURL!);
  const name = uniqueName("lister");
  await api.credit(await registerUser(request, name), 10_000);
  const login = await request.post("/api/v1/auth/login", { data: { username: name, password: "password-123" } });
  const token = /gauntlet_session=([^;]+)/.exec(login.headers()["set-cookie"] ?? "")?.[1];
  const due = new Date(Date.now() + 7_200_000).toISOString().replace(/\.\d+Z$/, "Z");
  for (const category of ["gaming", "gaming", "sports"]) {
    const r = await request.post("/api/v1/challenges", {
      data: { title: `${name} ${category}`, category, amount: 5, due_at: due, side: "no" },
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(r.status()).toBe(201);
  }
  const ctx = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto("/?category=sports");
  await expect(page.getByTestId("challenge-card").filter({ hasText: `${name} sports` })).toHaveCount(1);
  await expect(page.getByTestId("challenge-card").filter({ hasText: `${name} gaming` })).toHaveCount(0);
  await expect(page.getByTestId("countdown").first()).toContainText("in ");
  await ctx.close();
});
