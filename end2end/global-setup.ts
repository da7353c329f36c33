// Waits until the server answers, so the tests never race its start-up.
export default async function globalSetup() {
  const base = process.env.BASE_URL ?? "http://127.0.0.1:3000";
  const deadline = Date.now() + 120_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server at ${base} did not become ready: ${last}`);
}
