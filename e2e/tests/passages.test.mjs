// Archival memory with both SDK generations: insert (with tags), list,
// search (hybrid: the exact number is found), delete; and an agent that
// archives a fact through a message and finds it again in a later turn.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

describeStores("archival memory (passages)", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: insert, list, search, delete`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-passages`,
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "persona", value: "A helpful test agent." }],
      });

      const first = await client.createPassage(agent.id, { text: "The user's gym locker code is 4471.", tags: ["gym"] });
      assert.ok(Array.isArray(first) && first.length === 1, `create returns an array: ${JSON.stringify(first)}`);
      assert.match(first[0].id, /^passage-/);
      assert.equal(first[0].text, "The user's gym locker code is 4471.");
      assert.deepEqual(first[0].tags, ["gym"]);
      assert.equal(first[0].embedding.length, 1536);
      const [second] = await client.createPassage(agent.id, { text: "The user prefers green tea over coffee." });

      const listed = await client.listPassages(agent.id, { ascending: true });
      assert.deepEqual(listed.map((p) => p.id), [first[0].id, second.id]);
      const filtered = await client.listPassages(agent.id, { search: "green tea" });
      assert.deepEqual(filtered.map((p) => p.id), [second.id]);

      const found = await client.searchPassages(agent.id, { query: "locker 4471", top_k: 1 });
      assert.equal(found.count, 1);
      assert.equal(found.results[0].id, first[0].id);
      assert.equal(found.results[0].content, "The user's gym locker code is 4471.");
      assert.ok(found.results[0].timestamp);
      const tagged = await client.searchPassages(agent.id, { query: "tea", tags: ["gym"], tag_match_mode: "all" });
      assert.deepEqual(tagged.results.map((r) => r.id), [first[0].id], "only the gym passage has the tag");

      if (client.searchAllPassages) {
        const hits = await client.searchAllPassages({ query: "green tea", agent_id: agent.id, limit: 1 });
        assert.equal(hits.length, 1);
        assert.equal(hits[0].passage.id, second.id);
        assert.equal(typeof hits[0].score, "number");
      }

      await client.deletePassage(agent.id, first[0].id);
      const after = await client.listPassages(agent.id);
      assert.deepEqual(after.map((p) => p.id), [second.id]);
      await client.deleteAgent(agent.id);
    });

    scenario(`${sdk.name}: an agent archives a fact and finds it in a later turn`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-archives`,
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        tools: ["archival_memory_insert", "archival_memory_search"],
        memory_blocks: [{ label: "persona", value: "A helpful test agent." }],
      });
      // The 0.1.x adapter creates agents without a tools list: attach them.
      for (const name of ["archival_memory_insert", "archival_memory_search"]) {
        if ((agent.tools ?? []).some((t) => t.name === name)) continue;
        const [tool] = await client.listTools({ name });
        assert.ok(tool, `base tool ${name} exists`);
        await client.attachTool(agent.id, tool.id);
      }

      await env.stack.resetLLM();
      await env.stack.scriptLLM([
        { tool_calls: [{ name: "archival_memory_insert", arguments: { content: "Caren's passport number is X1234567.", tags: ["documents"] } }] },
        { content: "Filed away." },
      ]);
      const first = await client.sendMessage(agent.id, "Please remember my passport number, X1234567.");
      const insertReturn = first.messages.find((m) => m.message_type === "tool_return_message");
      assert.equal(insertReturn?.status, "success", JSON.stringify(first.messages));
      const stored = await client.listPassages(agent.id);
      assert.equal(stored.length, 1);
      assert.deepEqual(stored[0].tags, ["documents"]);

      await env.stack.resetLLM();
      await env.stack.scriptLLM([
        { tool_calls: [{ name: "archival_memory_search", arguments: { query: "passport number", top_k: 3 } }] },
        { content: "Your passport number is X1234567." },
      ]);
      const second = await client.sendMessage(agent.id, "What is my passport number?");
      const ret = second.messages.find((m) => m.message_type === "tool_return_message");
      assert.equal(ret?.status, "success");
      assert.match(ret.tool_return, /X1234567/);
      assert.match(ret.tool_return, /'tags': \['documents'\]/);

      // The model saw the archival count in its system prompt.
      const calls = await env.stack.llmRequests();
      assert.match(JSON.stringify(calls[0].body.messages[0].content), /1 total memories you created are stored in archival memory/);
      await client.deleteAgent(agent.id);
    });
  }
});
