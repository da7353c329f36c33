import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const ADMIN = {
  username: process.env.E2E_ADMIN_USERNAME ?? "e2e_admin",
  password: process.env.E2E_ADMIN_PASSWORD ?? "e2e-admin-password",
};

/** A username no other test (or earlier run against the same database) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 32);
}

/** Registers a participant over the REST API; returns its id. */
export async function registerUser(request: APIRequestContext, username: string, password = "password-123"): Promise<number> {
  const r = await request.post("/api/v1/auth/register", { data: { username, password } });
  expect(r.status(), await r.text()).toBe(201);
  return (await r.json()).id;
}

/** An API context signed in as the admin (bearer token from the login cookie). */
export async function adminApi(request: APIRequestContext, baseURL: string) {
  const r = await request.post("/api/v1/auth/login", { data: ADMIN });
  expect(r.status(), await r.text()).toBe(200);
  const cookie = r.headers()["set-cookie"] ?? "";
  const token = /gauntlet_session=([^;]+)/.exec(cookie)?.[1];
  expect(token).toBeTruthy();
  const headers = { Authorization: `Bearer ${token}` };
  return {
    credit: async (userId: number, amount: number) => {
      const res = await request.post(`${baseURL}/api/v1/admin/users/${userId}/credit`, { data: { amount }, headers });
      expect(res.status(), await res.text()).toBe(200);
    },
    post: (path: string, data?: unknown) => request.post(`${baseURL}${path}`, { data, headers }),
    get: (path: string) => request.get(`${baseURL}${path}`, { headers }),
  };
}

export async function waitForHydration(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Signs in through the login page. */
export async function signIn(page: Page, username: string, password = "password-123") {
  await page.goto("/login");
  await page.getByTestId("field-username").fill(username);
  await page.getByTestId("field-password").fill(password);
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("header-user")).toBeVisible();
}
