// The one database handle is the D1 binding (`env.DB`); every db/ module takes it and builds its drizzle view here.
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Orm = DrizzleD1Database<typeof schema>;

const views = new WeakMap<D1Database, Orm>();

/** The drizzle view over a D1 binding, built once per binding (only db/ modules call this). */
export function orm(d1: D1Database): Orm {
  let view = views.get(d1);
  if (!view) {
    view = drizzle(d1, { schema });
    views.set(d1, view);
  }
  return view;
}
