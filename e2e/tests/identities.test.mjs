// Identities with both SDK generations on every store. 0.1.x has the whole
// identities resource: create, retrieve, list, modify (properties merged),
// upsert, properties upsert, a duplicate key refused, delete (agents stay),
// agents.search, and the X-Project header. 1.12.1 has only
// agents.identities.attach/detach, so its identity is made over plain HTTP.
// Both create an agent with identity_ids and find it by identifier key.
// Keys carry the run id, since the Postgres database is shared.

import assert from "node:assert/strict";
import lettaOld from "letta-old";
import { runID } from "../harness.mjs";
import { oldSDK, newSDK, snake, statusOf } from "../sdks.mjs";
import { describeStores, rejectsWithStatus, scenario } from "../suite.mjs";

const model = "openai/gpt-4o-mini";
const embedding = "openai/text-embedding-ada-002";
const o = { maxRetries: 0 };

describeStores("identities", (env) => {
  scenario("0.1.x: identity CRUD, upsert, agents by identifier key, search", env, async () => {
    const client = oldSDK(env.stack.baseURL);
    const raw = client.raw;
    const key = `e2e-${runID}-old-user`;

    const created = snake(
      await raw.identities.create(
        {
          identifierKey: key,
          name: "Caren",
          identityType: "user",
          properties: [{ key: "email", value: "caren@example.com", type: "string" }],
        },
        o,
      ),
    );
    assert.match(created.id, /^identity-/);
    assert.equal(created.identifier_key, key);
    assert.deepEqual(created.agent_ids, []);

    const got = snake(await raw.identities.retrieve(created.id, o));
    assert.equal(got.name, "Caren");
    const listed = snake(await raw.identities.list({ identifierKey: key }, o));
    assert.deepEqual(listed.map((i) => i.id), [created.id], "list by identifier_key");

    await rejectsWithStatus(
      raw.identities.create({ identifierKey: key, name: "Dup", identityType: "user" }, o),
      409,
      statusOf,
    );

    const modified = snake(
      await raw.identities.modify(created.id, { properties: [{ key: "plan", value: "pro", type: "string" }] }, o),
    );
    assert.deepEqual(modified.properties.map((p) => p.key), ["email", "plan"], "modify merges properties");

    const upserted = snake(await raw.identities.upsert({ identifierKey: key, name: "Caren B.", identityType: "user" }, o));
    assert.equal(upserted.id, created.id, "upsert finds the identity by key");
    assert.equal(upserted.name, "Caren B.");

    const replaced = snake(
      await raw.identities.properties.upsert(created.id, [{ key: "tier", value: 3, type: "number" }], o),
    );
    assert.deepEqual(replaced.properties, [{ key: "tier", value: 3, type: "number" }]);

    const agent = await client.createAgent({
      name: `${key}-agent`,
      model,
      embedding,
      memory_blocks: [],
      identity_ids: [created.id],
    });
    assert.deepEqual(agent.identity_ids, [created.id]);
    const byKey = await client.listAgents({ identifier_keys: [key] });
    assert.deepEqual(byKey.map((a) => a.id), [agent.id], "agents by identifier key");
    const byID = await client.listAgents({ identity_id: created.id });
    assert.deepEqual(byID.map((a) => a.id), [agent.id], "agents by identity id");
    assert.deepEqual(snake(await raw.identities.retrieve(created.id, o)).agent_ids, [agent.id]);

    const found = snake(
      await raw.agents.search({ search: [{ field: "identity", operator: "eq", value: key }], limit: 10 }, o),
    );
    assert.deepEqual(found.agents.map((a) => a.id), [agent.id], "agents.search by identity");

    assert.equal(await raw.identities.delete(created.id, o), null);
    await rejectsWithStatus(raw.identities.retrieve(created.id, o), 404, statusOf);
    const kept = await client.retrieveAgent(agent.id);
    assert.deepEqual(kept.identity_ids, [], "deleting the identity unlinks the agent and keeps it");
    await client.deleteAgent(agent.id);
  });

  scenario("0.1.x: X-Project is stored on agents and scopes lists", env, async () => {
    const project = `e2e-${runID}-proj`;
    const scoped = new lettaOld.LettaClient({ baseUrl: env.stack.baseURL, project });
    const agent = snake(await scoped.agents.create({ name: `${project}-agent`, model, embedding, memoryBlocks: [] }, o));
    assert.equal(agent.project_id, project);
    const listed = snake(await scoped.agents.list({}, o));
    assert.deepEqual(listed.map((a) => a.id), [agent.id], "a client with a project lists that project's agents");
    await scoped.agents.delete(agent.id, o);
  });

  scenario("1.x: agent with identity_ids, found by key; agents.identities attach and detach", env, async () => {
    const client = newSDK(env.stack.baseURL);
    const key = `e2e-${runID}-new-user`;
    // 1.12.1 has no identities resource: create it over HTTP.
    const res = await fetch(`${env.stack.baseURL}/v1/identities/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ identifier_key: key, name: "Dana", identity_type: "user" }),
    });
    assert.equal(res.status, 200);
    const identity = await res.json();

    const agent = await client.createAgent({ name: `${key}-agent`, model, embedding, identity_ids: [identity.id] });
    assert.deepEqual(agent.identity_ids, [identity.id]);
    assert.equal(agent.identities?.[0]?.identifier_key, key, "AgentState.identities is filled");
    const byKey = await client.listAgents({ identifier_keys: [key] });
    assert.deepEqual(byKey.map((a) => a.id), [agent.id]);

    const other = await client.createAgent({ name: `${key}-other`, model, embedding });
    assert.equal(await client.raw.agents.identities.attach(identity.id, { agent_id: other.id }), null);
    const both = await client.listAgents({ identity_id: identity.id });
    assert.deepEqual(both.map((a) => a.id).sort(), [agent.id, other.id].sort());
    await client.raw.agents.identities.detach(identity.id, { agent_id: other.id });
    assert.deepEqual((await client.retrieveAgent(other.id)).identity_ids, []);
    await rejectsWithStatus(
      client.raw.agents.identities.attach("identity-00000000-0000-4000-8000-000000000001", { agent_id: other.id }),
      404,
      statusOf,
    );

    await client.deleteAgent(agent.id);
    await client.deleteAgent(other.id);
    await fetch(`${env.stack.baseURL}/v1/identities/${identity.id}`, { method: "DELETE" });
  });
});
