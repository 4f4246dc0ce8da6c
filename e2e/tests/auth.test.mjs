// Password protection with both SDK generations on every store. A server
// with LETTA_SERVER_PASSWORD accepts the right token, refuses a wrong or
// missing one with 401 and changes nothing; health stays open. A server
// without a password ignores Authorization, including the literal
// "Bearer undefined" that 0.1.x sends when no token is configured.

import assert from "node:assert/strict";
import { runID } from "../harness.mjs";
import { sdks, statusOf } from "../sdks.mjs";
import { describeStores, rejectsWithStatus, scenario } from "../suite.mjs";

const password = "banana";

function agentParams(name) {
  return {
    name,
    model: "openai/gpt-4o-mini",
    embedding: "openai/text-embedding-ada-002",
    memory_blocks: [{ label: "human", value: "name: Caren" }],
  };
}

describeStores(
  "auth with a password",
  (env) => {
    scenario("health needs no token; other routes answer 401 {detail}", env, async () => {
      const base = env.stack.baseURL;
      for (const p of ["/v1/health/", "/v1/health"]) {
        const res = await fetch(base + p);
        assert.equal(res.status, 200, `GET ${p}`);
      }
      const res = await fetch(`${base}/v1/agents/`);
      assert.equal(res.status, 401);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      assert.deepEqual(await res.json(), { detail: "Unauthorized" });

      const bare = await fetch(`${base}/v1/agents/`, { headers: { "X-BARE-PASSWORD": `password ${password}` } });
      assert.equal(bare.status, 200, "X-BARE-PASSWORD: password <pw> is accepted");
      const wrongBare = await fetch(`${base}/v1/agents/`, { headers: { "X-BARE-PASSWORD": "password nope" } });
      assert.equal(wrongBare.status, 401);
    });

    for (const sdk of sdks) {
      scenario(`${sdk.name}: right token works, wrong or missing token gets 401 and creates nothing`, env, async () => {
        const right = sdk.make(env.stack.baseURL, password);
        const name = `e2e-${runID}-${sdk.name}-auth`;

        const agent = await right.createAgent(agentParams(name));
        assert.equal(agent.name, name);
        assert.equal((await right.retrieveAgent(agent.id)).id, agent.id);

        const health = await sdk.make(env.stack.baseURL, "wrong").health();
        assert.equal(health.status, "ok", "health is open even with a wrong token");

        for (const token of ["wrong", undefined]) {
          const client = sdk.make(env.stack.baseURL, token);
          const label = token ?? "no token";
          await rejectsWithStatus(client.createAgent(agentParams(`${name}-${label}`)), 401, statusOf);
          await rejectsWithStatus(client.listAgents({ name }), 401, statusOf);
          await rejectsWithStatus(client.retrieveAgent(agent.id), 401, statusOf);
          await rejectsWithStatus(client.deleteAgent(agent.id), 401, statusOf);
          await rejectsWithStatus(client.createBlock({ label: `${name}-${label}`, value: "x" }), 401, statusOf);
          assert.deepEqual(await right.listAgents({ name: `${name}-${label}` }), [], `${label}: no agent was created`);
          assert.deepEqual(await right.listBlocks({ label: `${name}-${label}` }), [], `${label}: no block was created`);
        }
        assert.equal((await right.retrieveAgent(agent.id)).id, agent.id, "refused delete changed nothing");
        await right.deleteAgent(agent.id);
      });
    }
  },
  { password },
);

describeStores("auth without a password", (env) => {
  scenario('0.1.x without a token sends "Bearer undefined" and works', env, async () => {
    const seen = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      seen.push(new Headers(init?.headers).get("authorization"));
      return realFetch(input, init);
    };
    try {
      const sdk = sdks.find((s) => s.name === "0.1.x");
      const client = sdk.make(env.stack.baseURL);
      const name = `e2e-${runID}-0.1.x-noauth`;
      const agent = await client.createAgent(agentParams(name));
      assert.deepEqual((await client.listAgents({ name })).map((a) => a.id), [agent.id]);
      await client.deleteAgent(agent.id);
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.ok(seen.length >= 3, `the SDK made its calls through fetch (${seen.length})`);
    assert.ok(
      seen.every((h) => h === "Bearer undefined"),
      `0.1.x sent Authorization ${JSON.stringify([...new Set(seen)])}`,
    );
  });

  scenario("1.x with an arbitrary key works (auth is off)", env, async () => {
    const sdk = sdks.find((s) => s.name === "1.x");
    const client = sdk.make(env.stack.baseURL, "any-key");
    const name = `e2e-${runID}-1.x-noauth`;
    const agent = await client.createAgent(agentParams(name));
    assert.deepEqual((await client.listAgents({ name })).map((a) => a.id), [agent.id]);
    await client.deleteAgent(agent.id);
  });
});
