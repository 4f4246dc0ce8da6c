// Agent CRUD with both SDK generations on every store: create, retrieve,
// list by name and by tags, modify (0.1.x) / update (1.x), delete, and a
// 404 afterwards. Names and tags carry the run id, since the Postgres
// database is shared with other runs.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, statusOf } from "../sdks.mjs";
import { describeStores, rejectsWithStatus, scenario } from "../suite.mjs";

describeStores("agents CRUD", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: create, retrieve, list, modify, delete`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const tag = `e2e-${runID}-${sdk.name}`;
      const name = `${tag}-agent`;

      const created = await client.createAgent({
        name,
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        tags: [tag, "crud"],
        description: "first",
        memory_blocks: [
          { label: "human", value: "name: Caren" },
          { label: "persona", value: "I am a test agent." },
        ],
      });
      assert.equal(created.name, name);
      assert.deepEqual([...created.tags].sort(), ["crud", tag].sort());
      assert.equal(created.description, "first");
      assert.ok(created.created_at, "created_at is set");

      const other = await client.createAgent({
        name: `${tag}-other`,
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        tags: [tag],
        memory_blocks: [],
      });

      const got = await client.retrieveAgent(created.id);
      assert.equal(got.id, created.id);
      assert.equal(got.name, name);
      assert.deepEqual(
        got.memory.blocks.map((b) => b.label).sort(),
        ["human", "persona"],
        "retrieve returns the memory blocks",
      );

      const byName = await client.listAgents({ name });
      assert.deepEqual(byName.map((a) => a.id), [created.id], "list by name");

      const byTag = await client.listAgents({ tags: [tag] });
      assert.deepEqual(byTag.map((a) => a.id).sort(), [created.id, other.id].sort(), "list by one tag");
      const byAllTags = await client.listAgents({ tags: [tag, "crud"], match_all_tags: true });
      assert.deepEqual(byAllTags.map((a) => a.id), [created.id], "list by all tags");

      const updated = await client.updateAgent(created.id, {
        name: `${name}-renamed`,
        description: "second",
        tags: [tag, "renamed"],
      });
      assert.equal(updated.name, `${name}-renamed`);
      assert.equal(updated.description, "second");
      assert.deepEqual([...updated.tags].sort(), ["renamed", tag].sort());
      const reread = await client.retrieveAgent(created.id);
      assert.equal(reread.name, `${name}-renamed`);
      assert.deepEqual([...reread.tags].sort(), ["renamed", tag].sort());
      assert.deepEqual(await client.listAgents({ name }), [], "old name no longer listed");

      await client.deleteAgent(created.id);
      await rejectsWithStatus(client.retrieveAgent(created.id), 404, statusOf);
      const left = await client.listAgents({ tags: [tag] });
      assert.deepEqual(left.map((a) => a.id), [other.id], "deleted agent is gone from lists");

      await client.deleteAgent(other.id);
      await rejectsWithStatus(client.deleteAgent(other.id), 404, statusOf);
    });
  }
});
