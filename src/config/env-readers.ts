import { ConfigError } from '../domain/errors.js';

/*
 * Readers of one environment variable each, for src/config/read-config.ts and every adapter's config reader
 * (adapters/<name>/<name>-config.ts): each validates its value and throws a ConfigError naming the variable.
 */

/** The environment, or the part of it a reader is given. */
export type Env = Record<string, string | undefined>;

/** A comma-separated list; undefined when the variable is unset or empty, so "no list" differs from "nobody". */
export function list(env: Env, name: string, item: RegExp, what: string): string[] | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const items = raw.split(',').map((i) => i.trim()).filter(Boolean);
  const bad = items.find((i) => !item.test(i));
  if (bad !== undefined) throw new ConfigError(name, `${name} must be a comma-separated list of ${what} (got "${bad}")`);
  return items;
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

/** A number above 0 and at most 1. */
export function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(raw) || !(value > 0 && value <= 1)) {
    throw new ConfigError(name, `${name} must be a number above 0 and at most 1 (got "${raw}")`);
  }
  return value;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `${name} must be true or false (got "${raw}")`);
}

export function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  return optionalUrl(env, name, protocols) ?? fallback;
}

export function optionalUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `${name} must be a URL starting with ${protocols.join(' or ')}//`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `${name} must be a URL starting with ${protocols.join(' or ')}// (got ${parsed.protocol}//)`);
  }
  return raw;
}

export function pattern(env: Env, name: string, fallback: string, re: RegExp, what: string): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!re.test(raw)) throw new ConfigError(name, `${name} must be ${what} (got "${raw}")`);
  return raw;
}

export function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}
