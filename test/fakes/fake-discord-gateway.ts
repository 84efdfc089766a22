// The fake Discord gateway: plain-JSON WebSocket with HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATEs, RESUME
// with replay of missed dispatches, and the close codes discord.js reacts to.
import type { Server } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { Intent, PRIVILEGED_INTENTS, randomHex } from './fake-discord-model.js';

export interface IdentifyRecord {
  token: string;
  intents: number;
  properties: Record<string, unknown>;
  shard?: [number, number];
  compress?: boolean;
  presence?: unknown;
  sessionId: string;
  at: number;
}

export interface ResumeRecord {
  sessionId: string;
  seq: number;
  ok: boolean;
  /** Dispatches replayed before RESUMED. */
  replayed: number;
  at: number;
}

export interface GatewayConnection {
  path: string;
  query: Record<string, string>;
  at: number;
}

export interface GatewayDeps {
  token: string;
  heartbeatIntervalMs: number;
  /** Privileged intent bits this application has been granted in the developer portal. */
  allowedPrivilegedIntents: number;
  /** Base ws:// URL of this server. */
  baseUrl: string;
  ready(sessionId: string, resumeUrl: string): Record<string, unknown>;
  guildIds(): string[];
  guildCreate(guildId: string): Record<string, unknown>;
}

interface Session {
  id: string;
  token: string;
  intents: number;
  seq: number;
  /** Recent dispatches, kept so a RESUME can replay what the client missed. */
  log: { s: number; frame: string }[];
  socket: WebSocket | null;
  resumable: boolean;
}

const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Resume: 6,
  Reconnect: 7,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;
const REPLAY_LOG_SIZE = 1000;

export class FakeGateway {
  readonly identifies: IdentifyRecord[] = [];
  readonly resumeAttempts: ResumeRecord[] = [];
  readonly connections: GatewayConnection[] = [];
  /** Every payload a client sent other than heartbeats (presence updates, member requests…). */
  readonly received: { op: number; d: unknown; at: number }[] = [];
  heartbeats = 0;
  private readonly sessions = new Map<string, Session>();
  private readonly wss: WebSocketServer;

  constructor(server: Server, private readonly deps: GatewayDeps) {
    // Upgrades on any path of the REST server are the gateway; the resume URL differs only by path.
    this.wss = new WebSocketServer({ server });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req.url ?? '/'));
  }

  get resumes(): number {
    return this.resumeAttempts.filter((r) => r.ok).length;
  }

  /**
   * Sends a dispatch to every live session. `payloadFor` shapes it for a session's intents (e.g. blanking content
   * without MESSAGE_CONTENT) and returns undefined when those intents do not receive the event at all.
   * Sessions whose socket is down buffer it for their RESUME.
   */
  dispatch(t: string, payloadFor: (intents: number) => unknown): void {
    for (const session of this.sessions.values()) {
      if (!session.resumable) continue;
      const d = payloadFor(session.intents);
      if (d !== undefined) this.sendDispatch(session, t, d);
    }
  }

  /** Cuts every connected client off. No code: a network-style drop (client sees 1006); with a code: a clean close. */
  dropConnection(options: { code?: number; invalidateSession?: boolean } = {}): void {
    for (const session of this.sessions.values()) {
      const ws = session.socket;
      if (!ws) continue;
      // Detach first: anything dispatched from now on waits in the log for the RESUME.
      session.socket = null;
      if (options.invalidateSession) session.resumable = false;
      if (options.code === undefined) ws.terminate();
      else ws.close(options.code, 'fake-discord: connection dropped');
    }
  }

  /** Op 7: Discord asks clients to reconnect and resume (e.g. before a gateway restart). */
  requestReconnect(): void {
    for (const s of this.sessions.values()) if (s.socket) send(s.socket, { op: Op.Reconnect, d: null, s: null, t: null });
  }

  /** Op 9 to every connected client; `resumable: false` also forgets their sessions, so they must IDENTIFY again. */
  invalidateSessions(resumable = false): void {
    for (const s of this.sessions.values()) {
      if (!s.socket) continue;
      if (!resumable) s.resumable = false;
      send(s.socket, { op: Op.InvalidSession, d: resumable, s: null, t: null });
    }
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, rawUrl: string): void {
    const url = new URL(rawUrl, 'ws://fake');
    const query = Object.fromEntries(url.searchParams);
    this.connections.push({ path: url.pathname, query, at: Date.now() });
    // discord.js asks for ?v=10&encoding=json, and &compress=zlib-stream only when zlib-sync is installed.
    if (query.v !== '10') return ws.close(4012, 'Invalid API version');
    if (query.encoding !== undefined && query.encoding !== 'json') return ws.close(4002, 'fake-discord speaks JSON only');
    if (query.compress !== undefined) return ws.close(4000, 'fake-discord does not implement zlib-stream');

    let session: Session | null = null;
    send(ws, { op: Op.Hello, d: { heartbeat_interval: this.deps.heartbeatIntervalMs }, s: null, t: null });

    ws.on('message', (raw: RawData, isBinary: boolean) => {
      let payload: { op?: unknown; d?: any };
      try {
        payload = JSON.parse(isBinary ? '' : raw.toString());
      } catch {
        return ws.close(4002, 'Error while decoding payload.');
      }
      const { op, d } = payload;
      if (op === Op.Heartbeat) {
        this.heartbeats++;
        return send(ws, { op: Op.HeartbeatAck, d: null, s: null, t: null });
      }
      this.received.push({ op: Number(op), d, at: Date.now() });
      if (op === Op.Identify || op === Op.Resume) {
        if (session) return ws.close(4005, 'Already authenticated.');
        session = op === Op.Identify ? this.identify(ws, d) : this.resume(ws, d);
        return;
      }
      if (!session) return ws.close(4003, 'Not authenticated.');
      // Presence (3), voice state (4), member requests (8) and the like are accepted and only recorded.
      if (typeof op !== 'number' || op < 0 || op > 40) ws.close(4001, 'Unknown opcode.');
    });

    ws.on('close', (code: number) => {
      if (session?.socket === ws) session.socket = null;
      // Discord forgets a session its client closed with 1000/1001; discord.js uses 4200 when it means to resume.
      if (session && (code === 1000 || code === 1001)) session.resumable = false;
    });
  }

  private identify(ws: WebSocket, d: any): Session | null {
    if (!d || d.token !== this.deps.token) {
      ws.close(4004, 'Authentication failed.');
      return null;
    }
    const intents = Number(d.intents ?? 0);
    if ((intents & PRIVILEGED_INTENTS & ~this.deps.allowedPrivilegedIntents) !== 0) {
      ws.close(4014, 'Disallowed intent(s).');
      return null;
    }
    const session: Session = { id: randomHex(16), token: d.token, intents, seq: 0, log: [], socket: ws, resumable: true };
    this.sessions.set(session.id, session);
    this.identifies.push({
      token: d.token,
      intents,
      properties: d.properties ?? {},
      shard: d.shard,
      compress: d.compress,
      presence: d.presence,
      sessionId: session.id,
      at: Date.now(),
    });
    this.sendDispatch(session, 'READY', this.deps.ready(session.id, `${this.deps.baseUrl}/resume`));
    // discord.js holds `clientReady` until every guild listed in READY has arrived (or waitGuildTimeout, 15 s).
    // GUILD_CREATE is a GUILDS-intent event: without it Discord sends none and discord.js stops waiting at once.
    if (intents & Intent.Guilds) {
      for (const id of this.deps.guildIds()) this.sendDispatch(session, 'GUILD_CREATE', this.deps.guildCreate(id));
    }
    return session;
  }

  private resume(ws: WebSocket, d: any): Session | null {
    const session = this.sessions.get(String(d?.session_id));
    const seq = Number(d?.seq ?? 0);
    const oldest = session?.log[0]?.s ?? (session ? session.seq + 1 : 0);
    const at = Date.now();
    if (!session || !session.resumable || session.token !== d?.token || seq < oldest - 1 || seq > session.seq) {
      this.resumeAttempts.push({ sessionId: String(d?.session_id), seq, ok: false, replayed: 0, at });
      // d: false = "start over with IDENTIFY"; discord.js then reconnects 500 ms later and identifies afresh.
      send(ws, { op: Op.InvalidSession, d: false, s: null, t: null });
      return null;
    }
    // A session lives on one connection: a stale one still attached is cut off.
    if (session.socket && session.socket !== ws) session.socket.terminate();
    session.socket = ws;
    const missed = session.log.filter((e) => e.s > seq);
    for (const e of missed) ws.send(e.frame);
    this.resumeAttempts.push({ sessionId: session.id, seq, ok: true, replayed: missed.length, at });
    this.sendDispatch(session, 'RESUMED', null);
    return session;
  }

  private sendDispatch(session: Session, t: string, d: unknown): void {
    const s = ++session.seq;
    const frame = JSON.stringify({ op: Op.Dispatch, t, s, d });
    session.log.push({ s, frame });
    if (session.log.length > REPLAY_LOG_SIZE) session.log.shift();
    if (session.socket?.readyState === 1) session.socket.send(frame);
  }
}

function send(ws: WebSocket, payload: unknown): void {
  if (ws.readyState === 1) ws.send(JSON.stringify(payload));
}
