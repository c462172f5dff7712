// Assets: search and read (any authenticated caller), create/patch/soft-delete (admin).
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors";
import { requireAdmin, requireScope } from "../http/auth";
import { cacheControl } from "../http/caching";
import type { App } from "../http/context";
import { cursorScope, readCursor, toPage } from "../http/pagination";
import { versionedJson } from "../http/versioned-answer";
import { Asset, AssetList, AssetListQuery, CreateAssetBody, PatchAssetBody } from "../schemas/market";
import {
  bodyErrorResponses,
  errorResponses,
  fieldsParam,
  jsonBody,
  jsonContent,
  problemResponse,
  security,
  symbolParam,
} from "../schemas/route-parts";
import {
  assetDetail,
  assetPage,
  assetPageKey,
  assetState,
  changeAsset,
  createAsset,
  deleteAsset,
  restoreAsset,
  toPublicAsset,
} from "../services/assets";
import { audit } from "../services/audit";

const SymbolPath = z.object({ symbol: symbolParam });

const list = createRoute({
  method: "get",
  path: "/v1/assets",
  "x-rate-limit-cost": 1,
  tags: ["market data"],
  summary: "Search assets",
  security,
  middleware: [requireScope("read")] as const,
  request: { query: AssetListQuery },
  responses: { 200: jsonContent(AssetList, "A page of assets"), ...errorResponses },
});

const read = createRoute({
  method: "get",
  path: "/v1/assets/{symbol}",
  "x-rate-limit-cost": 1,
  tags: ["market data"],
  summary: "One asset",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: SymbolPath, query: z.strictObject({ fields: fieldsParam }) },
  responses: { 200: jsonContent(Asset, "The asset"), ...errorResponses },
});

const create = createRoute({
  method: "post",
  path: "/v1/assets",
  "x-rate-limit-cost": 2,
  tags: ["admin"],
  summary: "Add an asset (admin); its history is backfilled in the background",
  security,
  middleware: [requireAdmin()] as const,
  request: jsonBody(CreateAssetBody),
  responses: { 201: jsonContent(Asset, "Created"), 409: problemResponse("Symbol exists"), ...bodyErrorResponses },
});

const patch = createRoute({
  method: "patch",
  path: "/v1/assets/{symbol}",
  "x-rate-limit-cost": 2,
  tags: ["admin"],
  summary: "Change an asset (admin)",
  security,
  middleware: [requireAdmin()] as const,
  request: { params: SymbolPath, ...jsonBody(PatchAssetBody) },
  responses: { 200: jsonContent(Asset, "Updated"), ...bodyErrorResponses },
});

const remove = createRoute({
  method: "delete",
  path: "/v1/assets/{symbol}",
  "x-rate-limit-cost": 2,
  tags: ["admin"],
  summary: "Soft-delete an asset (admin); its price history stays",
  security,
  middleware: [requireAdmin()] as const,
  request: { params: SymbolPath },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

const restore = createRoute({
  method: "post",
  path: "/v1/assets/{symbol}/restore",
  "x-rate-limit-cost": 2,
  tags: ["admin"],
  summary: "Restore a soft-deleted asset (admin): it is served again with its kept history, and backfilled",
  security,
  middleware: [requireAdmin()] as const,
  request: { params: SymbolPath },
  responses: {
    200: jsonContent(Asset, "Restored"),
    409: problemResponse("The asset is not deleted"),
    ...errorResponses,
  },
});

export function registerAssetRoutes(app: App) {
  app.openapi(list, async (c) => {
    const q = c.req.valid("query");
    const cfg = c.get("config");
    const scope = cursorScope(c, { ...q });
    const after = await readCursor<{ s: string }>(c, scope, q.cursor);
    if (after !== undefined && typeof after.s !== "string")
      throw new ApiError("invalid_cursor", "The cursor is malformed");
    const pageQuery = {
      search: q.search,
      asset_class: q.asset_class,
      exchange: q.exchange,
      sector: q.sector,
      after: after?.s,
      limit: q.limit,
    };
    const entry = await assetPageKey(c.env, pageQuery);
    c.header("Cache-Control", cacheControl("market", cfg.HTTP_CACHE_MAX_AGE_SECONDS));
    return versionedJson(c, entry, async () => {
      const { value: rows, hit } = await assetPage(c.env, cfg, pageQuery, entry);
      c.set("cache", hit ? "hit" : "miss");
      const page = await toPage(c, scope, rows, q.limit, (last) => ({ s: last.symbol }));
      return { data: page.items.map(toPublicAsset) as z.infer<typeof Asset>[], next_cursor: page.next_cursor };
    });
  });

  app.openapi(read, async (c) => {
    const { symbol } = c.req.valid("param");
    const cfg = c.get("config");
    const { value: row, hit } = await assetDetail(c.env, cfg, symbol);
    c.set("cache", hit ? "hit" : "miss");
    if (!row) throw ApiError.notFound(`Asset ${symbol}`);
    c.header("Cache-Control", cacheControl("market", cfg.HTTP_CACHE_MAX_AGE_SECONDS));
    return c.json(toPublicAsset(row) as z.infer<typeof Asset>, 200);
  });

  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    const cap =
      body.market_cap === undefined
        ? null
        : {
            date: body.market_cap_date ?? new Date().toISOString().slice(0, 10),
            marketCap: body.market_cap,
            sharesOutstanding: body.shares_outstanding ?? null,
          };
    const asset = {
      symbol: body.symbol,
      name: body.name,
      exchange: body.exchange.toUpperCase(),
      assetClass: body.asset_class,
      currency: body.currency,
      sector: body.sector ?? null,
      listedAt: body.listed_at ?? null,
    };
    const view = await createAsset(c.env, asset, cap);
    if (!view) {
      const deleted = (await assetState(c.env.DB, body.symbol)) === "deleted";
      await audit(c, {
        action: "asset.created",
        target: body.symbol,
        outcome: "failure",
        detail: { reason: deleted ? "deleted" : "exists" },
      });
      throw new ApiError(
        "conflict",
        deleted
          ? `Asset ${body.symbol} exists but is deleted: restore it with POST /v1/assets/${body.symbol}/restore`
          : `Asset ${body.symbol} already exists`,
      );
    }
    await audit(c, { action: "asset.created", target: body.symbol, outcome: "success" });
    c.header("Location", `/v1/assets/${encodeURIComponent(body.symbol)}`);
    return c.json(toPublicAsset(view) as z.infer<typeof Asset>, 201);
  });

  app.openapi(patch, async (c) => {
    const { symbol } = c.req.valid("param");
    const body = c.req.valid("json");
    const view = await changeAsset(c.env, symbol, {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.exchange !== undefined && { exchange: body.exchange.toUpperCase() }),
      ...(body.asset_class !== undefined && { assetClass: body.asset_class }),
      ...(body.currency !== undefined && { currency: body.currency }),
      ...(body.sector !== undefined && { sector: body.sector }),
      ...(body.listed_at !== undefined && { listedAt: body.listed_at }),
      ...(body.delisted_at !== undefined && { delistedAt: body.delisted_at }),
    });
    await audit(c, {
      action: "asset.updated",
      target: symbol,
      outcome: view ? "success" : "failure",
      detail: { fields: Object.keys(body) },
    });
    if (!view) throw ApiError.notFound(`Asset ${symbol}`);
    return c.json(toPublicAsset(view) as z.infer<typeof Asset>, 200);
  });

  app.openapi(remove, async (c) => {
    const { symbol } = c.req.valid("param");
    const deleted = await deleteAsset(c.env, symbol);
    await audit(c, { action: "asset.deleted", target: symbol, outcome: deleted ? "success" : "failure" });
    if (!deleted) throw ApiError.notFound(`Asset ${symbol}`);
    return c.body(null, 204);
  });

  app.openapi(restore, async (c) => {
    const { symbol } = c.req.valid("param");
    const view = await restoreAsset(c.env, symbol);
    if (!view) {
      const state = await assetState(c.env.DB, symbol);
      await audit(c, { action: "asset.restored", target: symbol, outcome: "failure", detail: { reason: state } });
      if (state === "active") throw new ApiError("conflict", `Asset ${symbol} is not deleted`);
      throw ApiError.notFound(`Asset ${symbol}`);
    }
    await audit(c, { action: "asset.restored", target: symbol, outcome: "success" });
    return c.json(toPublicAsset(view) as z.infer<typeof Asset>, 200);
  });
}
