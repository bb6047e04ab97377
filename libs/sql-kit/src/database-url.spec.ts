import path from 'node:path';
import { describeDatabase, parseDatabaseUrl } from './database-url';

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

describe('describeDatabase', () => {
  it('names an SQLite file by its absolute path and a PostgreSQL URL without its password', () => {
    expect(describeDatabase('sqlite:./data/onboard.sqlite')).toBe(`sqlite:${path.resolve('./data/onboard.sqlite')}`);
    expect(describeDatabase('sqlite::memory:')).toBe('sqlite::memory:');
    expect(describeDatabase('postgres://onboard:s3cret@db.internal:5432/onboard')).toBe(
      'postgres://onboard@db.internal:5432/onboard',
    );
  });
});
