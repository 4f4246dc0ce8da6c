// Image input with both SDK generations: an image-only message and a
// text+image message reach the model as OpenAI image_url parts, and the
// stored user messages list their parts back.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/** An image part in the SDK's own spelling (0.1.x is camelCase). */
function base64Image(sdk) {
  const key = sdk.name === "0.1.x" ? "mediaType" : "media_type";
  return { type: "image", source: { type: "base64", [key]: "image/png", data: png } };
}

describeStores("image input", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: image-only and text+image messages reach the model`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const agent = await client.createAgent({
        name: `e2e-${runID}-${sdk.name}-images`,
        ...(sdk.name === "1.x" ? { agent_type: "letta_v1_agent" } : {}), // 0.1.x predates it
        model: "openai/gpt-4o-mini",
        embedding: "openai/text-embedding-ada-002",
      });
      await env.stack.resetLLM();
      await client.sendMessage(agent.id, [base64Image(sdk)]);
      await client.sendMessage(agent.id, [
        { type: "text", text: "and this one?" },
        { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
      ]);

      const calls = await env.stack.llmRequests();
      assert.ok(calls.length >= 2, `model calls: ${calls.length}`);
      const last = calls[calls.length - 1].body.messages;
      const users = last.filter((m) => m.role === "user" && Array.isArray(m.content));
      assert.deepEqual(users.map((m) => m.content), [
        [{ type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }],
        [
          { type: "text", text: "and this one?" },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
        ],
      ], JSON.stringify(last).slice(0, 3000));

      const history = await client.listMessages(agent.id);
      const withImages = history.filter((m) => m.message_type === "user_message" && Array.isArray(m.content));
      assert.equal(withImages.length, 2, JSON.stringify(history).slice(0, 3000));
      assert.equal(withImages[0].content[0].type, "image");
      assert.equal(withImages[1].content[1].source.url, "https://example.com/cat.jpg");

      await client.deleteAgent(agent.id);
    });
  }
});
