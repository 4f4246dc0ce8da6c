// Health and model listings with both SDK generations: health reports the
// binary's version, and the models the OpenAI provider serves are listed
// with the handles clients put into `model`.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { serverBin } from "../harness.mjs";
import { sdks } from "../sdks.mjs";
import { describeStores, scenario } from "../suite.mjs";

const version = execFileSync(serverBin, ["version"], { encoding: "utf8" }).trim();

describeStores("health and models", (env) => {
  for (const sdk of sdks) {
    scenario(`${sdk.name}: health reports the version; gpt-4o-mini is listed`, env, async () => {
      const client = sdk.make(env.stack.baseURL);
      const health = await client.health();
      assert.equal(health.status, "ok");
      assert.equal(health.version, version);

      const models = await client.listLLMs();
      assert.ok(Array.isArray(models), "models list is a bare array");
      const mini = models.find((m) => m.handle === "openai/gpt-4o-mini");
      assert.ok(mini, `handles: ${JSON.stringify(models.map((m) => m.handle))}`);
      assert.equal(mini.model, "gpt-4o-mini");
      assert.ok(mini.context_window > 0, "context_window is set");
    });
  }
});
