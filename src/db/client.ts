// One drizzle handle per request over the D1 binding.
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export const getDb = (env: Env) => drizzle(env.DB, { schema });
export type Db = ReturnType<typeof getDb>;
