import path from 'node:path';

/** Where a database URL points. */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/**
 * Parses a database URL: `postgres://` and `postgresql://` select PostgreSQL;
 * `sqlite:<path>`, `sqlite::memory:` and plain paths select SQLite.
 *
 * @example
 * parseDatabaseUrl('sqlite:./data/onboard.sqlite'); // { kind: 'sqlite', file: './data/onboard.sqlite' }
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  const url = databaseUrl.trim();
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    let file = url.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2); // sqlite:///abs/path, sqlite://./rel
    if (file === '' || file === ':memory:') return { kind: 'sqlite', file: ':memory:' };
    return { kind: 'sqlite', file };
  }
  if (url === '' || url === ':memory:') return { kind: 'sqlite', file: ':memory:' };
  return { kind: 'sqlite', file: url };
}

/**
 * The database a URL names, for people: the absolute path of an SQLite file, or the
 * PostgreSQL URL without its password.
 *
 * @example
 * describeDatabase('postgres://onboard:secret@db:5432/onboard'); // 'postgres://onboard@db:5432/onboard'
 */
export function describeDatabase(databaseUrl: string): string {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'sqlite')
    return target.file === ':memory:' ? 'sqlite::memory:' : `sqlite:${path.resolve(target.file)}`;
  try {
    const url = new URL(target.url);
    url.password = '';
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
