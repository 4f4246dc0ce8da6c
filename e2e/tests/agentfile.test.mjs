// Agent files (.af) with both SDK generations on every store: import one of
// Letta's published files (the repository's copies), talk to the imported
// agent through the fake model, export it in both schemas and import the
// export again.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runID } from "../harness.mjs";
import { agentBlocks, sdks, textOf } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const testdata = new URL("../../internal/agentfile/testdata/", import.meta.url);
const readAgentFile = (name) => readFileSync(fileURLToPath(new URL(name, testdata)));

/** The file's document; some published files are a JSON string holding it. */
function parseAgentFile(raw) {
  const doc = JSON.parse(raw);
  return typeof doc === "string" ? JSON.parse(doc) : doc;
}

/** The export as an object: both SDKs type it as a string but get JSON. */
const asDocument = (doc) => (typeof doc === "string" ? JSON.parse(doc) : doc);

describeStores("agent files", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: import a published agent file, talk to it, export and re-import`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      // memgpt_agent.af is stored double-encoded and runs on openai/gpt-4o-mini,
      // which the fake serves; loop.af runs on Anthropic, so 1.x overrides the model.
      const file = sdk.name === "0.1.x" ? "memgpt_agent.af" : "loop.af";
      const options = sdk.name === "0.1.x" ? {} : { model: "openai/gpt-4o-mini" };
      const original = parseAgentFile(readAgentFile(file));

      const imported = await client.importAgentFile(readAgentFile(file), options);
      assert.equal(imported.agent_ids.length, 1, JSON.stringify(imported.agent_ids));
      const agentId = imported.agent_ids[0];
      assert.match(agentId, /^agent-/);

      const agent = await client.retrieveAgent(agentId);
      assert.equal(agent.name, `${original.agents[0].name}_copy`);
      const labels = agentBlocks(agent).map((b) => b.label).sort();
      assert.deepEqual(labels, original.blocks.map((b) => b.label).sort(), "every block of the file");
      const toolNames = agent.tools.map((t) => t.name).sort();
      assert.deepEqual(toolNames, original.tools.map((t) => t.name).sort(), "every tool of the file");

      const text = `hello imported agent ${runID}`;
      const res = await client.sendMessage(agentId, text);
      const replies = res.messages.filter((m) => m.message_type === "assistant_message");
      assert.ok(replies.length >= 1, `messages: ${JSON.stringify(res.messages.map((m) => m.message_type))}`);
      assert.equal(textOf(replies.at(-1).content), `Echo: ${text}`);

      const exported = asDocument(await client.exportAgentFile(agentId));
      assert.equal(exported.agents.length, 1);
      assert.equal(exported.agents[0].id, "agent-0");
      assert.deepEqual(exported.blocks.map((b) => b.label).sort(), labels);
      assert.ok(
        exported.agents[0].messages.some((m) => JSON.stringify(m.content).includes(text)),
        "the export holds the new conversation",
      );

      const legacy = asDocument(await client.exportAgentFile(agentId, { use_legacy_format: true }));
      assert.equal(legacy.core_memory.length, labels.length);
      assert.ok(legacy.in_context_message_indices.length >= 1);

      const again = await client.importAgentFile(Buffer.from(JSON.stringify(exported)), { append_copy_suffix: false });
      const copy = await client.retrieveAgent(again.agent_ids[0]);
      assert.notEqual(copy.id, agentId);
      assert.equal(copy.name, agent.name);
      assert.deepEqual(agentBlocks(copy).map((b) => b.value).sort(), agentBlocks(agent).map((b) => b.value).sort());
      assert.equal(copy.message_ids.length, exported.agents[0].in_context_message_ids.length, "the context window");

      for (const id of [agentId, copy.id]) await client.deleteAgent(id);
    });
  }
});
