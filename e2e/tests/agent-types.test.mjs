// One turn with each agent type the server runs, with both SDK
// generations: letta_v1_agent answers in plain text; memgpt_v2_agent and
// memgpt_agent answer through the send_message tool, which both SDKs show
// as an assistant_message. Either way the history shows the user's text as
// a flat string and the reply once.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const types = ["letta_v1_agent", "memgpt_v2_agent", "memgpt_agent"];

describeStores("agent types", (env) => {
  for (const sdk of sdks) {
    for (const agentType of types) {
      scenario(`${sdk.name}: ${agentType} replies and records the turn`, env, async () => {
        const client = sdk.make(env.stack.baseURL);
        const text = `What is my name? (${agentType})`;
        const agent = await client.createAgent({
          name: `e2e-${runID}-${sdk.name}-${agentType}`,
          // 0.1.211 validates agent_type against its own enum, which predates
          // letta_v1_agent; that type is the server default, so leave it out.
          agent_type: sdk.name === "0.1.x" && agentType === "letta_v1_agent" ? undefined : agentType,
          model: "openai/gpt-4o-mini",
          embedding: "openai/text-embedding-ada-002",
          memory_blocks: [
            { label: "human", value: "name: Caren" },
            { label: "persona", value: "A helpful test agent." },
          ],
        });
        assert.equal(agent.agent_type, agentType);

        const res = await client.sendMessage(agent.id, text);
        const replies = res.messages.filter((m) => m.message_type === "assistant_message");
        assert.equal(replies.length, 1, `messages: ${JSON.stringify(res.messages.map((m) => m.message_type))}`);
        assert.equal(textOf(replies[0].content), `Echo: ${text}`);
        assert.equal(res.stop_reason?.stop_reason, "end_turn");
        assert.ok(res.usage.step_count >= 1);

        // The model saw the question, with send_message offered exactly
        // when the agent type answers through it.
        const calls = (await env.stack.llmRequests()).filter((r) =>
          JSON.stringify(r.body?.messages ?? []).includes(text),
        );
        assert.ok(calls.length >= 1, "fakellm received the turn");
        const offered = (calls[0].body.tools ?? []).map((t) => t.function?.name);
        assert.equal(
          offered.includes("send_message"),
          agentType !== "letta_v1_agent",
          `${agentType} offered tools ${JSON.stringify(offered)}`,
        );

        const history = await client.listMessages(agent.id);
        const users = history.filter((m) => m.message_type === "user_message" && m.content === text);
        assert.equal(users.length, 1, `user messages: ${JSON.stringify(history.filter((m) => m.message_type === "user_message").map((m) => m.content))}`);
        const said = history.filter((m) => m.message_type === "assistant_message" && textOf(m.content) === `Echo: ${text}`);
        assert.equal(said.length, 1, "the reply is in the history once");
        if (agentType !== "letta_v1_agent") {
          // With use_assistant_message (the default) the reply tool's call is
          // shown as the assistant_message and its return is hidden.
          const toolItems = history.filter(
            (m) =>
              (m.message_type === "tool_call_message" && m.tool_call?.name === "send_message") ||
              m.message_type === "tool_return_message",
          );
          assert.deepEqual(toolItems, [], "send_message's call and return are not listed as tool messages");
        }
        const idx = (m) => history.indexOf(m);
        assert.ok(idx(users[0]) < idx(said[0]), "history is chronological: question before answer");

        await client.deleteAgent(agent.id);
      });
    }
  }
});
