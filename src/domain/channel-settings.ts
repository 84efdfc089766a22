import type { Config } from '../config/read-config.js';

/** How Xiaoliu behaves in one channel. Admins change it with `config`; every change is kept as a version. */
export interface ChannelSettings {
  /** The persona: the system prompt every answer in the channel starts from. */
  systemPrompt: string;
  model: string;
  /** `threads`: follow-ups in threads Xiaoliu is part of are answered; `mentions`: only when mentioned. */
  replyMode: 'threads' | 'mentions';
  /** Skills that may run here, by command name; chat, help and the like are always on. */
  skills: string[];
  /** Most the channel may spend per UTC day, in US dollars; null means only the team-wide limits apply. */
  dailyBudgetUsd: number | null;
  /** IANA time zone schedules made here are read in when they name none; null: UTC. */
  timeZone: string | null;
  /** Who may make schedules here: anyone, or only admins (`config schedules admins`). */
  scheduling: 'everyone' | 'admins';
  /** Whether this channel's messages are indexed and Claude may search them (`config knowledge on`); off by default. */
  knowledge: boolean;
  /** Claude may search the web (Anthropic's web search server tool, `config web search on`); off by default. */
  webSearch: boolean;
  /** Claude may read web pages whose address it was given or found (the web fetch server tool); off by default. */
  webFetch: boolean;
  /** Only these domains (subdomains included) may be searched and read; empty: any. Never set with blocked ones. */
  webAllowedDomains: string[];
  /** These domains are never searched or read; empty: none. Never set with allowed ones (the API takes one list). */
  webBlockedDomains: string[];
  /**
   * Extended thinking in chat (`config thinking`): `default` is what chat always did (adaptive, medium effort); `on`
   * thinks more (adaptive, high effort); `off` the least the model allows; a number is a thinking budget in tokens.
   */
  thinking: ThinkingSetting;
  /**
   * MCP servers on in this channel (`mcp enable`), by name: the tools of each that Claude may call, `*` for all. A
   * server not named here is off. Servers are the workspace's (src/store/mcp-servers.ts); this only picks among them.
   */
  mcpTools: Record<string, string[]>;
}

/** How much a channel's answers think: see ChannelSettings.thinking. */
export type ThinkingSetting = 'default' | 'on' | 'off' | number;

/** The settings in force in a channel, with the version they come from (0: the defaults, never changed). */
export type SettingsInForce = ChannelSettings & { version: number };

/** Every skill Xiaoliu has; a channel enables all of them unless an admin says otherwise. */
export const SKILL_NAMES = ['doc', 'analyze', 'palette', 'parallel'] as const;

/** What a channel gets before any admin changes it: the deployment's own configuration. */
export function defaultSettings(config: Config): ChannelSettings {
  return {
    systemPrompt: config.systemPrompt,
    model: config.anthropic.model,
    replyMode: 'threads',
    skills: [...SKILL_NAMES],
    dailyBudgetUsd: null,
    timeZone: null,
    scheduling: 'everyone',
    knowledge: false,
    webSearch: false,
    webFetch: false,
    webAllowedDomains: [],
    webBlockedDomains: [],
    thinking: 'default',
    mcpTools: {},
  };
}
