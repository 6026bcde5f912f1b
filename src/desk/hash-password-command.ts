import { CredgateError } from '../util/errors';
import { hashPassword } from './password-hash';

interface Streams {
  stdin: NodeJS.ReadStream | NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `credgate desk hash-password`: reads a password from the terminal (not echoed) or from piped
 * standard input, and prints the `scrypt$...` line for `desk.users[].passwordHash`. The password
 * never comes from the command line, where shell history and `ps` would keep it.
 */
export async function runHashPassword(
  io: Streams = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
): Promise<void> {
  const tty = 'isTTY' in io.stdin && io.stdin.isTTY === true;
  const password = tty ? await promptHidden(io.stdin as NodeJS.ReadStream, io.stderr) : await readFirstLine(io.stdin);
  if (password.length < 12) throw new CredgateError('bad-input', 'a desk password needs at least 12 characters');
  io.stdout.write((await hashPassword(password)) + '\n');
}

async function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/, 1)[0];
}

function promptHidden(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream): Promise<string> {
  stderr.write('Password (not shown): ');
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((ok, fail) => {
    let text = '';
    const done = (result: Error | string) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (result instanceof Error) fail(result);
      else ok(result);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(text);
        if (ch === '\u0003') return done(new CredgateError('bad-input', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}
