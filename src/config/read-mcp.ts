import { ConfigError } from '../domain/errors.js';
import { bool, int, list, type Env } from './env-readers.js';

/** MCP servers (src/mcp/) and the tool loop (src/tools/): what the operator allows and how far a turn may go. */
export interface McpConfig {
  /**
   * MCP_SECRET_KEY: 32 bytes (64 hex digits or base64) that encrypt server credentials at rest (AES-256-GCM).
   * Unset: servers without credentials only; `mcp add` with a header is refused, naming this variable.
   */
  secretKey: Buffer | undefined;
  /** MCP_ALLOW_STDIO: whether admins may register a local command as a server (off: only Streamable HTTP). */
  allowStdio: boolean;
  /**
   * MCP_ALLOW_PRIVATE_NETWORKS: `true` allows servers on private, loopback and link-local addresses; a list allows
   * only those hosts (names or addresses). Unset: every address a server's name resolves to must be public.
   */
  allowPrivate: boolean | string[];
  /** MCP_APPROVAL_TIMEOUT_MS: how long a side-effecting call waits for its asker's Approve before it lapses. */
  approvalTimeoutMs: number;
  /** MCP_TOOL_TIMEOUT_MS: the longest one tool call (connect, call, answer) may take. */
  toolTimeoutMs: number;
  /** MCP_MAX_RESULT_CHARS: the most of one tool result the model reads; the rest is cut, with a note. */
  maxResultChars: number;
  /** MCP_MAX_TOOL_STEPS: model calls one answer may make in its tool loop before it must answer with what it has. */
  maxSteps: number;
}

export function readMcpConfig(env: Env): McpConfig {
  const rawPrivate = env.MCP_ALLOW_PRIVATE_NETWORKS?.trim();
  const allowPrivate = !rawPrivate
    ? false
    : /^(1|true|yes|on)$/i.test(rawPrivate)
      ? true
      : /^(0|false|no|off)$/i.test(rawPrivate)
        ? false
        : list(env, 'MCP_ALLOW_PRIVATE_NETWORKS', /^[A-Za-z0-9.:[\]-]{1,255}$/, 'host names or IP addresses, or true')!.map((h) => h.toLowerCase());
  return {
    secretKey: secretKey(env),
    allowStdio: bool(env, 'MCP_ALLOW_STDIO', false),
    allowPrivate,
    approvalTimeoutMs: int(env, 'MCP_APPROVAL_TIMEOUT_MS', 600_000, 1000, 7 * 86_400_000),
    toolTimeoutMs: int(env, 'MCP_TOOL_TIMEOUT_MS', 30_000, 100, 600_000),
    maxResultChars: int(env, 'MCP_MAX_RESULT_CHARS', 20_000, 100, 1_000_000),
    maxSteps: int(env, 'MCP_MAX_TOOL_STEPS', 8, 1, 50),
  };
}

/** 32 bytes, given as 64 hex digits or as base64; anything else is refused by name (never echoing the value). */
function secretKey(env: Env): Buffer | undefined {
  const raw = env.MCP_SECRET_KEY?.trim();
  if (!raw) return undefined;
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('MCP_SECRET_KEY', 'MCP_SECRET_KEY must be 32 random bytes, as 64 hex digits or base64 (try `openssl rand -hex 32`)');
  }
  return key;
}
