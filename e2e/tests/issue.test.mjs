// The scenario from the bug report that started this project: create an
// agent with a human block, list and detach the block, send a message, read
// the history back. Run with both SDK generations, both model spellings and
// every store.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { agentBlocks, sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const greeting = "Hello, how are you?";

describeStores("issue scenario", (env) => {
  for (const sdk of sdks) {
    for (const model of ["gpt-4o-mini", "openai/gpt-4o-mini"]) {
      scenario(`${sdk.name}: model ${model}`, env, async () => {
        const client = sdk.make(env.stack.baseURL);

        const agent = await client.createAgent({
          name: `e2e-${runID}-issue-${sdk.name}-${model.replace("/", "-")}`,
          model,
          embedding: "openai/text-embedding-ada-002",
          memory_blocks: [{ label: "human", value: "name: Caren" }],
        });
        assert.match(agent.id, /^agent-[0-9a-f-]{36}$/);
        assert.equal(agent.llm_config?.model, "gpt-4o-mini");
        assert.equal(agent.embedding_config?.embedding_model, "text-embedding-ada-002");

        const blocks = await client.listAgentBlocks(agent.id);
        assert.equal(blocks.length, 1, `blocks: ${JSON.stringify(blocks)}`);
        assert.equal(blocks[0].label, "human");
        assert.equal(blocks[0].value, "name: Caren");
        assert.match(blocks[0].id, /^block-/);

        const detached = await client.detachBlock(agent.id, blocks[0].id);
        assert.deepEqual(agentBlocks(detached), [], "detach returns the agent without the block");
        const after = await client.retrieveAgent(agent.id);
        assert.deepEqual(agentBlocks(after), [], "retrieve after detach shows no blocks");
        assert.deepEqual(await client.listAgentBlocks(agent.id), []);

        const res = await client.sendMessage(agent.id, greeting);
        const assistant = res.messages.filter((m) => m.message_type === "assistant_message");
        assert.ok(assistant.length >= 1, `no assistant_message in ${JSON.stringify(res.messages)}`);
        assert.ok(
          assistant.some((m) => textOf(m.content).includes(`Echo: ${greeting}`)),
          `assistant said ${JSON.stringify(assistant.map((m) => m.content))}`,
        );
        assert.ok(
          !res.messages.some((m) => m.message_type === "user_message"),
          "the response does not echo the input user message",
        );
        assert.equal(res.stop_reason?.message_type, "stop_reason");
        assert.equal(res.stop_reason?.stop_reason, "end_turn");
        assert.equal(res.usage?.message_type, "usage_statistics");
        assert.ok(res.usage.step_count >= 1, `usage ${JSON.stringify(res.usage)}`);
        assert.ok(res.usage.total_tokens > 0, `usage ${JSON.stringify(res.usage)}`);

        // The reply really came from the model over HTTP: fakellm saw a chat
        // request for gpt-4o-mini carrying the greeting.
        const calls = (await env.stack.llmRequests()).filter((r) => /chat\/completions$/.test(r.path));
        assert.ok(
          calls.some(
            (r) => r.body?.model === "gpt-4o-mini" && JSON.stringify(r.body?.messages ?? []).includes(greeting),
          ),
          `fakellm saw no gpt-4o-mini request with the greeting (${calls.length} chat requests)`,
        );

        const history = await client.listMessages(agent.id);
        const users = history.filter((m) => m.message_type === "user_message");
        const mine = users.filter((m) => m.content === greeting);
        assert.equal(
          mine.length,
          1,
          `want one user_message with content exactly ${JSON.stringify(greeting)}; user messages: ${JSON.stringify(users.map((m) => m.content))}`,
        );
        assert.ok(
          history.some((m) => m.message_type === "assistant_message" && textOf(m.content).includes(`Echo: ${greeting}`)),
          "history has the assistant reply",
        );
        const ids = history.map((m) => `${m.id}/${m.message_type}`);
        assert.equal(new Set(ids).size, ids.length, "history has no duplicate items");

        await client.deleteAgent(agent.id);
      });
    }
  }
});
