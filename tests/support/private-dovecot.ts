/**
 * A private Dovecot IMAP server (Debian's dovecot-imapd) for one test: its
 * own dovecot.conf, run, state and maildir folders in a temporary folder, one
 * user from a passwd-file, plain IMAP on a free loopback port, and the
 * process a child of the test (`dovecot -F`), never the system's service.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/demo/private-redis.js';
import { waitForGreeting } from './wait-for-greeting.js';

/** Dovecot is installed, and we are root (it runs the mail process as another user). */
export function hasDovecot(): boolean {
  return process.getuid?.() === 0 && spawnSync('dovecot', ['--version'], { stdio: 'ignore' }).status === 0;
}

// The mail user: any unprivileged account will do; nobody exists everywhere.
const MAIL_UID = 65534;
const MAIL_GID = 65534;

export class PrivateDovecot {
  private child: ChildProcess | undefined;
  dir = '';
  port = 0;

  constructor(
    readonly user = 'bounces',
    readonly password = 'imap-test-password',
  ) {}

  /** imap://user:pass@127.0.0.1:port/INBOX, as BOUNCE_IMAP_URL would be. */
  get url(): string {
    return `imap://${this.user}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/INBOX`;
  }

  async start(): Promise<string> {
    this.dir = await mkdtemp(join(tmpdir(), 'arm-dovecot-'));
    await chmod(this.dir, 0o755);
    this.port = await freePort();
    const mail = join(this.dir, 'mail');
    await mkdir(mail);
    await chown(mail, MAIL_UID, MAIL_GID);
    const passwd = join(this.dir, 'passwd');
    await writeFile(passwd, `${this.user}:{PLAIN}${this.password}:${MAIL_UID}:${MAIL_GID}::${join(mail, this.user)}::\n`);
    const conf = join(this.dir, 'dovecot.conf');
    await writeFile(
      conf,
      `base_dir = ${join(this.dir, 'run')}
state_dir = ${join(this.dir, 'state')}
log_path = ${this.logFile}
protocols = imap
listen = 127.0.0.1
# Loopback only, in a test: no TLS, and LOGIN in clear is allowed.
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${passwd}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${passwd}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${this.port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`,
    );
    await this.spawn();
    return this.url;
  }

  /** Stops the server and starts it again on the same port and mailboxes, as a server restart would. */
  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  private async spawn(): Promise<void> {
    this.child = spawn('dovecot', ['-c', join(this.dir, 'dovecot.conf'), '-F'], { stdio: 'ignore' });
    await this.waitForGreeting();
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    this.child = undefined;
  }

  private get logFile(): string {
    return join(this.dir, 'dovecot.log');
  }

  log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '(no log)');
  }

  async stop(): Promise<void> {
    await this.kill();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private waitForGreeting(): Promise<void> {
    return waitForGreeting({
      name: 'dovecot',
      port: this.port,
      greeting: '* OK',
      goodbye: 'a LOGOUT\r\n',
      child: this.child,
      log: () => this.log(),
    });
  }
}
