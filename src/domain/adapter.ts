import type { Redis } from 'ioredis';
import type { Env } from '../config/env-readers.js';
import type { Config } from '../config/read-config.js';
import type { HttpServer } from '../net/create-http-server.js';
import type { Ingress } from '../ingress/ingress.js';
import type { AnswerActions } from '../interactions/answer-actions.js';
import type { Logger } from '../log/create-logger.js';
import type { Sql } from '../store/database.js';
import type { Egress } from './egress.js';

/** What an adapter's egress is made with: the worker's shared connections. */
export interface EgressDeps {
  /** Shared: rate budgets, pub/sub publishes, Discord's interaction tokens. */
  redis: Redis;
  sql: Sql;
  /** The deployment's Redis key prefix (QUEUE_PREFIX). */
  prefix: string;
  log: Logger;
}

/** What an adapter's ingress is made with. */
export interface IngressDeps extends EgressDeps {
  /** The core's side of every ingress: which messages to take, queueing, the ack metric, the log line, the apology. */
  ingress: Ingress;
  /** Stop, Regenerate and feedback on answers: what a button pressed on an answer does, the same on every platform. */
  answers: AnswerActions;
  /** The gateway's HTTP server, for the adapter's routes (Slack's events, the HTTP API). */
  http: HttpServer;
  /** A Redis connection of the adapter's own (a subscriber cannot share one); the adapter closes it when it stops. */
  connectRedis(name: string): Redis;
  /** The command line after the role's name (`npm run shell -- --session x`). */
  args: readonly string[];
  /** The whole configuration, for what an ingress shares with the core: roles (XIAOLIU_ADMINS), limits, defaults. */
  config: Config;
}

/** A started ingress. */
export interface RunningIngress {
  stop(): Promise<void>;
  /** Resolves when the ingress ended by itself (the terminal, at the end of its input); the process then exits. */
  ended?: Promise<void>;
}

/**
 * One platform, as the composition root sees it: adapters/<name>/index.ts exports one of these and
 * adapters/registry.ts lists it. Everything platform-specific stays behind it — settings, secrets, connections — and
 * what every platform shares (allow-lists, redaction, the follow-up rule, queueing) applies to it without an edit
 * elsewhere. Its egress and ingress are loaded when they are made, so reading the settings (every command line tool
 * does) does not load every platform's SDK.
 */
export interface AdapterModule<P extends string = string, C = unknown> {
  /** The name in delivery ids, database rows, ALLOWED_CHANNELS and XIAOLIU_ADMINS entries ("slack:C0123"). */
  readonly platform: P;
  /** Reads and checks its settings (a ConfigError names the variable); undefined when the platform is off. */
  readConfig(env: Env): C | undefined;
  /** Its workspace allow-list (ALLOWED_SLACK_WORKSPACES…), checked even while the platform is off; none: all. */
  readAllowedWorkspaces?(env: Env): string[] | undefined;
  /**
   * For a platform whose DMs belong to no workspace (Discord), so that no workspace or channel list can name them:
   * its setting of whether DMs are answered (ALLOWED_DISCORD_DMS); undefined when unset. Platforms without it have
   * DMs inside a workspace (Slack), and the lists apply to them as to channels.
   */
  readAllowedDms?(env: Env): boolean | undefined;
  /** Fields of its settings (and of log lines about it) that hold secrets: blanked wherever they are logged. */
  readonly secretFields: readonly string[];
  /**
   * Reaching Xiaoliu here already takes the operator's leave (a terminal on the host, an API key), so the allow-lists
   * do not apply. Without it, ALLOWED_CHANNELS and the workspace list apply.
   */
  readonly ownAccessControl?: boolean;
  /** The worker's side: how answers reach the platform. */
  createEgress?(config: C, deps: EgressDeps): Promise<Egress>;
  /** The side that takes messages in; started by the role named in `ingressRole`. */
  startIngress?(config: C, deps: IngressDeps): Promise<RunningIngress>;
  /** Which process role starts the ingress: the gateway (default), or the terminal (`npm run shell`). */
  readonly ingressRole?: 'gateway' | 'terminal';
}

/** The settings type of an adapter module. */
export type ConfigOf<A> = A extends AdapterModule<string, infer C> ? C : never;
