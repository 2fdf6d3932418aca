/**
 * The protocol as one JSON Schema document (draft 2020-12), generated from the zod schemas
 * that the server itself validates with: every client message as the server accepts it, and
 * every server message as the server sends it. `deno task schema` writes it to
 * docs/protocol.schema.json; a test fails when the committed file is stale.
 */
import { z } from "zod";
import { PAYLOAD_SCHEMAS } from "./client_messages.ts";
import { SERVER_MESSAGE_SCHEMAS } from "./server_schemas.ts";

type JsonObject = Record<string, unknown>;

/** A client message: the envelope every client frame has, with the payload of its type. */
function clientMessageSchema(type: keyof typeof PAYLOAD_SCHEMAS): z.ZodType {
  return z.looseObject({
    type: z.literal(type),
    room: z.string().max(128).nullish().meta({
      description: "The room the message concerns; empty or absent means none.",
    }),
    client: z.unknown().optional().meta({
      description: "Ignored: the connection's id is authoritative.",
    }),
    payload: PAYLOAD_SCHEMAS[type].optional(),
    ts: z.number().meta({ description: "The client's clock (epoch ms) when it sent this." }),
  });
}

function toJson(schema: z.core.$ZodType, io: "input" | "output"): JsonObject {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonObject;
  delete json["$schema"];
  return json;
}

/**
 * Server messages as published: open to fields a later version adds (clients must ignore
 * what they do not know). zod writes its output objects closed; the tests keep that
 * strictness for themselves (tests/helpers/test_client.ts).
 */
function opened(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(opened);
  if (json === null || typeof json !== "object") return json;
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(json)) {
    if (key === "additionalProperties" && value === false) continue;
    copy[key] = opened(value);
  }
  return copy;
}

export function protocolJsonSchema(): JsonObject {
  const defs: JsonObject = {};
  const clientRefs: JsonObject[] = [];
  for (const type of Object.keys(PAYLOAD_SCHEMAS) as (keyof typeof PAYLOAD_SCHEMAS)[]) {
    // Input: what a client may send (defaults and repairs are the server's business).
    defs[`client.${type}`] = toJson(clientMessageSchema(type), "input");
    clientRefs.push({ $ref: `#/$defs/client.${type}` });
  }
  const serverRefs: JsonObject[] = [];
  for (const [type, schema] of Object.entries(SERVER_MESSAGE_SCHEMAS)) {
    defs[`server.${type}`] = opened(toJson(schema, "output"));
    serverRefs.push({ $ref: `#/$defs/server.${type}` });
  }
  defs["ClientMessage"] = {
    description: "A frame a client sends: one JSON object per WebSocket text frame.",
    oneOf: clientRefs,
  };
  defs["ServerMessage"] = {
    description: "A frame the server sends. Clients must ignore fields they do not know.",
    oneOf: serverRefs,
  };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "OpenWatchParty session protocol",
    description: "Messages of the OpenWatchParty session protocol (JSON over WebSocket on " +
      "/ws) as this server accepts and sends them. The rules are in docs/protocol.md.",
    oneOf: [{ $ref: "#/$defs/ClientMessage" }, { $ref: "#/$defs/ServerMessage" }],
    $defs: defs,
  };
}

/** The document as committed: two-space JSON and a final newline. */
export function protocolJsonSchemaText(): string {
  return JSON.stringify(protocolJsonSchema(), null, 2) + "\n";
}
