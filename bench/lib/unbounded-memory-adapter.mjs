// A storage adapter for node-oidc-provider that keeps everything in plain Maps, with no
// size bound. The library's bundled memory adapter is an LRU capped at 1,000 entries,
// which would evict pending backchannel requests at 50 concurrent flows x several
// artifacts per flow; the benchmark must not lose state, so it uses this one instead.
// Expiry is honoured on read (an expired entry is dropped when it is looked up) and by
// an occasional sweep, so memory stays proportional to live artifacts.

const entries = new Map(); // `${model}:${id}` -> { payload, expiresAt }
const byGrant = new Map(); // grantId -> Set of entry keys
const byUserCode = new Map(); // userCode -> id
const byUid = new Map(); // session uid -> id

const now = () => Date.now();
const isLive = (entry) => entry !== undefined && (entry.expiresAt === undefined || entry.expiresAt > now());

const SWEEP_EVERY_MS = 30_000;
setInterval(() => {
  for (const [key, entry] of entries) if (!isLive(entry)) entries.delete(key);
}, SWEEP_EVERY_MS).unref();

/** node-oidc-provider adapter interface: one instance per model name. */
export class UnboundedMemoryAdapter {
  /** @param {string} model */
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    entries.set(key, { payload, expiresAt: expiresIn ? now() + expiresIn * 1000 : undefined });
    if (payload.grantId) {
      let keys = byGrant.get(payload.grantId);
      if (!keys) byGrant.set(payload.grantId, (keys = new Set()));
      keys.add(key);
    }
    if (payload.userCode) byUserCode.set(payload.userCode, id);
    if (this.model === 'Session' && payload.uid) byUid.set(payload.uid, id);
  }

  async find(id) {
    const key = this.key(id);
    const entry = entries.get(key);
    if (!isLive(entry)) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async findByUserCode(userCode) {
    const id = byUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUid(uid) {
    const id = byUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const entry = entries.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(now() / 1000);
  }

  async destroy(id) {
    const key = this.key(id);
    const entry = entries.get(key);
    entries.delete(key);
    if (entry?.payload.grantId) byGrant.get(entry.payload.grantId)?.delete(key);
  }

  async revokeByGrantId(grantId) {
    const keys = byGrant.get(grantId);
    if (!keys) return;
    for (const key of keys) entries.delete(key);
    byGrant.delete(grantId);
  }
}
