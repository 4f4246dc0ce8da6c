// message_buffer_autoclear with both SDK generations: each turn starts from
// the system prompt alone, so the second turn's model request holds only the
// system message and the new user message, while the agent's history still
// lists both exchanges.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

describeStores("message buffer autoclear", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: the second turn does not see the first`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-autoclear`,
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "human", value: "name: Caren" }],
        message_buffer_autoclear: true,
      });
      assert.equal(agent.message_buffer_autoclear, true);
      assert.equal((await client.retrieveAgent(agent.id)).message_buffer_autoclear, true);

      const first = `First question (${sdk.name})`;
      const second = `Second question (${sdk.name})`;
      await env.stack.resetLLM();
      const r1 = await client.sendMessage(agent.id, first);
      assert.equal(textOf(r1.messages.find((m) => m.message_type === "assistant_message")?.content), `Echo: ${first}`);
      const r2 = await client.sendMessage(agent.id, second);
      assert.equal(textOf(r2.messages.find((m) => m.message_type === "assistant_message")?.content), `Echo: ${second}`);

      const calls = await env.stack.llmRequests();
      assert.equal(calls.length, 2, `model calls: ${calls.length}`);
      const msgs = calls[1].body.messages;
      assert.deepEqual(msgs.map((m) => m.role), ["system", "user"], `second request: ${JSON.stringify(msgs).slice(0, 2000)}`);
      assert.match(JSON.stringify(msgs[1].content), new RegExp(second.replace(/[()]/g, "\\$&")));
      assert.ok(!JSON.stringify(msgs).includes(first), "the first exchange is not in the second request");

      const history = await client.listMessages(agent.id);
      const users = history.filter((m) => m.message_type === "user_message").map((m) => m.content);
      assert.ok(users.includes(first) && users.includes(second), `user messages: ${JSON.stringify(users)}`);
      const said = history.filter((m) => m.message_type === "assistant_message").map((m) => textOf(m.content));
      assert.ok(said.includes(`Echo: ${first}`) && said.includes(`Echo: ${second}`), `replies: ${JSON.stringify(said)}`);

      await client.deleteAgent(agent.id);
    });
  }
});
