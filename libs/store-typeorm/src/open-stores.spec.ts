import { parseDatabaseUrl } from './open-stores';

describe('parseDatabaseUrl', () => {
  it('reads sqlite: URLs, the in-memory form and plain paths as SQLite', () => {
    expect(parseDatabaseUrl('sqlite:./data/onboard.sqlite')).toEqual({ kind: 'sqlite', file: './data/onboard.sqlite' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect(parseDatabaseUrl('sqlite:///var/lib/onboard.sqlite')).toEqual({
      kind: 'sqlite',
      file: '/var/lib/onboard.sqlite',
    });
    expect(parseDatabaseUrl('/tmp/x.sqlite')).toEqual({ kind: 'sqlite', file: '/tmp/x.sqlite' });
  });

  it('reads postgres:// and postgresql:// URLs as PostgreSQL, unchanged', () => {
    expect(parseDatabaseUrl('postgres://u@h:5432/db')).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(parseDatabaseUrl('postgresql://u:p@h/db?sslmode=require')).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:p@h/db?sslmode=require',
    });
  });
});
