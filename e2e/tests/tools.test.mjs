// Custom tools with both SDK generations: a Python tool created from
// source (its schema derived by the server), found with tools.list by
// name, attached to an agent, called by the agent through fakellm and run
// in the sandbox with the agent's environment variables; its return comes
// back in the response and reaches the model.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

function diceSource(name) {
  return `import os

def ${name}(sides: int, note: str = "none") -> str:
    """Roll a die with the given number of sides.

    Args:
        sides: Number of sides of the die.
        note: A note to echo back.
    """
    print("rolling", sides)
    return f"rolled {sides} ({note}) seed={os.environ.get('DICE_SEED')} home_secret={os.environ.get('OPENAI_API_KEY')}"
`;
}

describeStores("custom tools", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: a Python tool is created, listed by name, attached and called by the agent`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const name = `roll_${runID}_${sdk.name.replace(/\W/g, "")}`.toLowerCase();
      const tool = await client.createTool({ source_code: diceSource(name), tags: ["dice"] });
      assert.equal(tool.name, name);
      assert.equal(tool.tool_type, "custom");
      assert.equal(tool.description, "Roll a die with the given number of sides.");
      assert.deepEqual(tool.json_schema.parameters.required, ["sides"]);
      assert.equal(tool.json_schema.parameters.properties.sides.type, "integer");

      const listed = await client.listTools({ name });
      assert.deepEqual(listed.map((t) => t.id), [tool.id], "tools.list(name) finds exactly the tool");

      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-tools`,
        // no agent_type: the server's default, letta_v1_agent (0.1.x's enum predates it)
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
        memory_blocks: [{ label: "human", value: "name: Caren" }],
      });
      // Environment variables go through a plain modify (both SDKs name it
      // tool_exec_environment_variables on the wire).
      const res0 = await fetch(`${env.stack.baseURL}/v1/agents/${agent.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ tool_exec_environment_variables: { DICE_SEED: "1234" } }),
      });
      assert.equal(res0.status, 200);
      const attached = await client.attachTool(agent.id, tool.id);
      if (attached) assert.ok(attached.tools.some((t) => t.id === tool.id), "attach returns the agent with the tool");

      await env.stack.resetLLM();
      await env.stack.scriptLLM([
        { tool_calls: [{ name, arguments: { sides: 20, note: "d20" } }] },
        { content: "You rolled a twenty-sider." },
      ]);
      const res = await client.sendMessage(agent.id, "Roll a d20 for me");
      const ret = res.messages.find((m) => m.message_type === "tool_return_message");
      assert.ok(ret, `message types: ${JSON.stringify(res.messages.map((m) => m.message_type))}`);
      assert.equal(ret.status, "success");
      const packaged = JSON.parse(ret.tool_return);
      assert.equal(packaged.status, "OK");
      assert.equal(packaged.message, "rolled 20 (d20) seed=1234 home_secret=None", "the tool sees its variables and not the server's");
      assert.match((ret.stdout ?? []).join(""), /rolling 20/);
      const reply = res.messages.find((m) => m.message_type === "assistant_message");
      assert.equal(textOf(reply?.content), "You rolled a twenty-sider.");

      const calls = await env.stack.llmRequests();
      assert.equal(calls.length, 2);
      assert.ok(calls[0].body.tools.some((t) => t.function?.name === name), "the custom tool is offered to the model");
      assert.ok(JSON.stringify(calls[1].body.messages).includes("seed=1234"), "the model sees the tool's return");

      await client.deleteAgent(agent.id);
      await client.deleteTool(tool.id);
      assert.deepEqual(await client.listTools({ name }), []);
    });
  }
});
