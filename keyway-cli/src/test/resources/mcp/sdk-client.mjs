// Drives `keyway mcp` with the official MCP TypeScript SDK client over stdio (McpSdkEndToEndTest).
// argv[2]: a JSON array, the command line of `keyway mcp`. Env: KEYWAY_TOKEN etc. for the child.
// Prints one JSON object with every answer; exits non-zero on any protocol failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, ...args] = JSON.parse(process.argv[2]);
const transport = new StdioClientTransport({ command, args, env: process.env, stderr: "inherit" });
const client = new Client({ name: "keyway-e2e", version: "1.0.0" });
await client.connect(transport);
const out = {
  server: client.getServerVersion(),
  protocol: transport.protocolVersion ?? null,
  instructions: client.getInstructions(),
  tools: (await client.listTools()).tools,
  ping: await client.ping(),
  discover: await client.callTool({ name: "discover", arguments: {} }),
  explain: await client.callTool({ name: "explain", arguments: { url: process.env.EXPLAIN_URL, method: "GET" } }),
  explainDenied: await client.callTool({ name: "explain", arguments: { url: process.env.EXPLAIN_URL, method: "DELETE" } }),
  propose: await client.callTool({ name: "propose", arguments: {
    message: "need the weather", credentials: [{ name: "WEATHER_KEY", description: "weather API key" }] } }),
};
out.status = await client.callTool({ name: "proposal_status", arguments: { id: out.propose.structuredContent.id } });
try {
  await client.callTool({ name: "explain", arguments: {} });
  out.badParams = null;
} catch (e) {
  out.badParams = { code: e.code, message: e.message };
}
await client.close();
console.log(JSON.stringify(out));
