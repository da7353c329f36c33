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

let adminToken: Promise<string> | undefined;

/** An API context signed in as the admin (one bearer token per test worker). */
export async function adminApi(request: APIRequestContext, baseURL: string) {
  adminToken ??= (async () => {
    const r = await request.post(`${baseURL}/api/v1/auth/login`, { data: ADMIN });
    expect(r.status(), await r.text()).toBe(200);
    const token = /gauntlet_session=([^;]+)/.exec(r.headers()["set-cookie"] ?? "")?.[1];
    expect(token).toBeTruthy();
    return token!;
  })();
  const headers = { Authorization: `Bearer ${await adminToken}` };
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

export type Participant = { id: number; name: string; token: string };

/** Registers, signs in and credits a participant over the API (no browser). */
export async function participant(request: APIRequestContext, baseURL: string, coins: number, prefix = "p"): Promise<Participant> {
  const name = uniqueName(prefix);
  const id = await registerUser(request, name);
  const login = await request.post(`${baseURL}/api/v1/auth/login`, { data: { username: name, password: "password-123" } });
  expect(login.status()).toBe(200);
  const token = /gauntlet_session=([^;]+)/.exec(login.headers()["set-cookie"] ?? "")?.[1] ?? "";
  if (coins > 0) {
    const api = await adminApi(request, baseURL);
    await api.credit(id, coins);
  }
  return { id, name, token };
}

/** Calls the API as `who` with their bearer token. */
export async function as(request: APIRequestContext, baseURL: string, who: Participant, method: "GET" | "POST" | "DELETE", path: string, data?: unknown) {
  return request.fetch(`${baseURL}${path}`, { method, data, headers: { Authorization: `Bearer ${who.token}` } });
}

/** An RFC 3339 time `seconds` from now, at whole seconds. */
export function dueIn(seconds: number): string {
  return new Date(Math.ceil(Date.now() / 1000) * 1000 + seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");
}

/** Creates a challenge as `creator` (YES side) and returns its id. */
export async function createChallenge(request: APIRequestContext, baseURL: string, creator: Participant, amount: number, dueSeconds: number, title = "E2E challenge"): Promise<number> {
  const r = await as(request, baseURL, creator, "POST", "/api/v1/challenges", {
    title, category: "other", amount, due_at: dueIn(dueSeconds), side: "yes",
  });
  expect(r.status(), await r.text()).toBe(201);
  return (await r.json()).id;
}
