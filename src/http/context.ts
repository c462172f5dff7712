// The typed variables every request carries through the middleware chain.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { TimingVariables } from "hono/timing";
import type { Config } from "../config";
import type { SessionHolder } from "../services/sessions";

export interface Principal {
  userId: string;
  role: "admin" | "user";
  /** Scopes granted: JWTs carry every scope of the role; API keys carry their own. */
  scopes: Array<"read" | "trade" | "manage" | "admin">;
  /** Set when the caller authenticated with an API key. */
  keyId?: string;
  /** Set when the caller authenticated with an access JWT. */
  sessionId?: string;
  email?: string;
}

/** Who the credential says the caller is, before the authentication gate has checked it fully. */
export interface Identity {
  userId: string;
  role: "admin" | "user";
  /** Present for API keys; JWTs get their role's scopes at the gate. */
  keyId?: string;
  /** Present for access JWTs: the session (refresh family) that a logout or reuse detection revokes. */
  sessionId?: string;
  scopes?: Principal["scopes"];
  /** Encrypted signing secret of a key that must sign its requests. */
  signingSecretEnc?: string | null;
}

/** Where an in-process call on the caller's behalf came from; written into its mutations' audit rows. */
export type Channel = "mcp";

export interface AppVariables extends Partial<TimingVariables> {
  requestId: string;
  config: Config;
  principal?: Principal;
  /** Set by `identify()`: the credential's claim, used to pick the rate-limit bucket. */
  identity?: Identity;
  /** Set by `identify()` when a credential was sent but is not valid; the gate turns it into a 401. */
  credentialError?: Error;
  /** The JWT user's row, fetched while the rate limiter is asked (see `lookUpUserEarly`). */
  userLookup?: Promise<SessionHolder | null>;
  /** Set when the request is an in-process call on the caller's behalf (an MCP tool); audited with it. */
  channel?: Channel;
  /** The `Link: …; rel="next"` a page answer carries (http/pagination.ts); kept with a versioned answer's body. */
  link?: string;
  /** Set once the request wrote its audit row (services/audit.ts), so a refusal is not audited twice. */
  audited?: boolean;
  /** "hit" | "miss" when a route consulted the KV cache; logged per request. */
  cache?: "hit" | "miss";
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };
export type App = OpenAPIHono<AppEnv>;
