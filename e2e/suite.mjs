// Helpers shared by the scenario files: run a block of tests once per store,
// each store with its own fakellm + letta-server, and attach the server's
// log tail to any failure.

import { after, before, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { startStack, stores } from "./harness.mjs";

/** The last n lines of a file, or "" when it cannot be read. */
export function tail(file, n = 40) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

/**
 * describeStores runs body once per store inside a describe block. body
 * receives env, whose `stack` is the running server once `before` has run.
 * Options are passed to startStack (password, extra env).
 */
export function describeStores(title, body, opts = {}) {
  for (const store of stores()) {
    describe(`${title} [${store.name}]`, () => {
      const env = { store, stack: null };
      before(async () => {
        if (store.error) throw store.error;
        env.stack = await startStack({ ...opts, databaseURL: store.databaseURL });
      });
      after(async () => {
        await env.stack?.stop();
      });
      body(env);
    });
  }
}

/** it() that appends the server log tail to a failure's message. */
export function scenario(name, env, fn) {
  it(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      const log = env.stack?.serverLog ? tail(env.stack.serverLog) : "";
      if (log && err && typeof err === "object") {
        err.message = `${err.message}\n--- letta-server log (last lines) ---\n${log}`;
      }
      throw err;
    }
  });
}

/** Assert that promise rejects with an SDK error of the given HTTP status. */
export async function rejectsWithStatus(promise, status, statusOf) {
  try {
    await promise;
  } catch (err) {
    const got = statusOf(err);
    if (got !== status) {
      throw new Error(`want HTTP ${status}, got ${got}: ${err?.message ?? err}`);
    }
    return err;
  }
  throw new Error(`want HTTP ${status}, but the call succeeded`);
}
