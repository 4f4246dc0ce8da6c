// Global blocks with both SDK generations on every store: create, retrieve,
// list by label, modify/update, attach one block to two agents and see an
// edit in both, delete and 404.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { agentBlocks, sdks, statusOf } from "../sdks.mjs";
import { describeStores, rejectsWithStatus, scenario } from "../suite.mjs";

describeStores("global blocks", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: create, retrieve, list, modify, delete`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const label = `e2e-${runID}-${sdk.name}-notes`;

      const block = await client.createBlock({ label, value: "v1", limit: 500, description: "notes" });
      assert.match(block.id, /^block-/);
      assert.equal(block.label, label);
      assert.equal(block.value, "v1");
      assert.equal(block.limit, 500);

      const got = await client.retrieveBlock(block.id);
      assert.equal(got.id, block.id);
      assert.equal(got.value, "v1");
      assert.equal(got.description, "notes");

      const listed = await client.listBlocks({ label });
      assert.deepEqual(listed.map((b) => b.id), [block.id], "list by label");

      const updated = await client.updateBlock(block.id, { value: "v2" });
      assert.equal(updated.value, "v2");
      assert.equal(updated.label, label, "a partial update keeps the label");
      assert.equal((await client.retrieveBlock(block.id)).value, "v2");

      await client.deleteBlock(block.id);
      await rejectsWithStatus(client.retrieveBlock(block.id), 404, statusOf);
      assert.deepEqual(await client.listBlocks({ label }), [], "deleted block is not listed");
    });

    scenario(`${sdk.name}: one block shared by two agents`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const label = `shared-${runID}`;
      const block = await client.createBlock({ label, value: "before" });
      const agents = [];
      for (const i of [1, 2]) {
        agents.push(
          await client.createAgent({
            name: `e2e-${runID}-${sdk.name}-sharer-${i}`,
            model: "openai/gpt-4o-mini",
            embedding: "openai/text-embedding-ada-002",
            memory_blocks: [{ label: "human", value: `agent ${i}` }],
          }),
        );
      }

      for (const a of agents) {
        const attached = await client.attachBlock(a.id, block.id);
        assert.ok(
          agentBlocks(attached).some((b) => b.id === block.id),
          "attach returns the agent with the block",
        );
      }
      const holders = await client.listBlockAgents(block.id);
      assert.deepEqual(holders.map((a) => a.id).sort(), agents.map((a) => a.id).sort(), "block lists both agents");

      await client.updateBlock(block.id, { value: "after" });
      for (const a of agents) {
        const seen = await client.retrieveAgentBlock(a.id, label);
        assert.equal(seen.id, block.id);
        assert.equal(seen.value, "after", `agent ${a.id} sees the edit`);
        const agent = await client.retrieveAgent(a.id);
        assert.equal(agentBlocks(agent).find((b) => b.id === block.id)?.value, "after");
      }

      const detached = await client.detachBlock(agents[0].id, block.id);
      assert.ok(!agentBlocks(detached).some((b) => b.id === block.id), "detach removes it from one agent");
      assert.equal((await client.retrieveAgentBlock(agents[1].id, label)).value, "after", "the other keeps it");
      await rejectsWithStatus(client.retrieveAgentBlock(agents[0].id, label), 404, statusOf);

      for (const a of agents) await client.deleteAgent(a.id);
      assert.equal((await client.retrieveBlock(block.id)).value, "after", "a global block outlives its agents");
      await client.deleteBlock(block.id);
    });
  }
});
