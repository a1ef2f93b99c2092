/**
 * Redis's MONITOR on a plain socket: every command the server runs, in the
 * order it runs them, with the client (or "lua") that made it. A test reads
 * what a door asked of Redis for one request. (ioredis's own monitor mode
 * loses track of its replies under load; the protocol is one line a command.)
 */
import { createConnection, type Socket } from 'node:net';

export interface MonitoredCommand {
  /** The command's name (lower-case) and its arguments. */
  args: string[];
  /** "127.0.0.1:port" for a client, "lua" for a command a script made. */
  source: string;
}

export interface RedisMonitor {
  commands: MonitoredCommand[];
  /** Resolves once a command with this argument has been seen. */
  seen(argument: string): Promise<void>;
  stop(): void;
}

const UNESCAPE: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };

/** The quoted arguments of one MONITOR line: "get" "a\"b" -> ['get', 'a"b']. */
function argumentsOf(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
    m[1]!.replace(/\\(x[0-9a-f]{2}|.)/g, (_, e: string) =>
      e.length === 3 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (UNESCAPE[e] ?? e),
    ),
  );
}

export async function monitorRedis(url: string): Promise<RedisMonitor> {
  const { hostname, port } = new URL(url);
  const socket: Socket = createConnection({ host: hostname, port: Number(port || 6379) });
  const commands: MonitoredCommand[] = [];
  const waiting: Array<{ argument: string; resolve: () => void }> = [];
  let buffer = '';
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (line === '+OK') {
        ready();
        continue;
      }
      const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
      if (!match) continue;
      const args = argumentsOf(match[2]!);
      args[0] = args[0]?.toLowerCase() ?? '';
      commands.push({ args, source: match[1]! });
      for (const w of waiting.filter((w) => args.includes(w.argument))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  socket.on('error', () => {});
  socket.write('MONITOR\r\n');
  await started;
  return {
    commands,
    seen(argument) {
      if (commands.some((c) => c.args.includes(argument))) return Promise.resolve();
      return new Promise((resolve) => waiting.push({ argument, resolve }));
    },
    stop() {
      socket.destroy();
    },
  };
}
