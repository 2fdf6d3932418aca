import assert from "node:assert/strict";
import { protocolJsonSchema, protocolJsonSchemaText } from "../../protocol/json_schema.ts";
import { CLIENT_MESSAGE_TYPES, SERVER_MESSAGE_SCHEMAS } from "../../protocol/mod.ts";
import { SCHEMA_PATH } from "../../tools/generate_schema.ts";

Deno.test("docs/protocol.schema.json is what `deno task schema` generates from the zod schemas", async () => {
  const committed = await Deno.readTextFile(SCHEMA_PATH);
  assert.ok(
    committed === protocolJsonSchemaText(),
    "docs/protocol.schema.json is stale: run `deno task schema` and commit the result",
  );
});

Deno.test("the JSON Schema has every client and server message type", () => {
  const defs = protocolJsonSchema()["$defs"] as Record<string, { properties?: object }>;
  for (const type of CLIENT_MESSAGE_TYPES) assert.ok(defs[`client.${type}`], type);
  for (const type of Object.keys(SERVER_MESSAGE_SCHEMAS)) assert.ok(defs[`server.${type}`], type);
  // The timeline fields are documented, not just allowed.
  const play = JSON.stringify(defs["server.player_event"]);
  assert.match(play, /position_at_target/);
  assert.match(JSON.stringify(defs["client.player_event"]), /at_server_ts/);
});
