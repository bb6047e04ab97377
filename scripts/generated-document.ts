// The body of the docs:* scripts: writes a generated document into the repository, or with
// `--check` only compares it and exits 1 on a difference (naming the command that rewrites it).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeGeneratedDocument(relativeFile: string, generate: () => Promise<string>, command: string): void {
  const run = async (): Promise<number> => {
    const file = join(__dirname, '..', relativeFile);
    const generated = await generate();
    if (process.argv.includes('--check')) {
      const same = readFileSync(file, 'utf8') === generated;
      console.log(same ? `${relativeFile} is up to date` : `${relativeFile} differs: run ${command}`);
      return same ? 0 : 1;
    }
    writeFileSync(file, generated);
    console.log(`wrote ${relativeFile}`);
    return 0;
  };
  run().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
