// Message search and the organization-wide message routes, as each SDK
// generation calls them: 0.1.211 agents.messages.search; 1.x messages.list
// (paged by hand with after=<last id>), messages.retrieve and
// messages.search.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

describeStores("message search", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: a message is found by search`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const word = `zebra${runID.replace(/\W/g, "")}${sdk.name.replace(/\W/g, "")}`;
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-search`,
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [],
      });
      await client.sendMessage(agent.id, `tell me about the ${word}`);

      if (sdk.name === "1.x") {
        const found = await client.raw.messages.search({ query: word, agent_id: agent.id });
        assert.ok(Array.isArray(found), "search answers an array");
        const user = found.find((m) => m.message_type === "user_message");
        assert.ok(user, `no user_message among ${JSON.stringify(found)}`);
        assert.equal(user.agent_id, agent.id);
        assert.equal(textOf(user.content), `tell me about the ${word}`);

        const items = await client.raw.messages.retrieve(user.message_id);
        assert.ok(Array.isArray(items) && items.length === 1, `retrieve: ${JSON.stringify(items)}`);
        assert.equal(items[0].id, user.message_id);

        // messages.list returns one page; walk it with after=<last id>.
        const seen = [];
        let after;
        for (let pages = 0; ; pages++) {
          assert.ok(pages < 200, "paging did not stop");
          const page = await client.raw.messages.list({ limit: 2, after });
          assert.ok(Array.isArray(page), `list: ${JSON.stringify(page)}`);
          if (page.length === 0) break;
          seen.push(...page.map((m) => m.id));
          after = page[page.length - 1].id;
        }
        assert.ok(seen.includes(user.message_id), "the walk missed the message");
      } else {
        const found = await client.raw.agents.messages.search(
          { query: word, searchMode: "fts", roles: ["user"], limit: 10 },
          { maxRetries: 0 },
        );
        assert.equal(found.length, 1, JSON.stringify(found));
        const hit = found[0];
        assert.equal(hit.embeddedText ?? hit.embedded_text, `tell me about the ${word}`);
        assert.equal(hit.message.role, "user");
        assert.equal(hit.message.agentId ?? hit.message.agent_id, agent.id);
        assert.equal(hit.ftsRank ?? hit.fts_rank, 1);
        assert.ok((hit.rrfScore ?? hit.rrf_score) > 0);
      }
      await client.deleteAgent(agent.id);
    });
  }
});
