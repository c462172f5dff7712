// API keys: mint (shown once), list (never the key), revoke (stops working at once); owner-scoped, 404 for others' ids.
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { ownerScope, principalOf, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { cursorScope, readNewestFirst, toPage } from "../http/pagination";
import { ApiKeyList, ApiKeyListQuery, CreateApiKeyBody, CreatedApiKey } from "../schemas/identity";
import { bodyErrorResponses, errorResponses, jsonBody, jsonContent, security } from "../schemas/route-parts";
import { listApiKeys, mintApiKey, publicKey, ROLE_SCOPES, revokeApiKey } from "../services/api-keys";
import { audit } from "../services/audit";

const IdPath = z.object({ id: z.string().min(1).max(64).openapi({ example: "key_3mJr7AoUXx2Wqd9cBk1Lz0" }) });

const create = createRoute({
  method: "post",
  path: "/v1/api-keys",
  "x-rate-limit-cost": 2,
  tags: ["auth"],
  summary: "Create an API key (the key and signing secret are shown once)",
  description: "Needs `manage`. A key can hold only scopes its creator holds; `admin` only for admins (403 otherwise).",
  security,
  middleware: [requireScope("manage")] as const,
  request: jsonBody(CreateApiKeyBody),
  responses: { 201: jsonContent(CreatedApiKey, "Created"), ...bodyErrorResponses },
});

const list = createRoute({
  method: "get",
  path: "/v1/api-keys",
  "x-rate-limit-cost": 1,
  tags: ["auth"],
  summary: "List your API keys (never the key itself)",
  security,
  middleware: [requireScope("manage")] as const,
  request: { query: ApiKeyListQuery },
  responses: { 200: jsonContent(ApiKeyList, "A page of keys"), ...errorResponses },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/api-keys/{id}",
  "x-rate-limit-cost": 2,
  tags: ["auth"],
  summary: "Revoke an API key; it stops working at once",
  security,
  middleware: [requireScope("manage")] as const,
  request: { params: IdPath },
  responses: { 204: { description: "Revoked" }, ...errorResponses },
});

export function registerApiKeyRoutes(app: App) {
  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const p = principalOf(c);
    // A credential can hand out only what it holds, so a read-only key cannot mint a trading or admin key.
    const beyond = body.scopes.filter((s) => !ROLE_SCOPES[p.role].includes(s) || !p.scopes.includes(s));
    if (beyond.length) {
      await audit(c, { action: "api_key.created", outcome: "failure", detail: { reason: "scope", scopes: beyond } });
      throw new ApiError("forbidden", `You cannot grant the scope(s): ${beyond.join(", ")}`);
    }
    if (body.expires_at !== undefined && Date.parse(body.expires_at) <= Date.now()) {
      throw ApiError.validation(
        "expires_at must be in the future",
        [{ path: "expires_at", message: "must be in the future" }],
        422,
      );
    }
    const expiresAt = body.expires_at === undefined ? null : new Date(body.expires_at).toISOString();
    const minted = await mintApiKey(c.env.DB, c.get("config"), p.userId, {
      name: body.name,
      scopes: body.scopes,
      expiresAt,
      signing: body.signing,
    });
    await audit(c, {
      action: "api_key.created",
      target: minted.row.id,
      outcome: "success",
      detail: { scopes: body.scopes, signing: body.signing },
    });
    c.header("Location", `/v1/api-keys/${minted.row.id}`);
    return c.json(
      {
        ...publicKey(minted.row),
        key: minted.key,
        ...(minted.signingSecret ? { signing_secret: minted.signingSecret } : {}),
      },
      201,
    );
  });

  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const scope = cursorScope(c, { ...q });
    const after = await readNewestFirst(c, scope, q.cursor);
    const rows = await listApiKeys(c.env.DB, ownerScope(c), after, q.limit);
    const page = await toPage(c, scope, rows, q.limit, (last) => ({ c: last.createdAt, i: last.id }));
    return c.json({ data: page.items.map(publicKey), next_cursor: page.next_cursor }, 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const revoked = await revokeApiKey(c.env, ownerScope(c), id);
    await audit(c, { action: "api_key.revoked", target: id, outcome: revoked ? "success" : "failure" });
    if (!revoked) throw ApiError.notFound(`API key ${id}`);
    return c.body(null, 204);
  });
}
