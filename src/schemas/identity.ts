// API key and audit-log shapes, shared by validation and the OpenAPI document.
import { z } from "@hono/zod-openapi";
import { cursorParam, fieldsParam, instant, limitParam, listOf } from "./route-parts";

export const ScopeName = z.enum(["read", "trade", "manage", "admin"]).openapi({
  description:
    "read: every GET; trade: indexes, simulations, orders, alerts; manage: API keys and webhooks; admin: /v1/admin/* and asset writes",
});

export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scopes: z
      .array(ScopeName)
      .min(1)
      .max(4)
      .refine((s) => new Set(s).size === s.length, "must not repeat a scope")
      .default(["read"])
      .openapi({ uniqueItems: true }),
    expires_at: instant
      .optional()
      .openapi({ description: "When the key stops working (RFC 3339); must be in the future" }),
    signing: z
      .boolean()
      .default(false)
      .openapi({ description: "Require every request to be signed with a signing secret" }),
  })
  .openapi("CreateApiKeyBody");

export const ApiKey = z
  .object({
    id: z.string().openapi({ example: "key_3mJr7AoUXx2Wqd9cBk1Lz0" }),
    name: z.string(),
    prefix: z
      .string()
      .openapi({ example: "ei_live_Ab12Cd34", description: "The first characters of the key, to tell keys apart" }),
    scopes: z.array(ScopeName),
    signing: z.boolean(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("ApiKey");

export const CreatedApiKey = ApiKey.extend({
  key: z.string().openapi({ description: "The key itself: shown this once, stored only as a hash" }),
  signing_secret: z.string().optional().openapi({ description: "HMAC secret for signed requests; shown this once" }),
}).openapi("CreatedApiKey");

export const ApiKeyList = listOf(ApiKey).openapi("ApiKeyList");

export const ApiKeyListQuery = z.strictObject({ limit: limitParam(100), cursor: cursorParam, fields: fieldsParam });

export const AuditEntry = z
  .object({
    id: z.number().int(),
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    outcome: z.enum(["success", "failure"]),
    request_id: z.string().nullable(),
    ip: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
  })
  .openapi("AuditEntry");

export const AuditList = listOf(AuditEntry).openapi("AuditList");

export const AuditQuery = z.strictObject({
  actor: z.string().min(1).max(254).optional(),
  action: z.string().min(1).max(64).optional(),
  since: instant.optional(),
  limit: limitParam(100),
  cursor: cursorParam,
  fields: fieldsParam,
});
