// A memory edit made by the model during a turn, with both SDK
// generations: a memgpt_agent calls core_memory_append (then answers with
// send_message), a letta_v1_agent calls memory_insert (then answers in plain
// text). The response shows the edit's call and return and the final reply;
// the "human" block read back by label holds the new text.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

/** The scripted model turn for each agent type: an edit, then the answer. */
function editScript(agentType, sdkName) {
  if (agentType === "memgpt_agent") {
    return [
      { tool_calls: [{ name: "core_memory_append", arguments: { label: "human", content: "likes tea", request_heartbeat: true } }] },
      { tool_calls: [{ name: "send_message", arguments: { message: "Noted: you like tea." } }] },
    ];
  }
  // Letta has spelled memory_insert's text both ways; each SDK run uses one.
  const textKey = sdkName === "1.x" ? "new_string" : "new_str";
  return [
    { tool_calls: [{ name: "memory_insert", arguments: { label: "human", [textKey]: "likes tea", insert_line: -1 } }] },
    { content: "Noted: you like tea." },
  ];
}

const editTool = { memgpt_agent: "core_memory_append", letta_v1_agent: "memory_insert" };

describeStores("memory edit through a message", (env) => {
  for (const sdk of sdks) {
    for (const agentType of ["memgpt_agent", "letta_v1_agent"]) {
      scenario(`${sdk.name}: ${agentType} edits its human block`, env, async () => {
        const client = sdk.make(env.stack.baseURL);
        const agent = await client.createAgent({
          name: `e2e-${runID}-${sdk.name}-memedit-${agentType}`,
          // 0.1.211's agent_type enum predates letta_v1_agent, the default.
          agent_type: sdk.name === "0.1.x" && agentType === "letta_v1_agent" ? undefined : agentType,
          model: "openai/gpt-4o-mini",
          embedding: "openai/text-embedding-ada-002",
          memory_blocks: [
            { label: "human", value: "name: Caren" },
            { label: "persona", value: "A helpful test agent." },
          ],
        });
        assert.equal(agent.agent_type, agentType);

        await env.stack.resetLLM();
        await env.stack.scriptLLM(editScript(agentType, sdk.name));
        const res = await client.sendMessage(agent.id, "Remember that I like tea.");
        const types = res.messages.map((m) => m.message_type);

        const call = res.messages.find((m) => m.message_type === "tool_call_message");
        assert.ok(call, `a tool_call_message in ${JSON.stringify(types)}`);
        assert.equal(call.tool_call.name, editTool[agentType]);
        assert.equal(JSON.parse(call.tool_call.arguments).label, "human");

        const ret = res.messages.find((m) => m.message_type === "tool_return_message");
        assert.ok(ret, `a tool_return_message in ${JSON.stringify(types)}`);
        assert.equal(ret.status, "success", `tool return: ${JSON.stringify(ret)}`);
        assert.equal(ret.tool_call_id, call.tool_call.tool_call_id);

        const replies = res.messages.filter((m) => m.message_type === "assistant_message");
        assert.equal(replies.length, 1, `message types: ${JSON.stringify(types)}`);
        assert.equal(textOf(replies[0].content), "Noted: you like tea.");
        assert.equal(types.lastIndexOf("assistant_message"), types.length - 1, "the reply comes last");
        assert.ok(types.indexOf("tool_call_message") < types.indexOf("tool_return_message"), "call before return");
        assert.equal(res.stop_reason?.stop_reason, "end_turn");
        assert.equal(res.usage.step_count, 2);

        const block = await client.retrieveAgentBlock(agent.id, "human");
        assert.match(block.value, /likes tea/);
        assert.match(block.value, /name: Caren/, "the old value is kept");

        // The second model call saw the edited memory in its system prompt.
        const calls = await env.stack.llmRequests();
        assert.equal(calls.length, 2);
        const system = calls[1].body.messages[0];
        assert.equal(system.role, "system");
        assert.match(JSON.stringify(system.content), /likes tea/);

        await client.deleteAgent(agent.id);
      });
    }
  }
});
