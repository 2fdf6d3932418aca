/**
 * `deno task schema`: writes docs/protocol.schema.json from the zod schemas. Run it after
 * changing a message; the test suite fails while the committed file is stale.
 */
import { protocolJsonSchemaText } from "../protocol/json_schema.ts";

export const SCHEMA_PATH = new URL("../docs/protocol.schema.json", import.meta.url);

if (import.meta.main) {
  await Deno.writeTextFile(SCHEMA_PATH, protocolJsonSchemaText());
  console.log(`wrote ${SCHEMA_PATH.pathname}`);
}
