import { SqliteSession } from './sql-session';

describe('SqliteSession', () => {
  it('turns a driver error that is not an Error of this realm into one, keeping its code and cause', async () => {
    // What better-sqlite3 throws when its addon was first loaded in another realm.
    const foreign = { message: 'UNIQUE constraint failed: t.k', code: 'SQLITE_CONSTRAINT_UNIQUE' };
    const session = new SqliteSession({
      prepare: () => {
        throw foreign;
      },
      exec: () => {},
    });
    const error = await session.run('INSERT INTO t (k) VALUES (?)', ['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ message: 'UNIQUE constraint failed: t.k', code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect((error as Error).cause).toBe(foreign);
    await expect(session.all('SELECT * FROM t', [])).rejects.toThrow('UNIQUE constraint failed');
  });
});
