import { nodeRandom, uuidV7 } from './node-random';

describe('nodeRandom', () => {
  it('returns unpadded base64url tokens of the requested entropy', () => {
    const token = nodeRandom.token(20);
    expect(token).toMatch(/^[A-Za-z0-9_-]{27}$/);
    expect(nodeRandom.token(20)).not.toBe(token);
  });

  it('returns version 7 UUIDs that sort by creation time and never repeat', () => {
    const ids = Array.from({ length: 2000 }, () => nodeRandom.uuid());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(uuidV7(Date.UTC(2026, 0, 1)) < uuidV7(Date.UTC(2026, 0, 1, 0, 0, 0, 1))).toBe(true);
    // The first 48 bits are the time in milliseconds.
    expect(parseInt(uuidV7(1_767_225_600_123).replace(/-/g, '').slice(0, 12), 16)).toBe(1_767_225_600_123);
  });
});
