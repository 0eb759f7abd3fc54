/**
 * {@code keyway mcp}: a Model Context Protocol server on stdio for agents. {@link
 * dev.keyway.cli.mcp.McpServer} speaks JSON-RPC 2.0 (one message per line); {@link
 * dev.keyway.cli.mcp.McpTools} maps its tools onto the control-plane API with the agent's own
 * token. No tool returns a credential value: every tool calls an API that never returns one.
 */
@NullMarked
package dev.keyway.cli.mcp;

import org.jspecify.annotations.NullMarked;
