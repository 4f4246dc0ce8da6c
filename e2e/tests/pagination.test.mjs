// Cursor pagination as each SDK generation uses it: 1.x auto-pages with
// after=<last id> until an empty page (a server that ignores `after` loops
// forever); 0.1.x passes limit/after through by hand.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const count = 5;

describeStores("pagination", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: agents listed page by page, each exactly once`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const tag = `e2e-${runID}-${sdk.name}-pages`;
      const ids = [];
      for (let i = 0; i < count; i++) {
        const a = await client.createAgent({
          name: `${tag}-${i}`,
          model: "openai/gpt-4o-mini",
          embedding: "openai/text-embedding-ada-002",
          tags: [tag],
          memory_blocks: [],
        });
        ids.push(a.id);
      }

      let seen;
      if (sdk.name === "1.x") {
        seen = [];
        for await (const a of client.raw.agents.list({ tags: [tag], limit: 2 })) {
          seen.push(a.id);
          assert.ok(seen.length <= count, `auto-paging did not stop: ${seen.length} items`);
        }
      } else {
        seen = [];
        let after;
        for (let pages = 0; ; pages++) {
          assert.ok(pages <= count, "manual paging did not stop");
          const page = await client.raw.agents.list({ tags: [tag], limit: 2, after }, { maxRetries: 0 });
          assert.ok(page.length <= 2, `limit 2 returned ${page.length}`);
          if (page.length === 0) break;
          seen.push(...page.map((a) => a.id));
          after = page[page.length - 1].id;
        }
      }
      assert.equal(new Set(seen).size, seen.length, `duplicates across pages: ${seen}`);
      assert.deepEqual([...seen].sort(), [...ids].sort());

      for (const id of ids) await client.deleteAgent(id);
    });
  }
});
