import { Conditions } from './conditions';

describe('Conditions', () => {
  it('joins the added conditions with AND and keeps their parameters in placeholder order', () => {
    const where = new Conditions().add('status = ?', 'pending').add('(a IS NULL OR a = ?)', 'x').add('b IS NULL');
    expect(where.sql).toBe('status = ? AND (a IS NULL OR a = ?) AND b IS NULL');
    expect(where.clause()).toBe(' WHERE status = ? AND (a IS NULL OR a = ?) AND b IS NULL');
    expect(where.params).toEqual(['pending', 'x']);
  });

  it('adds a filter only when its value is set, and null counts as set', () => {
    const where = new Conditions().ifSet(undefined, 'sub = ?').ifSet(0, 'n > ?').ifSet(null, 'm = ?');
    expect(where.sql).toBe('n > ? AND m = ?');
    expect(where.params).toEqual([0, null]);
  });

  it('gives no WHERE clause without conditions', () => {
    expect(new Conditions().ifSet(undefined, 'sub = ?').clause()).toBe('');
    expect(new Conditions().params).toEqual([]);
  });
});
