// The answer types of the API, read from the OpenAPI document the routes generate (packages/client's paths):
// what a call to a path with a method answers on success, so route tests are typed by each route's own types.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { components, paths } from "../../packages/client/src/schema";

/** The OpenAPI 3.1 document GET /openapi.json answers, as the routes library types it. */
export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

/** One operation (a method of a path) of that document. */
export type OpenApiOperation = NonNullable<NonNullable<NonNullable<OpenApiDocument["paths"]>[string]>["get"]>;

/** The problem+json body of every error answer. */
export type Problem = components["schemas"]["Problem"];

type Template<K extends string> = K extends `${infer A}{${string}}${infer B}` ? `${A}${string}${Template<B>}` : K;
type Keyed<P extends string, K extends string> = P extends K | `${K}?${string}` ? true : false;

/** The documented path a concrete path (with its query) is: an exact path first, else the longest template. */
export type RouteOf<P extends string> = string extends P
  ? never
  : {
        [K in keyof paths & string]: Keyed<P, K> extends true ? K : never;
      }[keyof paths & string] extends infer Exact extends string
    ? [Exact] extends [never]
      ? {
          [K in keyof paths & string]: Keyed<P, Template<K>> extends true
            ? P extends `${Template<K>}/${string}`
              ? never
              : K
            : never;
        }[keyof paths & string]
      : Exact
    : never;

type JsonOf<R> = R extends { content: { "application/json": infer J } }
  ? J
  : R extends { content?: never }
    ? null
    : unknown;
type Success<Op> = Op extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 | 202 | 204 ? JsonOf<R[S]> : never }[keyof R]
  : unknown;

/** The success body of `method` on the route a concrete path is; unknown for a path the document does not know. */
export type AnswerOf<P extends string, M extends string> = P extends "/openapi.json"
  ? OpenApiDocument
  : [RouteOf<P>] extends [never]
    ? unknown
    : RouteOf<P> extends infer K extends keyof paths
      ? Lowercase<M> extends keyof paths[K]
        ? Success<paths[K][Lowercase<M>]>
        : unknown
      : unknown;
