/**
 * A private Postfix (Debian's package) for one test: its own config,
 * queue and data directories in a temporary folder, smtpd on a free loopback
 * port, and its master process a child of the test (`master -d`), so the
 * system's mail service is never started, stopped or read. Where each
 * address goes is the test's transport table (transport(5)), e.g. the bounce
 * domain to the `bounces` listener and `*` to an in-process SMTP server. When
 * that server refuses a recipient after Postfix has accepted the letter,
 * Postfix writes its own DSN to the envelope sender, as a real relay does.
 */

import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/demo/private-redis.js';
import { waitForGreeting } from './wait-for-greeting.js';

const run = promisify(execFile);

/** Postfix is installed, and we are root (its master must be, to run the daemons as `postfix`). */
export function hasPostfix(): boolean {
  return process.getuid?.() === 0 && spawnSync('postconf', ['-d', 'mail_version'], { stdio: 'ignore' }).status === 0;
}

/** One transport table line: a recipient address, domain or `*`, and where it goes (transport(5)). */
export type TransportRoute = [pattern: string, nexthop: string];

// The services Postfix needs for SMTP in and out and its own bounces; no chroot, no local delivery.
const MASTER_CF = `
{{smtpd}} inet n - n - - smtpd
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
`;

export class PrivatePostfix {
  private child: ChildProcess | undefined;
  dir = '';
  port = 0;

  private get conf(): string {
    return join(this.dir, 'conf');
  }

  /** The SMTP port, chosen now so that a config can name it before Postfix starts. */
  async reservePort(): Promise<number> {
    this.port ||= await freePort();
    return this.port;
  }

  /** Writes the configuration, starts the master in the foreground, and waits for smtpd's greeting. Returns the SMTP port. */
  async start(routes: readonly TransportRoute[]): Promise<number> {
    this.dir = await mkdtemp(join(tmpdir(), 'arm-postfix-'));
    // The daemons run as `postfix` and must reach the queue inside it.
    await chmod(this.dir, 0o755);
    await this.reservePort();
    const data = join(this.dir, 'data');
    await mkdir(this.conf);
    await mkdir(join(this.dir, 'queue'));
    await mkdir(data);
    const postfixUser = (await run('id', ['-u', 'postfix'])).stdout.trim();
    await chown(data, Number(postfixUser), 0);
    await writeFile(
      join(this.conf, 'main.cf'),
      [
        'compatibility_level = 3.6',
        `queue_directory = ${join(this.dir, 'queue')}`,
        `data_directory = ${data}`,
        `maillog_file_prefixes = ${this.dir}`,
        `maillog_file = ${this.maillog}`,
        'mail_owner = postfix',
        'setgid_group = postdrop',
        'myhostname = mta.postfix-test.example',
        'mydomain = postfix-test.example',
        'mydestination =',
        'inet_interfaces = 127.0.0.1',
        'inet_protocols = ipv4',
        'mynetworks = 127.0.0.0/8',
        'smtpd_relay_restrictions = permit_mynetworks, reject',
        'smtp_dns_support_level = disabled',
        `transport_maps = texthash:${join(this.conf, 'transport')}`,
        // Tests send hundreds of letters at once: no throttling of the sender, no waiting between queue runs.
        'in_flow_delay = 0',
        'default_destination_concurrency_limit = 10',
        '',
      ].join('\n'),
    );
    await writeFile(join(this.conf, 'master.cf'), MASTER_CF.replace('{{smtpd}}', `127.0.0.1:${this.port}`));
    await writeFile(join(this.conf, 'transport'), `${routes.map(([pattern, nexthop]) => `${pattern} ${nexthop}`).join('\n')}\n`);
    // `postfix check` creates the queue's subdirectories with their owners; then the master, as our child.
    await run('postfix', ['-c', this.conf, 'check']).catch(async (err: Error) => {
      throw new Error(`postfix check failed: ${err.message}\n${await this.log()}`);
    });
    const daemonDirectory = (await run('postconf', ['-c', this.conf, '-h', 'daemon_directory'])).stdout.trim();
    this.child = spawn(join(daemonDirectory, 'master'), ['-c', this.conf, '-d'], { stdio: 'ignore' });
    await this.waitForGreeting();
    return this.port;
  }

  private get maillog(): string {
    return join(this.dir, 'maillog');
  }

  /** Postfix's own log (everything it did, for a failing test's message). */
  log(): Promise<string> {
    return readFile(this.maillog, 'utf8').catch(() => '(no maillog)');
  }

  /** How many messages are still in the queue (in flight, deferred, or its own bounces not yet relayed). */
  async queued(): Promise<number> {
    const { stdout } = await run('postqueue', ['-c', this.conf, '-j']);
    return stdout.split('\n').filter(Boolean).length;
  }

  /** Waits until the queue is empty: every letter delivered or bounced, and every bounce handed on. */
  async waitForEmptyQueue(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.queued()) > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `Postfix's queue still holds ${await this.queued()} messages after ${timeoutMs} ms\n${(await this.log()).slice(-4000)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Stops the master (which stops its daemons) and removes the folder. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    this.child = undefined;
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private waitForGreeting(): Promise<void> {
    return waitForGreeting({
      name: 'postfix',
      port: this.port,
      greeting: '220',
      goodbye: 'QUIT\r\n',
      child: this.child,
      log: () => this.log(),
    });
  }
}
