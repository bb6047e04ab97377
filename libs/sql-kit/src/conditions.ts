/**
 * The conditions of a WHERE clause built from optional filters, with their parameters in
 * the order their `?` placeholders appear.
 *
 * @example
 * const where = new Conditions().add('status = ?', 'pending').ifSet(filter.sub, 'sub = ?');
 * await sql.all(`SELECT * FROM t${where.clause()} ORDER BY id`, where.params);
 */
export class Conditions {
  private readonly parts: string[] = [];
  readonly params: unknown[] = [];

  /** Adds `condition`, whose `?` placeholders take `params`. */
  add(condition: string, ...params: unknown[]): this {
    this.parts.push(condition);
    this.params.push(...params);
    return this;
  }

  /** Adds `condition` (one `?`, taking `value`) unless `value` is undefined. */
  ifSet(value: unknown, condition: string): this {
    return value === undefined ? this : this.add(condition, value);
  }

  /** `a AND b`: at least one condition must have been added. */
  get sql(): string {
    return this.parts.join(' AND ');
  }

  /** ` WHERE a AND b`, or '' without conditions. */
  clause(): string {
    return this.parts.length ? ` WHERE ${this.sql}` : '';
  }
}
