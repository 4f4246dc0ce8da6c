// Tool rules with both SDK generations: run_first, constrain_child_tools and
// exit_loop come back as sent, and fakellm's request log shows the loop
// offering exactly the tools the rules allow at each step.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const rules = [
  { type: "run_first", tool_name: "conversation_search" },
  { type: "constrain_child_tools", tool_name: "conversation_search", children: ["send_message"] },
  { type: "exit_loop", tool_name: "send_message" },
];

/** A rule with its unset (null/undefined) fields dropped, for comparison. */
function set(rule) {
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== null && v !== undefined));
}

function offered(request) {
  return (request.body.tools ?? []).map((t) => t.function?.name);
}

/**
 * Whether a chat request's tool_choice names the one allowed tool: Letta's
 * A1/V2 loop (memgpt_agent) sends a named function when exactly one tool is
 * allowed (AGENT-LOOP.md, tool_choice table).
 */
function forces(request, name) {
  const choice = request.body.tool_choice;
  return choice?.type === "function" && choice.function?.name === name;
}

describeStores("tool rules", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: run_first → child → exit_loop drives the loop`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-rules`,
        agent_type: "memgpt_agent",
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "human", value: "name: Caren" }],
        tool_rules: rules,
        include_base_tool_rules: false,
      });
      assert.deepEqual(agent.tool_rules.map(set), rules, "create returns the rules as sent");
      const got = await client.retrieveAgent(agent.id);
      assert.deepEqual(got.tool_rules.map(set), rules, "retrieve returns the rules as sent");

      // No heartbeat on the search: its child rule alone keeps the loop going.
      await env.stack.resetLLM();
      await env.stack.scriptLLM([
        { tool_calls: [{ name: "conversation_search", arguments: { query: "tea", request_heartbeat: false } }] },
        { tool_calls: [{ name: "send_message", arguments: { message: "I found nothing about tea." } }] },
      ]);
      const res = await client.sendMessage(agent.id, "Did I mention tea?");
      const types = res.messages.map((m) => m.message_type);

      const calls = await env.stack.llmRequests();
      assert.equal(calls.length, 2, `model calls: ${calls.length}`);
      assert.deepEqual(offered(calls[0]), ["conversation_search"], "step 1 offers only the run_first tool");
      assert.ok(forces(calls[0], "conversation_search"), `step 1 tool_choice: ${JSON.stringify(calls[0].body.tool_choice)}`);
      assert.deepEqual(offered(calls[1]), ["send_message"], "step 2 offers only the child");
      assert.ok(forces(calls[1], "send_message"), `step 2 tool_choice: ${JSON.stringify(calls[1].body.tool_choice)}`);

      const search = res.messages.find((m) => m.message_type === "tool_call_message");
      assert.equal(search?.tool_call?.name, "conversation_search", `message types: ${JSON.stringify(types)}`);
      const replies = res.messages.filter((m) => m.message_type === "assistant_message");
      assert.equal(replies.length, 1, `message types: ${JSON.stringify(types)}`);
      assert.equal(textOf(replies[0].content), "I found nothing about tea.");
      // exit_loop without a heartbeat ends the turn as end_turn (AGENT-LOOP.md 2.5, A1/V2).
      assert.equal(res.stop_reason?.stop_reason, "end_turn");
      assert.equal(res.usage.step_count, 2);

      // A second turn starts over at run_first; exit_loop reached with a
      // heartbeat requested stops with stop_reason tool_rule.
      await env.stack.resetLLM();
      await env.stack.scriptLLM([
        { tool_calls: [{ name: "conversation_search", arguments: { query: "coffee" } }] },
        { tool_calls: [{ name: "send_message", arguments: { message: "Nothing about coffee.", request_heartbeat: true } }] },
      ]);
      const again = await client.sendMessage(agent.id, "And coffee?");
      const calls2 = await env.stack.llmRequests();
      assert.equal(calls2.length, 2, `model calls: ${calls2.length}`);
      assert.deepEqual(calls2.map(offered), [["conversation_search"], ["send_message"]]);
      assert.equal(again.stop_reason?.stop_reason, "tool_rule");

      await client.deleteAgent(agent.id);
    });
  }
});
