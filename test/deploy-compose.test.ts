import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ADAPTERS } from '../adapters/registry.js';
import { readConfig } from '../src/config/read-config.js';
import { createRedis } from '../src/redis/create-redis.js';
import { hasRedisServer } from './support/redis-server.js';
import { waitFor } from './support/wait-for.js';

// No Docker engine runs where the tests run, so docker-compose.yml is checked the way Compose itself would read it:
// YAML with merge keys, then ${VAR:-default} interpolation, then the Compose Specification's JSON schema
// (test/schemas/compose-spec.schema.json), then what the deployment needs of it.

type Service = {
  image?: string;
  user?: string;
  entrypoint?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  command?: string[];
  profiles?: string[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  tmpfs?: string[];
  read_only?: boolean;
  environment?: Record<string, string>;
  env_file?: string;
  stop_grace_period?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
};
type Compose = { name: string; services: Record<string, Service>; volumes: Record<string, unknown> };

const raw = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as Compose;
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, and $$ for a literal $. */
function interpolate<T>(value: T, env: Record<string, string | undefined>): T {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name?: string, op?: string, arg?: string) => {
      if (match === '$$') return '$';
      const set = env[name!];
      const usable = op?.startsWith(':') ? set !== undefined && set !== '' : set !== undefined;
      if (usable) return set!;
      if (op?.endsWith('?')) throw new Error(`${name}: ${arg}`);
      return op ? arg! : '';
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  }
  return value;
}

// What `docker compose up` sees on a server whose .env has the two passwords it cannot start without (and nothing else).
const PASSWORDS = { POSTGRES_PASSWORD: 'pg-test-5f1c9a7e', REDIS_PASSWORD: 'redis-test-2b8d4e6a' };
const compose = interpolate(raw, PASSWORDS);

/** Secrets in .env, and the services that use each (and so are given it); no other service may see it. */
const SECRETS: Record<string, string[]> = {
  POSTGRES_PASSWORD: ['postgres', 'migrate', 'gateway', 'worker', 'backup', 'doctor'],
  REDIS_PASSWORD: ['redis', 'gateway', 'worker', 'doctor'],
  ANTHROPIC_API_KEY: ['worker', 'doctor'],
  SLACK_BOT_TOKEN: ['gateway', 'worker', 'doctor'],
  SLACK_SIGNING_SECRET: ['gateway', 'doctor'],
  SLACK_APP_TOKEN: ['gateway', 'doctor'],
  DISCORD_TOKEN: ['gateway', 'worker', 'doctor'],
  OIDC_CLIENT_SECRET: ['gateway', 'doctor'],
  SLACK_OIDC_CLIENT_SECRET: ['gateway', 'doctor'],
  GRAFANA_ADMIN_PASSWORD: ['grafana'],
};

/** Every variable Xiaoliu's config readers read (as test/config-docs.test.ts finds them). */
function configVariables(): string[] {
  const readers = ['src/config/read-config.ts', ...ADAPTERS.map((a) => `adapters/${a.platform}/${a.platform}-config.ts`)];
  return [
    ...new Set(
      readers.flatMap((file) => {
        const source = readFileSync(file, 'utf8');
        return [...source.matchAll(/\(env, '([A-Z_]+)'/g), ...source.matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]!);
      }),
    ),
  ];
}

function validator() {
  // The vendored schema names draft-07 by its https URL, which Ajv registers under http; the schema itself is draft-07.
  const { $schema: _ignored, ...schema } = JSON.parse(readFileSync('test/schemas/compose-spec.schema.json', 'utf8'));
  // strictTypes off: the upstream schema leaves `type: object` implicit in places, which Ajv would only warn about.
  return new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false }).compile(schema);
}

function seconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) total += Number(amount) * units[unit!]!;
  return total;
}

/** Services in the order `docker compose up` can start them, or an error on a cycle or an unknown dependency. */
function startOrder(services: Record<string, Service>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (!services[name]) throw new Error(`${path.join(' → ')} depends on unknown service "${name}"`);
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`dependency cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const dependency of Object.keys(services[name]!.depends_on ?? {})) visit(dependency, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(services)) visit(name, []);
  return order;
}

const active = (profiles: string[]) =>
  Object.keys(compose.services)
    .filter((name) => (compose.services[name]!.profiles ?? []).every((p) => profiles.includes(p)))
    .sort();

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification schema, before and after interpolation', () => {
    const validate = validator();
    for (const document of [raw, compose]) {
      const ok = validate(document);
      expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('catches a misspelt key (the schema really is strict)', () => {
    const validate = validator();
    const broken = structuredClone(compose) as Compose & { services: Record<string, Record<string, unknown>> };
    broken.services.worker!.stop_grace_periode = '35s';
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.[0]?.params).toEqual({ additionalProperty: 'stop_grace_periode' });
  });

  it('runs the stack by default and Prometheus + Grafana only with the monitoring profile', () => {
    expect(active([])).toEqual(['gateway', 'migrate', 'nginx', 'postgres', 'redis', 'worker']);
    expect(active(['tools'])).toEqual(['doctor', 'gateway', 'migrate', 'nginx', 'postgres', 'redis', 'worker']);
    expect(active(['monitoring'])).toEqual(['gateway', 'grafana', 'migrate', 'nginx', 'postgres', 'prometheus', 'redis', 'worker']);
    expect(active(['backup'])).toEqual(['backup', 'gateway', 'migrate', 'nginx', 'postgres', 'redis', 'worker']);
  });

  it('starts in dependency order: databases, then the one-shot migrate, then gateway and workers, then nginx', () => {
    const order = startOrder(compose.services);
    const before = (a: string, b: string) => expect(order.indexOf(a), `${a} before ${b}`).toBeLessThan(order.indexOf(b));
    before('postgres', 'migrate');
    before('migrate', 'gateway');
    before('migrate', 'worker');
    before('redis', 'gateway');
    before('redis', 'worker');
    before('gateway', 'nginx');
    before('prometheus', 'grafana');
    // Waiting on a dependency's health needs a health check to wait on; the one-shot must have finished.
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        if (dependency === 'migrate') expect(condition, `${name} → migrate`).toBe('service_completed_successfully');
        else {
          expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
          expect(compose.services[dependency]!.healthcheck?.test, `${dependency} has a health check`).toBeDefined();
        }
      }
    }
  });

  it('publishes only nginx on 80 and 443; the gateway is internal; monitoring listens on the loopback only', () => {
    const published = Object.fromEntries(Object.entries(compose.services).map(([name, s]) => [name, s.ports ?? []]));
    expect(published).toEqual({
      postgres: [],
      redis: [],
      migrate: [],
      gateway: [],
      worker: [],
      nginx: ['80:8080', '443:8443'],
      prometheus: ['127.0.0.1:9090:9090'],
      grafana: ['127.0.0.1:3001:3000'],
      backup: [],
      doctor: [],
    });
    expect(compose.services.gateway!.expose).toEqual(['3000', '9464']);
  });

  it('health-checks every long-running service; the one-shot migrate has none', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'migrate' || name === 'doctor') expect(service.healthcheck).toEqual({ disable: true });
      else expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    }
    // The app's check is the image's: GET /health.
    for (const name of ['gateway', 'worker']) expect(compose.services[name]!.healthcheck!.test!.join(' ')).toContain('/health');
  });

  it('keeps data in named volumes and mounts config folders that exist', () => {
    const declared = Object.keys(compose.volumes);
    const mounts = Object.entries(compose.services).flatMap(([name, s]) => (s.volumes ?? []).map((v) => ({ name, source: v.split(':')[0]!, target: v.split(':')[1]! })));
    for (const { name, source } of mounts) {
      // ./certs is the operator's (TLS_CERTS_DIR); every other folder mounted is part of the repository.
      if (source.startsWith('.')) expect(source === './certs' || existsSync(source), `${name} mounts ${source}`).toBe(true);
      else expect(declared, `${name}: volume ${source} is declared`).toContain(source);
    }
    expect(mounts.filter((m) => !m.source.startsWith('.')).map((m) => `${m.name}:${m.target}`).sort()).toEqual([
      'backup:/app/backups',
      'grafana:/var/lib/grafana',
      'postgres:/var/lib/postgresql/data',
      'prometheus:/prometheus',
      'redis:/data',
    ]);
    // Each service finds its config file where its command looks for it.
    const mounted = (service: string, target: string) => mounts.find((m) => m.name === service && m.target === target)!.source;
    const nginxConfig = compose.services.nginx!.command![compose.services.nginx!.command!.indexOf('-c') + 1]!;
    expect(statSync(nginxConfig.replace('/etc/nginx/xiaoliu', mounted('nginx', '/etc/nginx/xiaoliu'))).isFile()).toBe(true);
    const promConfig = compose.services.prometheus!.command!.find((a) => a.startsWith('--config.file='))!.split('=')[1]!;
    expect(statSync(promConfig.replace('/etc/prometheus', mounted('prometheus', '/etc/prometheus'))).isFile()).toBe(true);
    expect(statSync(`${mounted('grafana', '/etc/grafana/provisioning')}/datasources/prometheus.yml`).isFile()).toBe(true);
    expect(statSync(`${mounted('grafana', '/etc/grafana/dashboards')}/xiaoliu.json`).isFile()).toBe(true);
    // The certificate folder is the operator's, named by TLS_CERTS_DIR.
    expect(raw.services.nginx!.volumes).toContain('${TLS_CERTS_DIR:-./certs}:/etc/nginx/certs:ro');
  });

  it('gives workers and the gateway longer than SHUTDOWN_TIMEOUT_MS to drain before Docker kills them', () => {
    const shutdownTimeoutMs = readConfig({}).worker.shutdownTimeoutMs;
    for (const name of ['gateway', 'worker']) {
      const grace = seconds(compose.services[name]!.stop_grace_period!);
      expect(grace * 1000, name).toBeGreaterThanOrEqual(shutdownTimeoutMs + 5000);
    }
  });

  it('runs the app read-only, writable only where the shell role saves attachments (no compile cache, no /tmp)', () => {
    for (const name of ['migrate', 'gateway', 'worker', 'backup']) {
      expect(compose.services[name]!.read_only, name).toBe(true);
      expect(compose.services[name]!.tmpfs, name).toEqual(['/app/xiaoliu-files']);
    }
  });

  it('gives the app a configuration readConfig accepts, from its own environment (no env_file)', () => {
    const dotenv = parseEnv(readFileSync('.env.example', 'utf8'));
    // .env is Compose's, for interpolation: a container gets only what its `environment:` names.
    for (const [name, service] of Object.entries(compose.services)) expect(service.env_file, name).toBeUndefined();
    for (const name of ['migrate', 'gateway', 'worker', 'doctor']) {
      const service = compose.services[name]!;
      // What .env.example leaves blank stays blank: every variable is passed as ${NAME:-}, and empty counts as unset.
      const config = readConfig(interpolate(raw, { ...dotenv, ...PASSWORDS }).services[name]!.environment);
      expect(config.migrateOnStart, name).toBe(false);
      expect(config.databaseUrl, name).toBe(`postgres://xiaoliu:${PASSWORDS.POSTGRES_PASSWORD}@postgres:5432/xiaoliu`);
      if (name === 'migrate') continue;
      expect(config.redisUrl, name).toBe(`redis://xiaoliu:${PASSWORDS.REDIS_PASSWORD}@redis:6379`);
      // nginx's upstream says port 3000; Prometheus' targets say 9464, on the container's interfaces.
      expect(config.http.port).toBe(3000);
      expect(config.metrics).toEqual({ host: '0.0.0.0', port: 9464 });
      expect(service.environment!.MIGRATE_ON_START).toBe('false');
    }
  });

  it('refuses to start without a Postgres and a Redis password, and ships no default password', () => {
    expect(() => interpolate(raw, {})).toThrow(/^POSTGRES_PASSWORD: set POSTGRES_PASSWORD in \.env/);
    expect(() => interpolate(raw, { POSTGRES_PASSWORD: 'x' })).toThrow(/^REDIS_PASSWORD: set REDIS_PASSWORD in \.env/);
    // An empty value (as .env.example has it) is refused like a missing one.
    expect(() => interpolate(raw, { POSTGRES_PASSWORD: '', REDIS_PASSWORD: 'x' })).toThrow(/^POSTGRES_PASSWORD/);
    const text = readFileSync('docker-compose.yml', 'utf8');
    for (const secret of Object.keys(SECRETS)) {
      // ${NAME:-default} or ${NAME-default} with anything but an empty default would be a password everyone knows.
      expect(text, secret).not.toMatch(new RegExp(`\\$\\{${secret}:?-[^}]`));
    }
    expect(text).not.toMatch(/ADMIN_PASSWORD: admin|PASSWORD:-[^}]/);
  });

  it('gives each service the secrets it uses and no other', () => {
    const holders = Object.fromEntries(Object.keys(SECRETS).map((secret) => [secret, [] as string[]]));
    for (const [name, service] of Object.entries(raw.services)) {
      const text = JSON.stringify(service);
      for (const secret of Object.keys(SECRETS)) if (text.includes(`\${${secret}`)) holders[secret]!.push(name);
    }
    for (const secret of Object.keys(SECRETS)) expect(holders[secret]!.sort(), secret).toEqual([...SECRETS[secret]!].sort());
    // Spelt out, the roles the issue names: the gateway never holds the model's key, workers never Slack's signing
    // secret or app token, migrate and backup only the database.
    const secretsOf = (name: string) => Object.keys(SECRETS).filter((secret) => holders[secret]!.includes(name));
    expect(secretsOf('gateway')).not.toContain('ANTHROPIC_API_KEY');
    expect(secretsOf('worker')).not.toContain('SLACK_SIGNING_SECRET');
    expect(secretsOf('migrate')).toEqual(['POSTGRES_PASSWORD']);
    expect(secretsOf('backup')).toEqual(['POSTGRES_PASSWORD']);
    expect(secretsOf('nginx')).toEqual([]);
    expect(secretsOf('prometheus')).toEqual([]);
    expect(secretsOf('grafana')).toEqual(['GRAFANA_ADMIN_PASSWORD']);
  });

  it('passes every setting Xiaoliu reads to the gateway and the workers, so none is lost without env_file', () => {
    // The sentinels' password has no place here: this file runs one Redis, with no sentinels.
    const secretVariables = ['ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'DISCORD_TOKEN', 'REDIS_SENTINEL_PASSWORD', 'OIDC_CLIENT_SECRET', 'SLACK_OIDC_CLIENT_SECRET'];
    // Set by the compose file itself (connections and listeners), or the backup's own.
    const fixed = ['DATABASE_URL', 'REDIS_URL', 'HOST', 'PORT', 'METRICS_HOST', 'METRICS_PORT', 'MIGRATE_ON_START', 'BACKUP_DIR', 'BACKUP_KEEP'];
    const settings = configVariables().filter((name) => !secretVariables.includes(name) && !fixed.includes(name));
    expect(settings.length).toBeGreaterThan(40);
    for (const role of ['gateway', 'worker', 'doctor']) {
      const environment = raw.services[role]!.environment!;
      for (const name of settings) expect(environment[name], `${role}: ${name}`).toBe(`\${${name}:-}`);
    }
  });

  it('drops every capability, forbids privilege gain and root everywhere; read-only but Grafana', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.cap_drop, name).toEqual(['ALL']);
      expect(service.security_opt, name).toEqual(['no-new-privileges:true']);
      expect(service.user, name).toBeDefined();
      expect(service.user, name).not.toMatch(/^(root|0)(:|$)/);
      if (name !== 'grafana') expect(service.read_only, name).toBe(true);
    }
    expect(readFileSync('docker/Dockerfile', 'utf8')).toMatch(/^USER node$/m);
    // No capability means no binding below 1024: nginx listens on 8080/8443 (deploy-nginx.test.ts runs its file).
    for (const port of compose.services.nginx!.ports!) expect(Number(port.split(':').at(-1))).toBeGreaterThan(1024);
  });

  it('Grafana refuses to start with an empty or default admin password, naming GRAFANA_ADMIN_PASSWORD', () => {
    const grafana = compose.services.grafana!;
    expect(grafana.entrypoint!.slice(0, 2)).toEqual(['sh', '-c']);
    const script = grafana.entrypoint![2]!;
    // Only the image's own start is replaced, so the check itself runs as written.
    expect(script).toContain('exec /run.sh');
    const run = (password: string | undefined) =>
      spawnSync('sh', ['-c', script.replace('exec /run.sh', 'echo started')], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, GF_SECURITY_ADMIN_PASSWORD: interpolate(raw.services.grafana!.environment!.GF_SECURITY_ADMIN_PASSWORD!, password === undefined ? {} : { GRAFANA_ADMIN_PASSWORD: password }) },
      });
    for (const password of [undefined, '', 'admin']) {
      const refused = run(password);
      expect(refused.status, String(password)).toBe(1);
      expect(refused.stderr).toMatch(/set GRAFANA_ADMIN_PASSWORD in \.env/);
      expect(refused.stdout).toBe('');
    }
    expect(run('3a9f0c7e5b1d').stdout).toBe('started\n');
  });

  it.skipIf(!hasRedisServer)('runs Redis so that only the xiaoliu user with REDIS_PASSWORD gets in: the app and the health check', async () => {
    // The compose command, as Redis gets it, on a free port and a scratch folder; then the app's REDIS_URL and the
    // health check against it, as compose gives them.
    const redisService = compose.services.redis!;
    const [program, ...args] = redisService.command!;
    expect(program).toBe('redis-server');
    const dir = mkdtempSync(join(tmpdir(), 'xiaoliu-compose-redis-'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const server = spawn('redis-server', [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], { stdio: 'ignore' });
    const appUrl = compose.services.worker!.environment!.REDIS_URL!.replace('@redis:6379', `@127.0.0.1:${port}`);
    const app = createRedis(appUrl);
    const stranger = createRedis(`redis://127.0.0.1:${port}`);
    try {
      expect(await waitFor('Redis to answer the app', () => app.ping().catch(() => undefined), 10_000)).toBe('PONG');
      expect(await app.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      // Anyone else on the network (no user, the default user) is refused.
      await expect(stranger.ping()).rejects.toThrow(/NOAUTH/);
      const healthcheck = redisService.healthcheck!.test!;
      expect(healthcheck[0]).toBe('CMD-SHELL');
      const check = (password: string) =>
        spawnSync('sh', ['-c', healthcheck[1]!.replace('redis-cli', `redis-cli -p ${port}`)], { env: { PATH: process.env.PATH, REDIS_PASSWORD: password } }).status;
      expect(check(redisService.environment!.REDIS_PASSWORD!)).toBe(0);
      expect(check('not-the-password')).not.toBe(0);
    } finally {
      app.disconnect();
      stranger.disconnect();
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('backs up with the npm script, into the volume it mounts, with a pg_dump as new as the Compose Postgres', () => {
    const backup = compose.services.backup! as Service & { entrypoint?: string[] };
    const worker = compose.services.worker!;
    // The image's node runs the same compiled script as `npm run backup`, with the schedule's flag.
    expect([...backup.entrypoint!, ...backup.command!].join(' ')).toBe(`${scripts.backup} --every 24h`);
    expect(existsSync(backup.command![0]!)).toBe(true);
    // The same database as the app, and the backup folder is the mounted volume (the app's filesystem is read-only).
    expect(backup.environment!.DATABASE_URL).toBe(worker.environment!.DATABASE_URL);
    const config = readConfig(backup.environment);
    expect(backup.read_only).toBe(true);
    expect(backup.volumes).toEqual([`backups:${config.backup.dir}`]);
    expect(backup.healthcheck!.test!.join(' ')).toContain('BACKUP_DIR');
    expect(backup.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    // pg_dump refuses a server newer than itself: the image's client major version is the Compose Postgres's.
    const dockerfile = readFileSync('docker/Dockerfile', 'utf8');
    const clientMajor = /^ARG PG_CLIENT_MAJOR=(\d+)$/m.exec(dockerfile)?.[1];
    expect(dockerfile).toContain('postgresql-client-${PG_CLIENT_MAJOR}');
    expect(clientMajor).toBe(compose.services.postgres!.image!.split(':')[1]!.split('.')[0]);
  });

  it('pins the monitoring and edge images to a version', () => {
    for (const name of ['nginx', 'prometheus', 'grafana', 'postgres', 'redis']) {
      expect(compose.services[name]!.image, name).toMatch(/:[\w.-]*\d[\w.-]*$/);
    }
    // `server … resolve` in docker/nginx/nginx.conf needs nginx 1.27.3 or later.
    const [major, minor] = compose.services.nginx!.image!.split(':')[1]!.split('.').map(Number);
    expect(major! * 1000 + minor!).toBeGreaterThanOrEqual(1028);
  });
});
