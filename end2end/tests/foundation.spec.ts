import { expect, test } from "@playwright/test";
import { ADMIN, adminApi, registerUser, signIn, uniqueName, waitForHydration } from "./helpers";

test("register, get credited by an admin, see the balance in the header and on /me", async ({ page, browser, baseURL }) => {
  const name = uniqueName("reg");
  await page.goto("/register");
  await page.getByTestId("field-username").fill(name);
  await page.getByTestId("field-password").fill("password-123");
  await page.getByTestId("register-submit").click();
  await expect(page).toHaveURL(/\/me$/);
  await expect(page.getByTestId("header-balance")).toHaveText("0 coins");

  // the admin credits the new user from the users page, in another browser context
  const adminContext = await browser.newContext({ baseURL });
  const admin = await adminContext.newPage();
  await signIn(admin, ADMIN.username, ADMIN.password);
  await admin.goto(`/admin/users?q=${name}`);
  const row = admin.getByTestId(`user-row-${name}`);
  await row.getByTestId("credit-amount").fill("1250");
  await row.getByTestId("credit-submit").click();
  await expect(admin.getByTestId(`user-row-${name}`).getByTestId("user-balance")).toHaveText("1,250");
  await adminContext.close();

  await page.goto("/me");
  await expect(page.getByTestId("header-balance")).toHaveText("1,250 coins");
  await expect(page.getByTestId("me-balance")).toHaveText("1,250 coins");
  await expect(page.getByTestId("history-row").first()).toContainText("Credit");
});

test("a wrong password shows an error next to the form and signs nobody in", async ({ page, request }) => {
  const name = uniqueName("wrong");
  await registerUser(request, name);
  await page.goto("/login");
  await page.getByTestId("field-username").fill(name);
  await page.getByTestId("field-password").fill("not-the-password");
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("form-error")).toHaveText("Wrong username or password.");
  await expect(page.getByTestId("nav-login")).toBeVisible();
});

test("a participant opening /admin/users is refused", async ({ page, request }) => {
  const name = uniqueName("nosy");
  await registerUser(request, name);
  await signIn(page, name);
  const response = await page.goto("/admin/users");
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId("forbidden")).toBeVisible();
  await expect(page.getByTestId("users-table")).toHaveCount(0);
});

test("the password toggle works once the page is hydrated", async ({ page }) => {
  await page.goto("/login");
  await waitForHydration(page);
  const field = page.getByTestId("field-password");
  await expect(field).toHaveAttribute("type", "password");
  await page.getByTestId("toggle-password").click();
  await expect(field).toHaveAttribute("type", "text");
});

test("signing in works before the WASM loads", async ({ browser, request, baseURL }) => {
  const name = uniqueName("nojs");
  await registerUser(request, name);
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login?next=/me");
  await page.getByTestId("field-username").fill(name);
  await page.getByTestId("field-password").fill("password-123");
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/me$/);
  await expect(page.getByTestId("me-balance")).toHaveText("0 coins");
  // and a failed sign-in shows its error without JavaScript too
  await context.clearCookies();
  await page.goto("/login");
  await page.getByTestId("field-username").fill(name);
  await page.getByTestId("field-password").fill("bad-password");
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("form-error")).toHaveText("Wrong username or password.");
  await context.close();
});

test("the admin can reach the audit log and sees the credit", async ({ page, request, baseURL }) => {
  const name = uniqueName("audited");
  const id = await registerUser(request, name);
  const api = await adminApi(request, baseURL!);
  await api.credit(id, 10);
  await signIn(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/audit");
  await expect(page.getByTestId("audit-row").filter({ hasText: `user:${id}` }).first()).toContainText("wallet.credit");
});

test("every page hydrates without a browser error", async ({ page, request, baseURL }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
  });
  const api = await adminApi(request, baseURL!);
  const r = await api.get("/api/v1/challenges?limit=1");
  const anyChallenge = (await r.json()).items[0]?.id;
  await signIn(page, ADMIN.username, ADMIN.password);
  const pages = ["/", "/me", "/notifications", "/challenges/new", "/admin", "/admin?tab=active", "/admin/payouts",
    "/admin/users", "/admin/audit", "/admin/analytics"];
  if (anyChallenge) pages.push(`/challenges/${anyChallenge}`, `/admin/challenges/${anyChallenge}`);
  for (const path of pages) {
    await page.goto(path);
    await waitForHydration(page);
  }
  expect(errors).toEqual([]);
});
