// @edgeindex/client: the REST API typed from its OpenAPI document (openapi-fetch), with sessions, retries on
// 429/503, idempotency keys, typed problems, async-iterator pagination, and the live stream.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { ProblemError, toProblemError } from "./problem.js";
import { type RetryOptions, retryingFetch } from "./retry.js";
import type { components, paths } from "./schema.js";
import { EdgeindexStream, type StreamOptions } from "./stream.js";

export { type Problem, type ProblemCode, ProblemError } from "./problem.js";
export { type RetryOptions, retryAfterMs, retryingFetch } from "./retry.js";
export type { components, operations, paths } from "./schema.js";
export * from "./stream.js";

export type Schemas = components["schemas"];
export type TokenPair = Schemas["Session"];

/** POST routes that accept Idempotency-Key; the client sends a fresh key when the caller gave none. */
export const IDEMPOTENT_POSTS: ReadonlySet<string> = new Set(["/v1/orders", "/v1/simulations", "/v1/admin/refresh"]);

export interface EdgeindexOptions {
  /** e.g. http://127.0.0.1:8787 */
  baseUrl: string;
  /** An access JWT to start with (see `login`), or an API key via `apiKey`. */
  accessToken?: string;
  apiKey?: string;
  retry?: RetryOptions;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

type Paths = keyof paths;
/** Paths whose GET answers a page: `{ data: [...], next_cursor }`. */
export type PagedPath = {
  [P in Paths]: paths[P] extends {
    get: { responses: { 200: { content: { "application/json": { data: unknown[]; next_cursor: string | null } } } } };
  }
    ? P
    : never;
}[Paths];
type GetOf<P extends PagedPath> = paths[P]["get"];
export type PageItem<P extends PagedPath> = GetOf<P>["responses"][200]["content"]["application/json"]["data"][number];
type QueryOf<P extends PagedPath> = GetOf<P>["parameters"] extends { query?: infer Q } ? Q : never;
type PathParamsOf<P extends PagedPath> = GetOf<P>["parameters"] extends { path: infer A } ? A : never;
export type PageParams<P extends PagedPath> = {
  query?: Omit<NonNullable<QueryOf<P>>, "cursor">;
} & (PathParamsOf<P> extends never ? { path?: never } : { path: PathParamsOf<P> });

/** openapi-fetch's answer: `data` on success, `error` (the problem body) otherwise. */
type Answer<T> = { data?: T; error?: unknown; response: Response };

export class Edgeindex {
  /** The typed REST client: `api.GET("/v1/assets/{symbol}", { params: { path: { symbol: "AAPL" } } })`. */
  readonly api: Client<paths, "application/json">;
  private accessToken: string | undefined;
  private refreshToken: string | undefined;
  private expiresAt = 0;
  private refreshing: Promise<void> | undefined;
  private readonly baseFetch: typeof fetch;

  constructor(private readonly options: EdgeindexOptions) {
    this.accessToken = options.accessToken;
    this.baseFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.api = createClient<paths, "application/json">({
      baseUrl: options.baseUrl.replace(/\/$/, ""),
      fetch: retryingFetch(this.baseFetch, options.retry),
    });
    this.api.use(this.credentials(), this.idempotency());
  }

  /** Signs in and keeps the session: the access token is renewed with the refresh token before it expires. */
  async login(email: string, password: string): Promise<TokenPair> {
    const tokens = await this.data(this.api.POST("/v1/auth/login", { body: { email, password } }));
    this.keep(tokens);
    return tokens;
  }

  async register(email: string, password: string, name?: string) {
    const created = await this.data(this.api.POST("/v1/auth/register", { body: { email, password, name } }));
    this.keep(created);
    return created;
  }

  /** Ends the session on the server (its refresh family is revoked) and forgets the tokens. */
  async logout(): Promise<void> {
    if (this.refreshToken) {
      await this.data(this.api.POST("/v1/auth/logout", { body: { refresh_token: this.refreshToken } }));
    }
    this.accessToken = this.refreshToken = undefined;
  }

  /** The answer's data, or a thrown ProblemError carrying the problem body (status, code, errors[].path). */
  async data<T>(call: Promise<Answer<T>>): Promise<T> {
    const { data, error, response } = await call;
    if (!response.ok) throw toProblemError(error, response);
    return data as T;
  }

  /** Every item of a paged list, fetching the next page only when the loop gets there. */
  async *paginate<P extends PagedPath>(path: P, params?: PageParams<P>): AsyncGenerator<PageItem<P>> {
    let cursor: string | undefined;
    do {
      const init = { params: { path: params?.path, query: { ...params?.query, cursor } } };
      // The generic P cannot be narrowed to one route for openapi-fetch; the page shape is what PagedPath guarantees.
      const get = this.api.GET as unknown as (
        p: string,
        i: typeof init,
      ) => Promise<Answer<{ data: PageItem<P>[]; next_cursor: string | null }>>;
      const page = await this.data(get(path, init));
      for (const item of page.data) yield item;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  /** Polls an index until its build is `ready` (or throws when it `failed`). */
  async waitForIndex(id: string, { timeoutMs = 60_000, intervalMs = 500 } = {}): Promise<Schemas["Index"]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const index = await this.data(this.api.GET("/v1/indexes/{id}", { params: { path: { id } } }));
      if (index.status === "ready") return index;
      if (index.status === "failed")
        throw new Error(`index ${id} failed: ${index.failure_reason ?? "no reason given"}`);
      if (Date.now() > until) throw new Error(`index ${id} not ready after ${timeoutMs} ms (status ${index.status})`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** The live stream, authenticated with this client's credential; call `start()` on it. */
  stream(options: Omit<StreamOptions, "url" | "token"> & { url?: string } = {}): EdgeindexStream {
    const url = options.url ?? `${this.options.baseUrl.replace(/^http/, "ws").replace(/\/$/, "")}/v1/stream`;
    return new EdgeindexStream({ ...options, url, token: () => this.currentCredential() });
  }

  private keep(tokens: { access_token: string; refresh_token: string; expires_in: number }) {
    this.accessToken = tokens.access_token;
    this.refreshToken = tokens.refresh_token;
    this.expiresAt = Date.now() + tokens.expires_in * 1000;
  }

  private async currentCredential(): Promise<string> {
    await this.renewIfDue();
    const credential = this.accessToken ?? this.options.apiKey;
    if (!credential) throw new Error("not signed in: call login() or pass accessToken/apiKey");
    return credential;
  }

  /** Renews the access token 30 s before it expires; concurrent callers share one refresh. */
  private async renewIfDue() {
    if (!this.refreshToken || Date.now() < this.expiresAt - 30_000) return;
    this.refreshing ??= (async () => {
      const res = await this.baseFetch(`${this.options.baseUrl.replace(/\/$/, "")}/v1/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: this.refreshToken }),
      });
      const body: unknown = await res.json();
      if (!res.ok) throw toProblemError(body, res);
      this.keep(body as TokenPair);
    })().finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
  }

  private credentials(): Middleware {
    return {
      onRequest: async ({ request, schemaPath }) => {
        if (
          schemaPath === "/v1/auth/login" ||
          schemaPath === "/v1/auth/register" ||
          schemaPath === "/v1/auth/refresh"
        ) {
          return request;
        }
        await this.renewIfDue();
        if (this.accessToken) request.headers.set("authorization", `Bearer ${this.accessToken}`);
        else if (this.options.apiKey) request.headers.set("x-api-key", this.options.apiKey);
        return request;
      },
    };
  }

  private idempotency(): Middleware {
    return {
      onRequest: ({ request, schemaPath }) => {
        // Set before the retrying fetch runs, so every retry of this call carries the same key.
        if (request.method === "POST" && IDEMPOTENT_POSTS.has(schemaPath) && !request.headers.has("idempotency-key")) {
          request.headers.set("idempotency-key", crypto.randomUUID());
        }
        return request;
      },
    };
  }
}

export function createEdgeindex(options: EdgeindexOptions): Edgeindex {
  return new Edgeindex(options);
}

export { ProblemError as EdgeindexProblem };
