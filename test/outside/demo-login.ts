// The seeded local demo user's access token, signed in over real HTTP as any client would.
export async function demoToken(base: string): Promise<string> {
  const res = await fetch(`${base}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "demo@edgeindex.dev", password: "edgeindex-demo-pass" }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
