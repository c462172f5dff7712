// The typed variables every request carries through the middleware chain.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../config";

export interface Principal {
  userId: string;
  role: "admin" | "user";
  /** Scopes granted: JWTs carry every scope of the role; API keys carry their own. */
  scopes: Array<"read" | "trade" | "admin">;
  /** Set when the caller authenticated with an API key. */
  keyId?: string;
  email?: string;
}

export interface AppVariables {
  requestId: string;
  config: Config;
  principal?: Principal;
  /** "hit" | "miss" when a route consulted the KV cache; logged per request. */
  cache?: "hit" | "miss";
}

export type AppEnv = { Bindings: Env; Variables: AppVariables };
export type App = OpenAPIHono<AppEnv>;
