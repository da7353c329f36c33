import { expect, test } from "@playwright/test";
import { as, createChallenge, participant, signIn, waitForHydration } from "./helpers";

test("the bell badge counts up live when the participant is matched", async ({ page, request, baseURL }) => {
  const base = baseURL!;
  const maker = await participant(request, base, 200, "bell_a");
  const taker = await participant(request, base, 200, "bell_b");
  const id = await createChallenge(request, base, maker, 50, 7200, "Bell challenge");
  await signIn(page, maker.name);
  await page.goto("/");
  await waitForHydration(page);
  const count = page.getByTestId("bell-count");
  await expect(count).toHaveText("0");
  expect((await as(request, base, taker, "POST", `/api/v1/challenges/${id}/join`, { side: "no" })).status()).toBe(201);
  await expect(count).toHaveText("1", { timeout: 5_000 });
  await page.getByTestId("bell").click();
  await expect(page.getByTestId("inbox-item").first()).toHaveAttribute("data-kind", "matched");
  await page.getByTestId("mark-all-read").click();
  await expect(page.getByTestId("bell-count")).toHaveText("0");
});

test("a 10-minute warning toast appears for a challenge created 9 minutes before its deadline", async ({ page, request, baseURL }) => {
  const base = baseURL!;
  const maker = await participant(request, base, 200, "warn_a");
  const taker = await participant(request, base, 200, "warn_b");
  const id = await createChallenge(request, base, maker, 50, 9 * 60, "Nine minutes left");
  await signIn(page, maker.name);
  await page.goto(`/challenges/${id}`);
  await waitForHydration(page);
  // the match makes the challenge active inside the 10-minute window
  expect((await as(request, base, taker, "POST", `/api/v1/challenges/${id}/join`, { side: "no" })).status()).toBe(201);
  const toast = page.getByTestId("toast");
  await expect(toast).toBeVisible({ timeout: 5_000 });
  await expect(toast).toContainText(/Ends in (8|9) minutes/);
  await page.goto("/notifications");
  await expect(page.locator('[data-testid="inbox-item"][data-kind="deadline_10m"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="inbox-item"][data-kind="deadline_1h"]')).toHaveCount(0);
});
