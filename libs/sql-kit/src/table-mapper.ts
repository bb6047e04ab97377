import type { DataSource, EntityTarget } from 'typeorm';
import type { Row } from './sql-session';

type Kind = 'text' | 'int' | 'big' | 'bool' | 'json';
interface MappedColumn {
  prop: string;
  name: string;
  kind: Kind;
}

/**
 * The boundary between rows and domain objects (STYLE §15), built once from an
 * entity's TypeORM metadata: the entity's property names are the domain field names,
 * its column names the table's. JSON columns are text in both dialects; PostgreSQL
 * BIGINT arrives as a string and is turned back into a number; NULL means "absent".
 */
export class TableMapper<T extends object> {
  readonly table: string;
  readonly columns: readonly MappedColumn[];
  private readonly byProp: ReadonlyMap<string, MappedColumn>;
  /** `INSERT INTO t ("a", "b") VALUES (?, ?)` in column order. */
  readonly insertSql: string;
  /** Insert or replace every column on primary-key conflict. */
  readonly upsertSql: string;

  constructor(dataSource: DataSource, entity: EntityTarget<object>) {
    const meta = dataSource.getMetadata(entity);
    this.table = meta.tableName;
    // Columns the entity marks `insert: false` are filled by the database (a sequence)
    // and are not part of the domain object: they are neither written nor read back.
    this.columns = meta.columns
      .filter((c) => c.isInsert)
      .map((c) => ({
        prop: c.propertyName,
        name: c.databaseName,
        kind: kindOf(String(c.type)),
      }));
    this.byProp = new Map(this.columns.map((c) => [c.prop, c]));
    const keys = meta.primaryColumns.map((c) => `"${c.databaseName}"`);
    const names = this.columns.map((c) => `"${c.name}"`);
    const marks = this.columns.map(() => '?').join(', ');
    this.insertSql = `INSERT INTO ${this.table} (${names.join(', ')}) VALUES (${marks})`;
    const updates = this.columns
      .filter((c) => !meta.primaryColumns.some((p) => p.databaseName === c.name))
      .map((c) => `"${c.name}" = excluded."${c.name}"`);
    this.upsertSql = `${this.insertSql} ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
  }

  /** Parameters for insertSql / upsertSql. */
  toParams(value: T): unknown[] {
    const record = value as Record<string, unknown>;
    return this.columns.map((c) => encode(c.kind, record[c.prop]));
  }

  fromRow(row: Row): T {
    const out: Record<string, unknown> = {};
    for (const c of this.columns) {
      const raw = row[c.name];
      if (raw === null || raw === undefined) continue;
      out[c.prop] = decode(c.kind, raw);
    }
    return out as T;
  }

  /**
   * `"a" = ?, "b" = ?` for the patch's keys (a key present with `undefined` sets NULL,
   * i.e. clears the field). Unknown keys are an error: they would be silently lost.
   */
  setClause(patch: Partial<T>, skip: readonly string[] = []): { sql: string; params: unknown[] } {
    const parts: string[] = [];
    const params: unknown[] = [];
    for (const [prop, value] of Object.entries(patch)) {
      if (skip.includes(prop)) continue;
      const c = this.byProp.get(prop);
      if (!c) throw new Error(`${this.table}: no column for field "${prop}"`);
      parts.push(`"${c.name}" = ?`);
      params.push(encode(c.kind, value));
    }
    return { sql: parts.join(', '), params };
  }
}

function kindOf(type: string): Kind {
  switch (type) {
    case 'simple-json':
      return 'json';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'big';
    case 'integer':
      return 'int';
    default:
      return 'text';
  }
}

function encode(kind: Kind, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return kind === 'json' ? JSON.stringify(value) : value;
}

function decode(kind: Kind, raw: unknown): unknown {
  switch (kind) {
    case 'json':
      return JSON.parse(raw as string);
    case 'bool':
      return raw === true || raw === 1 || raw === '1' || raw === 't';
    case 'big':
    case 'int':
      return typeof raw === 'number' ? raw : Number(raw);
    default:
      return raw;
  }
}
