import { expect, test } from "@playwright/test";
import { ADMIN, adminApi, as, createChallenge, participant, signIn } from "./helpers";

test("a challenge whose deadline passes appears in the Awaiting tab live, and the admin resolves it there", async ({ page, request, baseURL }) => {
  const base = baseURL!;
  const yes = await participant(request, base, 500, "aw_yes");
  const no = await participant(request, base, 500, "aw_no");

  await signIn(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin?tab=pending_admin");
  const badge = page.getByTestId("count-pending_admin");
  await expect(badge).toBeVisible();
  const before = Number(await badge.textContent());

  const id = await createChallenge(request, base, yes, 100, 5, "Awaiting tab e2e");
  expect((await as(request, base, no, "POST", `/api/v1/challenges/${id}/join`, { side: "no" })).status()).toBe(201);

  // no reload: the badge and the list catch up by themselves once the deadline passes
  await expect.poll(async () => Number(await badge.textContent()), { timeout: 20_000 }).toBeGreaterThan(before);
  const row = page.locator(`[data-testid="admin-challenge-row"][data-challenge-id="${id}"]`);
  await expect(row).toBeVisible({ timeout: 10_000 });
  await row.getByRole("link").click();

  await expect(page.getByTestId("preview-yes")).toContainText("190");
  await page.getByTestId("resolve-notes").fill("Verified with the photos");
  await page.getByTestId("resolve-yes").click();
  await expect(page).toHaveURL(/\/admin\/payouts\/\d+$/);
  await expect(page.getByTestId("job-status").first()).toHaveText("completed", { timeout: 20_000 });
  await expect(page.getByTestId("job-progress")).toHaveAttribute("data-progress", "100");
  const me = await as(request, base, yes, "GET", "/api/v1/me");
  expect((await me.json()).balance).toBe(590);
});

test("resolving a challenge with a few hundred pairs: the progress bar reaches 100%", async ({ page, request, baseURL }) => {
  test.setTimeout(180_000);
  const base = baseURL!;
  const pairs = 200;
  const creator = await participant(request, base, 1_000, "big_c");
  const people = [];
  for (let i = 0; i < pairs * 2 - 1; i += 25) {
    people.push(...(await Promise.all(Array.from({ length: Math.min(25, pairs * 2 - 1 - i) }, () => participant(request, base, 100, "big")))));
  }
  const id = await createChallenge(request, base, creator, 10, 25, "Two hundred pairs");
  for (let i = 0; i < people.length; i += 50) {
    await Promise.all(people.slice(i, i + 50).map((p, k) =>
      as(request, base, p, "POST", `/api/v1/challenges/${id}/join`, { side: (i + k) % 2 === 0 ? "no" : "yes" }).then((r) => expect(r.status()).toBe(201))));
  }
  const c = await (await as(request, base, creator, "GET", `/api/v1/challenges/${id}`)).json();
  expect(c.matched_pairs).toBe(pairs);

  await signIn(page, ADMIN.username, ADMIN.password);
  await page.goto(`/admin/challenges/${id}`);
  await expect(page.getByTestId("resolve-no")).toBeVisible({ timeout: 40_000 }).catch(async () => {
    await page.reload();
    await expect(page.getByTestId("resolve-no")).toBeVisible({ timeout: 20_000 });
  });
  await page.getByTestId("resolve-no").click();
  await expect(page).toHaveURL(/\/admin\/payouts\/\d+$/);
  await expect(page.getByTestId("job-progress")).toHaveAttribute("data-progress", "100", { timeout: 30_000 });
  await expect(page.getByTestId("job-processed")).toHaveText(String(pairs));
  await expect(page.getByTestId("ledger-paid")).toContainText("they agree");
});

test("a frozen winner fails the job with the reason; unfreeze, retry, and it completes", async ({ page, request, baseURL }) => {
  const base = baseURL!;
  const api = await adminApi(request, base);
  const winner = await participant(request, base, 500, "fz_win");
  const loser = await participant(request, base, 500, "fz_lose");
  const id = await createChallenge(request, base, winner, 100, 4, "Frozen winner");
  expect((await as(request, base, loser, "POST", `/api/v1/challenges/${id}/join`, { side: "no" })).status()).toBe(201);
  expect((await api.post(`/api/v1/admin/users/${winner.id}/freeze`)).status()).toBe(200);

  await signIn(page, ADMIN.username, ADMIN.password);
  await expect.poll(async () => (await (await api.get(`/api/v1/challenges/${id}`)).json()).status, { timeout: 20_000 }).toBe("pending_admin");
  await page.goto(`/admin/challenges/${id}`);
  await page.getByTestId("resolve-yes").click();
  await expect(page).toHaveURL(/\/admin\/payouts\/\d+$/);
  await expect(page.getByTestId("job-status").first()).toHaveText("failed", { timeout: 20_000 });
  await expect(page.getByTestId("failed-reason").first()).toContainText("frozen");

  expect((await api.post(`/api/v1/admin/users/${winner.id}/unfreeze`)).status()).toBe(200);
  await page.getByTestId("job-retry").click();
  await expect(page.getByTestId("job-status").first()).toHaveText("completed", { timeout: 20_000 });
  await expect(page.getByTestId("job-progress")).toHaveAttribute("data-progress", "100");
  await expect(page.getByTestId("no-failed")).toBeVisible();
  const me = await as(request, base, winner, "GET", "/api/v1/me");
  expect((await me.json()).balance).toBe(590);
});

test("the analytics page draws its charts on the server, readable without JavaScript", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login?next=/admin/analytics");
  await page.getByTestId("field-username").fill(ADMIN.username);
  await page.getByTestId("field-password").fill(ADMIN.password);
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/admin\/analytics$/);
  await expect(page.getByTestId("chart-paid")).toHaveAttribute("aria-label", /coins paid per day/);
  await expect(page.getByTestId("chart-paid").locator("rect")).toHaveCount(30);
  await expect(page.getByTestId("stat-winners")).toBeVisible();
  await expect(page.getByTestId("jobs-by-status")).toContainText("completed");
  await context.close();
});
