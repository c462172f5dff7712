// The dashboard's session: access and refresh tokens in memory only, API calls that renew a token once on 401,
// and problem+json errors kept whole (status, code, errors[]) so forms can put each message beside its field.
export class ApiError extends Error {
  constructor(message, status, problem = null) {
    super(message);
    this.status = status;
    this.problem = problem;
  }
}

export const session = {
  token: null,
  refreshToken: null,
  expiresAt: 0,
  refreshing: null,
  refreshTimer: null,
  /** Called when the session ends by itself (refresh refused); the page shows the sign-in form again. */
  onExpired: () => {},
};

export async function request(path, init = {}) {
  const headers = { ...(init.body ? { "content-type": "application/json" } : {}) };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  const res = await fetch(path, { ...init, headers });
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(body?.detail ?? `HTTP ${res.status}`, res.status, body);
  return body;
}

/** An API call; a 401 refreshes the session once and retries. */
export async function api(path, init = {}) {
  try {
    return await request(path, init);
  } catch (err) {
    if (err.status !== 401 || !session.refreshToken) throw err;
    await refreshSession();
    return request(path, init);
  }
}

/** Every page of a list route, in order. */
export async function allPages(path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

export function setSession(tokens) {
  session.token = tokens.access_token;
  session.refreshToken = tokens.refresh_token;
  session.expiresAt = Date.now() + tokens.expires_in * 1000;
  // Refresh ahead of expiry so calls and reconnects rarely meet a 401; a failure here leaves the 401 path to retry.
  clearTimeout(session.refreshTimer);
  session.refreshTimer = setTimeout(() => refreshSession().catch(() => {}), tokens.expires_in * 800);
}

export function clearSession() {
  clearTimeout(session.refreshTimer);
  Object.assign(session, { token: null, refreshToken: null, expiresAt: 0 });
}

/** One refresh at a time: a refresh token is spent on use, and presenting a spent one revokes the whole family. */
export function refreshSession() {
  session.refreshing ??= (async () => {
    const refreshToken = session.refreshToken;
    try {
      const res = await fetch("/v1/auth/refresh", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
      if (session.refreshToken !== refreshToken) throw new ApiError("signed out", 401); // signed out meanwhile
      if (res.status === 400 || res.status === 401) {
        session.onExpired("Your session expired: sign in again.");
        throw new ApiError("session expired", 401);
      }
      if (!res.ok) throw new ApiError(`refresh failed: HTTP ${res.status}`, res.status);
      setSession(await res.json());
    } finally {
      session.refreshing = null;
    }
  })();
  return session.refreshing;
}
