// Promises a module holds for the isolate's life (services/passwords.ts) must not hold a failure: the next caller
// tries again. Without that, one failed first use would refuse every later login of the isolate.
import { describe, expect, it } from "vitest";
import { dummyPasswordHash } from "../../src/services/passwords";

describe("promises held for the isolate", () => {
  it("drops a failed dummy hash, so the next call derives a real one", async () => {
    // WebCrypto refuses PBKDF2 with 0 iterations: the first use fails.
    await expect(dummyPasswordHash(0)).rejects.toThrow();
    const hash = await dummyPasswordHash(1000);
    expect(hash).toMatch(/^pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    // Once it succeeded it is held: a later call gets the same hash, whatever it asks for.
    expect(await dummyPasswordHash(5000)).toBe(hash);
  });
});
