import { PassThrough } from 'node:stream';
import { runCli } from '../src/cli';

/** A stream that keeps what is written; not a terminal, as in CI. */
export function captured(): PassThrough & { text(): string } {
  const chunks: Buffer[] = [];
  const stream = new PassThrough() as PassThrough & { text(): string };
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.text = () => Buffer.concat(chunks).toString('utf8');
  return stream;
}

/** Runs the CLI as `npm run sim -- …` would, with captured output. */
export async function sim(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = captured();
  const stderr = captured();
  const code = await runCli(args, { stdout, stderr, env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
