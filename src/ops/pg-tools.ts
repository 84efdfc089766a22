import { spawn } from 'node:child_process';

/** The database DATABASE_URL names, as libpq's command-line tools (pg_dump, pg_restore) take it. */
export interface PgTarget {
  database: string;
  /** `database "xiaoliu" on 127.0.0.1:5432`, for messages: never the password. */
  where: string;
  host: string;
  port: string;
  user: string | undefined;
  /**
   * PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD (and PGSSLMODE): the connection travels in the tools'
   * environment, never on their command line, where any user of the machine could read the password (`ps`).
   */
  env: Record<string, string>;
  /** Blanks the password out of text a tool printed, should one ever echo it. */
  redact(text: string): string;
}

export function pgTarget(databaseUrl: string): PgTarget {
  const url = new URL(databaseUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = url.port || '5432';
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  // postgres.js falls back to the user's name when the URL names no database; libpq does the same.
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user || 'postgres';
  const env: Record<string, string> = { PGHOST: host, PGPORT: port, PGDATABASE: database };
  if (user) env.PGUSER = user;
  if (password) env.PGPASSWORD = password;
  // postgres.js also understands ?ssl=true; libpq only sslmode, and would refuse the URL's other parameters.
  const ssl = url.searchParams.get('sslmode') ?? url.searchParams.get('ssl');
  if (ssl) env.PGSSLMODE = ['true', '1'].includes(ssl) ? 'require' : ssl;
  return {
    database,
    where: `database "${database}" on ${host}:${port}`,
    host,
    port,
    user,
    env,
    redact: (text) => (password ? text.replaceAll(password, '[redacted]') : text),
  };
}

/** Checks that a PostgreSQL client tool is installed, and says what to install if not. */
export async function requirePgTool(name: 'pg_dump' | 'pg_restore'): Promise<string> {
  try {
    return (await run(name, ['--version'], {})).stdout.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(
      `${name} is not installed (or not on PATH): install the PostgreSQL client tools, at least the server's major ` +
        'version (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq)',
    );
  }
}

/**
 * Runs a client tool against the target; fails with what the tool said (password redacted) if it exits non-zero.
 * Aborting the signal stops the tool (SIGTERM), e.g. when the process itself is asked to stop.
 */
export async function runPgTool(
  name: 'pg_dump' | 'pg_restore',
  args: string[],
  target: PgTarget,
  signal?: AbortSignal,
): Promise<string> {
  const { code, stdout, stderr } = await run(name, args, target.env, signal);
  if (code === 0) return stdout;
  let said = target.redact(stderr.trim()) || `exit code ${code}`;
  if (/server version mismatch/.test(said)) {
    said += `\n${name} must be at least the server's major version: install that postgresql-client (e.g. postgresql-client-17 from apt.postgresql.org)`;
  }
  throw new Error(`${name} failed: ${said}`);
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
