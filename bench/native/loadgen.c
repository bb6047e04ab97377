/*
 * The benchmark's load generator in C: complete CIBA flows (backchannel request -> owner
 * approval through the owner-device API -> tokens at the client) in ping or poll mode, with
 * the client's ping listener in the same process. It does what runFlows and PingListener in
 * bench/load.mjs do, flow for flow and counter for counter; bench/lib/native-loadgen.mjs
 * drives it and returns runFlows' result shape.
 *
 * Why C: the load generator shares a two-core machine with the provider it measures, and the
 * JavaScript one's CPU use and garbage-collection pauses showed up in the latencies it
 * reported. This one is a single thread around poll(), allocates its buffers once per
 * connection and run, and spends its CPU on system calls.
 *
 * Protocol with the wrapper, in lines:
 *   out  READY <pingPort>          once, when the ping listener is up (127.0.0.1, for the
 *                                  process's whole life)
 *   in   RUN                       a run's configuration follows, one `key value` line each:
 *                                  mode ping|poll, flows, warmup, cooldown, concurrency,
 *                                  think (ms), timeout (ms), tag, backchannel, token and
 *                                  devices (URLs), authorization (the rest of the line), and
 *                                  `owner <loginHint> <credential>` per owner (worker i acts
 *                                  for owner i)
 *   in   GO                        starts the run; its one answer is DONE or ERROR
 *   out  WINDOW START|END <wallMs> <userUs> <systemUs>
 *                                  the measurement window's edges, with this process's CPU
 *                                  time (getrusage) at that moment
 *   out  FLOW <i> <t0> <tAck> <tPing> <tToken> <polls> <interval> <tApproveSent> <tApproveDone>
 *                                  one per completed measured flow, '-' for none
 *   out  FAILED measured|warmup <step> <count>
 *   out  COUNTERS <ownerDeviceErrors> <listCalls> <emptyLists> <pingsReceived> <pingsUnexpected>
 *   out  DONE                      the run is over; the next may be configured
 *   out  ERROR <message>           the run was refused (a bad configuration)
 * Errors met during a run (the first five failed flows, the first five owner-device errors)
 * go to stderr, one line each, and a DONE line there too ends each run.
 * End of input ends the process. Times are wall-clock milliseconds (Date.now()'s scale) with
 * microsecond precision: the real-time clock is read once, then advanced by the monotonic
 * clock, so a clock step during a run cannot reorder a timeline.
 */
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
/* netinet/tcp.h uses BSD types that a strict POSIX build hides on macOS. */
#define _DARWIN_C_SOURCE
#endif
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

/* ------------------------------------------------------------------------------------------ */
/* Limits: every buffer and table has one, so a misbehaving peer costs an error, not memory. */

#define TOKEN_BYTES 18                 /* client_notification_token: 144 random bits */
#define TOKEN_LEN 24                   /* ... as base64url */
#define MAX_LINE 16384                 /* one configuration line */
#define MAX_OWNERS 10000
#define MAX_CONCURRENCY 10000
#define MAX_TOTAL_FLOWS 10000000LL     /* timelines are preallocated per flow */
#define MAX_TAG 100                    /* keeps `BENCH-<tag>-<n>` within BINDING_MAX */
#define BINDING_MAX 160
#define MAX_HEAD (64 * 1024)           /* a response or request head */
#define MAX_BODY (1024 * 1024)         /* a response body */
#define MAX_RESPONSE_BYTES ((size_t)MAX_HEAD + MAX_BODY + 64 * 1024) /* with chunk framing */
#define MAX_REQUEST_BYTES (256 * 1024) /* a request this program sends */
#define MAX_PING_REQUEST (64 * 1024)   /* a request to the ping listener, head and body */
#define MAX_PING_OUTPUT (64 * 1024)    /* answers a ping client has not read yet */
#define MAX_PING_CONNECTIONS 4096
#define MAX_LIST_ENTRIES 4096          /* requests kept from one owner-device list */
#define MAX_ID 1024                    /* a request id */
#define MAX_CHUNK_LINE 1024
#define JSON_MAX_DEPTH 256
#define ERRORS_SHOWN 5                 /* error lines per run and kind, as load.mjs prints */
#define LIST_WAIT_SECONDS 20           /* the owner device's long poll */

static const int64_t LIST_TIMEOUT_US = (LIST_WAIT_SECONDS + 10) * 1000000LL;
static const int64_t OWNER_ERROR_PAUSE_US = 50000;
static const int64_t OWNER_REPEAT_PAUSE_US = 5000;
static const int64_t PING_IDLE_TIMEOUT_US = 300 * 1000000LL;
static const int64_t PING_PARTIAL_TIMEOUT_US = 30 * 1000000LL;
static const int64_t ACCEPT_BACKOFF_US = 100000;
static const int64_t NEVER = INT64_MAX;

enum step { STEP_BACKCHANNEL, STEP_PING, STEP_TOKEN, STEP_OTHER, STEP_COUNT };
static const char *const STEP_NAMES[STEP_COUNT] = {"backchannel", "ping", "token", "other"};

/* ------------------------------------------------------------------------------------------ */
/* Time */

static int64_t mono_origin_us;
static int64_t wall_origin_us;

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void clock_init(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  mono_origin_us = mono_us();
  wall_origin_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Wall-clock milliseconds of a monotonic instant. */
static double wall_ms_at(int64_t mono) { return (double)(wall_origin_us + (mono - mono_origin_us)) / 1000.0; }
static double wall_ms(void) { return wall_ms_at(mono_us()); }

/* ------------------------------------------------------------------------------------------ */
/* Random numbers: xorshift128+, seeded from the kernel. Notification tokens only need to be
 * unique, think times only spread. */

static uint64_t rng_state[2];

static uint64_t rng_next(void) {
  uint64_t s1 = rng_state[0];
  const uint64_t s0 = rng_state[1];
  rng_state[0] = s0;
  s1 ^= s1 << 23;
  rng_state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
  return rng_state[1] + s0;
}

static double rng_unit(void) { return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0); }

static void rng_seed(void) {
  int fd = open("/dev/urandom", O_RDONLY);
  ssize_t got = -1;
  if (fd >= 0) {
    got = read(fd, rng_state, sizeof rng_state);
    close(fd);
  }
  if (got != (ssize_t)sizeof rng_state) {
    rng_state[0] = (uint64_t)mono_us() * 0x9E3779B97F4A7C15ULL;
    rng_state[1] = ((uint64_t)getpid() << 32) ^ (uint64_t)wall_origin_us;
  }
  if (rng_state[0] == 0 && rng_state[1] == 0) rng_state[1] = 1;
}

static void random_token(char out[TOKEN_LEN + 1]) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char bytes[TOKEN_BYTES];
  for (int i = 0; i < TOKEN_BYTES; i += 6) {
    uint64_t r = rng_next();
    for (int j = 0; j < 6; j++) bytes[i + j] = (unsigned char)(r >> (8 * j));
  }
  for (int i = 0, o = 0; i < TOKEN_BYTES; i += 3) {
    uint32_t v = (uint32_t)bytes[i] << 16 | (uint32_t)bytes[i + 1] << 8 | bytes[i + 2];
    out[o++] = alphabet[(v >> 18) & 63];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = alphabet[(v >> 6) & 63];
    out[o++] = alphabet[v & 63];
  }
  out[TOKEN_LEN] = '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Byte buffers */

struct buffer {
  char *data;
  size_t len, cap;
};

/* Makes room for `more` bytes past len, within `limit` bytes in all. */
static int buffer_room(struct buffer *b, size_t more, size_t limit) {
  if (b->cap - b->len >= more) return 0;
  if (more > limit || b->len > limit - more) return -1;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + more) cap *= 2;
  if (cap > limit) cap = limit;
  char *data = realloc(b->data, cap);
  if (!data) return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}

static int put_bytes(struct buffer *b, const void *p, size_t n) {
  if (buffer_room(b, n, MAX_REQUEST_BYTES) < 0) return -1;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

static int put(struct buffer *b, const char *s) { return put_bytes(b, s, strlen(s)); }

static void buffer_free(struct buffer *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static const char HEX_DIGITS[] = "0123456789ABCDEF";

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* application/x-www-form-urlencoded, byte for byte as URLSearchParams serializes it. */
static int put_form_value(struct buffer *b, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char enc[3];
    if (is_alnum(*p) || *p == '*' || *p == '-' || *p == '.' || *p == '_') {
      if (put_bytes(b, p, 1) < 0) return -1;
    } else if (*p == ' ') {
      if (put(b, "+") < 0) return -1;
    } else {
      enc[0] = '%';
      enc[1] = HEX_DIGITS[*p >> 4];
      enc[2] = HEX_DIGITS[*p & 15];
      if (put_bytes(b, enc, 3) < 0) return -1;
    }
  }
  return 0;
}

static int put_form_field(struct buffer *b, const char *name, const char *value) {
  if (b->len && put(b, "&") < 0) return -1;
  if (put_form_value(b, name) < 0 || put(b, "=") < 0) return -1;
  return put_form_value(b, value);
}

/* encodeURIComponent on UTF-8 bytes. */
static int put_uri_component(struct buffer *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_alnum(c) || (c != '\0' && strchr("-_.!~*'()", c) != NULL)) {
      if (put_bytes(b, &c, 1) < 0) return -1;
    } else {
      char enc[3] = {'%', HEX_DIGITS[c >> 4], HEX_DIGITS[c & 15]};
      if (put_bytes(b, enc, 3) < 0) return -1;
    }
  }
  return 0;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int equals_ignoring_case(const char *a, size_t n, const char *b) {
  if (strlen(b) != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

static const char *find_crlf(const char *p, const char *end) {
  for (; p + 1 < end; p++)
    if (p[0] == '\r' && p[1] == '\n') return p;
  return NULL;
}

/* The end of a head (the offset after CRLF CRLF), searching from `from`, or 0. */
static size_t find_head_end(const char *data, size_t len, size_t from) {
  for (size_t i = from; i + 3 < len; i++)
    if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n') return i + 4;
  return 0;
}

/* Parses a decimal Content-Length; -1 when it is not one. */
static long long parse_length(const char *p, size_t n) {
  if (n == 0 || n > 15) return -1;
  long long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

static void trim(const char **p, const char **end) {
  while (*p < *end && (**p == ' ' || **p == '\t')) (*p)++;
  while (*end > *p && ((*end)[-1] == ' ' || (*end)[-1] == '\t')) (*end)--;
}

/* Whether a comma-separated header value lists `token` (case-insensitively). */
static int lists_token(const char *p, const char *end, const char *token) {
  while (p < end) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *item_end = comma ? comma : end;
    const char *a = p, *b = item_end;
    trim(&a, &b);
    if (equals_ignoring_case(a, (size_t)(b - a), token)) return 1;
    p = comma ? comma + 1 : end;
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Chunked transfer coding, decoded in place: each chunk's data is moved down to follow the
 * previous one, so the body ends up contiguous after the head while the framing bytes that
 * follow are still unread. */

struct chunked {
  size_t scan;     /* next raw byte to read */
  size_t body_at;  /* where the decoded body starts */
  size_t out;      /* decoded bytes so far */
  int trailers;    /* past the last chunk, reading trailer lines */
};

static void chunked_init(struct chunked *c, size_t body_at) {
  c->scan = c->body_at = body_at;
  c->out = 0;
  c->trailers = 0;
}

/* 1: complete, *end set to the offset after the message; 0: more bytes needed; -1: malformed
 * or over `limit` decoded bytes. */
static int chunked_step(char *data, size_t len, struct chunked *c, size_t limit, size_t *end) {
  for (;;) {
    const char *line = data + c->scan;
    const char *crlf = find_crlf(line, data + len);
    if (!crlf) return len - c->scan > (c->trailers ? (size_t)MAX_HEAD : (size_t)MAX_CHUNK_LINE) ? -1 : 0;
    size_t after = (size_t)(crlf - data) + 2;
    if (c->trailers) {
      c->scan = after;
      if (crlf == line) {
        *end = after;
        return 1;
      }
      continue;
    }
    size_t size = 0;
    const char *p = line;
    for (; p < crlf && hex_value(*p) >= 0; p++) {
      if (size > limit) return -1;
      size = size * 16 + (size_t)hex_value(*p);
    }
    if (p == line) return -1;
    while (p < crlf && (*p == ' ' || *p == '\t')) p++;
    if (p < crlf && *p != ';') return -1; /* anything but a chunk extension */
    if (size == 0) {
      c->trailers = 1;
      c->scan = after;
      continue;
    }
    if (size > limit || c->out > limit - size) return -1;
    if (len - after < size + 2) return 0;
    if (data[after + size] != '\r' || data[after + size + 1] != '\n') return -1;
    memmove(data + c->body_at + c->out, data + after, size);
    c->out += size;
    c->scan = after + size + 2;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* JSON: a validator that accepts what JSON.parse accepts, and lookups on validated text. */

static const char *json_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

/* p at the opening quote: the position after the closing one, or NULL. */
static const char *json_string_end(const char *p, const char *end) {
  for (p++; p < end;) {
    unsigned char c = (unsigned char)*p;
    if (c == '"') return p + 1;
    if (c < 0x20) return NULL;
    if (c != '\\') {
      p++;
      continue;
    }
    if (++p >= end) return NULL;
    if (*p == 'u') {
      if (end - p < 5) return NULL;
      for (int i = 1; i <= 4; i++)
        if (hex_value(p[i]) < 0) return NULL;
      p += 5;
    } else if (strchr("\"\\/bfnrt", *p) != NULL && *p != '\0') {
      p++;
    } else {
      return NULL;
    }
  }
  return NULL;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static const char *json_number_end(const char *p, const char *end) {
  if (p < end && *p == '-') p++;
  if (p >= end) return NULL;
  if (*p == '0') {
    p++;
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && is_digit(*p)) p++;
  } else {
    return NULL;
  }
  if (p < end && *p == '.') {
    if (++p >= end || !is_digit(*p)) return NULL;
    while (p < end && is_digit(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || !is_digit(*p)) return NULL;
    while (p < end && is_digit(*p)) p++;
  }
  return p;
}

static const char *json_literal_end(const char *p, const char *end, const char *word) {
  size_t n = strlen(word);
  return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* The position after the value at p, or NULL if it is malformed. */
static const char *json_value_end(const char *p, const char *end, int depth) {
  if (p >= end) return NULL;
  switch (*p) {
  case '"':
    return json_string_end(p, end);
  case '{':
  case '[': {
    const int object = *p == '{';
    const char close = object ? '}' : ']';
    if (depth >= JSON_MAX_DEPTH) return NULL;
    p = json_ws(p + 1, end);
    if (p < end && *p == close) return p + 1;
    for (;;) {
      if (object) {
        if (p >= end || *p != '"') return NULL;
        if (!(p = json_string_end(p, end))) return NULL;
        p = json_ws(p, end);
        if (p >= end || *p != ':') return NULL;
        p = json_ws(p + 1, end);
      }
      if (!(p = json_value_end(p, end, depth + 1))) return NULL;
      p = json_ws(p, end);
      if (p >= end) return NULL;
      if (*p == close) return p + 1;
      if (*p != ',') return NULL;
      p = json_ws(p + 1, end);
    }
  }
  case 't':
    return json_literal_end(p, end, "true");
  case 'f':
    return json_literal_end(p, end, "false");
  case 'n':
    return json_literal_end(p, end, "null");
  default:
    return json_number_end(p, end);
  }
}

/* The document's top-level value if the whole text is valid JSON, else NULL. */
static const char *json_document(const char *text, size_t len) {
  const char *end = text + len;
  const char *value = json_ws(text, end);
  const char *after = json_value_end(value, end, 0);
  return after && json_ws(after, end) == end ? value : NULL;
}

static int put_utf8(char *out, size_t cap, size_t *n, unsigned cp) {
  unsigned char bytes[4];
  size_t k;
  if (cp < 0x80) {
    bytes[0] = (unsigned char)cp;
    k = 1;
  } else if (cp < 0x800) {
    bytes[0] = (unsigned char)(0xC0 | cp >> 6);
    bytes[1] = (unsigned char)(0x80 | (cp & 0x3F));
    k = 2;
  } else if (cp < 0x10000) {
    bytes[0] = (unsigned char)(0xE0 | cp >> 12);
    bytes[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    bytes[2] = (unsigned char)(0x80 | (cp & 0x3F));
    k = 3;
  } else {
    bytes[0] = (unsigned char)(0xF0 | cp >> 18);
    bytes[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    bytes[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    bytes[3] = (unsigned char)(0x80 | (cp & 0x3F));
    k = 4;
  }
  if (*n + k >= cap) return -1;
  memcpy(out + *n, bytes, k);
  *n += k;
  return 0;
}

static unsigned hex4(const char *p) {
  return (unsigned)(hex_value(p[0]) << 12 | hex_value(p[1]) << 8 | hex_value(p[2]) << 4 | hex_value(p[3]));
}

/* Decodes the validated string at p (at its opening quote) into out as UTF-8, NUL-terminated;
 * -1 when it does not fit in cap bytes. A lone surrogate becomes U+FFFD. */
static int json_decode_string(const char *p, char *out, size_t cap, size_t *len) {
  size_t n = 0;
  for (p++; *p != '"';) {
    if (*p != '\\') {
      if (n + 1 >= cap) return -1;
      out[n++] = *p++;
      continue;
    }
    p++;
    char escape = *p++;
    unsigned cp;
    switch (escape) {
    case 'b': cp = '\b'; break;
    case 'f': cp = '\f'; break;
    case 'n': cp = '\n'; break;
    case 'r': cp = '\r'; break;
    case 't': cp = '\t'; break;
    case 'u':
      cp = hex4(p);
      p += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF && p[0] == '\\' && p[1] == 'u') {
        unsigned low = hex4(p + 2);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          p += 6;
        }
      }
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
      break;
    default: cp = (unsigned char)escape; break; /* " \ / */
    }
    if (put_utf8(out, cap, &n, cp) < 0) return -1;
  }
  out[n] = '\0';
  if (len) *len = n;
  return 0;
}

/* p at '{' of a validated object: the value of its last member named `name` (JSON.parse keeps
 * the last of duplicate names), or NULL. */
static const char *json_member(const char *p, const char *end, const char *name) {
  const char *found = NULL;
  char key[64];
  p = json_ws(p + 1, end);
  if (*p == '}') return NULL;
  for (;;) {
    int match = json_decode_string(p, key, sizeof key, NULL) == 0 && strcmp(key, name) == 0;
    p = json_ws(json_string_end(p, end), end);
    p = json_ws(p + 1, end); /* the colon */
    if (match) found = p;
    p = json_ws(json_value_end(p, end, 0), end);
    if (*p != ',') return found;
    p = json_ws(p + 1, end);
  }
}

/* A validated number as a double (copied out: the text is not NUL-terminated). */
static double json_number(const char *p, const char *end) {
  char text[64];
  const char *after = json_number_end(p, end);
  size_t n = (size_t)(after - p);
  if (n >= sizeof text) n = sizeof text - 1;
  memcpy(text, p, n);
  text[n] = '\0';
  return strtod(text, NULL);
}

static int json_is_number(const char *v) { return v && (*v == '-' || is_digit(*v)); }

/* JavaScript truthiness of a validated value (the checks load.mjs makes with `!value`). */
static int json_truthy(const char *v, const char *end) {
  if (!v) return 0;
  switch (*v) {
  case '"': return v[1] != '"';
  case 't':
  case '{':
  case '[': return 1;
  case 'f':
  case 'n': return 0;
  default: return json_number(v, end) != 0;
  }
}

/* The top-level object of a response body as load.mjs's postForm reads it, with its end: an
 * empty body is {}, and a body that is not a JSON object has none of the fields looked for. */
static const char *json_object_of(const char *body, size_t len, const char **end) {
  static const char empty[] = "{}";
  if (len == 0) {
    *end = empty + 2;
    return empty;
  }
  const char *doc = json_document(body, len);
  *end = body + len;
  return doc && *doc == '{' ? doc : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Endpoints: absolute http URLs on the IPv4 loopback. */

struct endpoint {
  char host[64]; /* the Host header: host:port as the URL names them */
  uint16_t port;
  char *path;    /* path and query */
};

static int parse_endpoint(const char *url, struct endpoint *ep, char *why, size_t why_len) {
  memset(ep, 0, sizeof *ep);
  if (!equals_ignoring_case(url, strlen(url) < 7 ? strlen(url) : 7, "http://")) {
    snprintf(why, why_len, "%.200s: only http:// URLs are supported", url);
    return -1;
  }
  const char *authority = url + 7;
  const char *authority_end = authority + strcspn(authority, "/?#");
  const char *colon = memchr(authority, ':', (size_t)(authority_end - authority));
  const char *host_end = colon ? colon : authority_end;
  size_t host_len = (size_t)(host_end - authority);
  if (!equals_ignoring_case(authority, host_len, "127.0.0.1") &&
      !equals_ignoring_case(authority, host_len, "localhost")) {
    snprintf(why, why_len, "%.200s: only the IPv4 loopback (127.0.0.1 or localhost) is supported", url);
    return -1;
  }
  long port = 80;
  if (colon) {
    long long parsed = parse_length(colon + 1, (size_t)(authority_end - colon - 1));
    if (parsed < 1 || parsed > 65535) {
      snprintf(why, why_len, "%.200s: bad port", url);
      return -1;
    }
    port = (long)parsed;
  }
  ep->port = (uint16_t)port;
  snprintf(ep->host, sizeof ep->host, "%.*s:%ld", (int)host_len, authority, port);
  for (char *h = ep->host; *h; h++) *h = (char)lower((unsigned char)*h);
  const char *path = authority_end;
  size_t path_len = strcspn(path, "#");
  ep->path = malloc(path_len + 2);
  if (!ep->path) {
    snprintf(why, why_len, "out of memory");
    return -1;
  }
  size_t at = 0;
  if (*path != '/') ep->path[at++] = '/';
  memcpy(ep->path + at, path, path_len);
  ep->path[at + path_len] = '\0';
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* HTTP/1.1 client connections. Each worker and each owner device owns its connections; a
 * connection carries one request at a time and is kept alive between them. */

enum conn_state { C_CLOSED, C_CONNECTING, C_SENDING, C_RECEIVING, C_IDLE, C_FAILED };
enum actor_kind { ACTOR_WORKER, ACTOR_OWNER };

struct response {
  int ok;            /* 0: no response (error says why) */
  int status;
  const char *body;
  size_t body_len;
  const char *error;
};

struct client_conn {
  int fd;
  unsigned serial;   /* changes with every socket, so a stale poll result is recognised */
  enum conn_state state;
  uint16_t port;
  int reused;        /* the request went out on a connection that had answered before */
  int answered;      /* a byte of the answer has arrived */
  struct buffer out;
  size_t out_sent;
  struct buffer in;
  size_t head_scan;
  int head_done;
  int status;
  long long content_length;
  int chunked_body;
  int close_after;
  struct chunked chunks;
  size_t body_at;
  int64_t deadline;
  char error[128];
  enum actor_kind kind;
  int actor;
};

static unsigned conn_serials;

static void conn_init(struct client_conn *c, enum actor_kind kind, int actor) {
  memset(c, 0, sizeof *c);
  c->fd = -1;
  c->kind = kind;
  c->actor = actor;
  c->deadline = NEVER;
}

static void conn_close(struct client_conn *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->state = C_CLOSED;
}

static void conn_release(struct client_conn *c) {
  conn_close(c);
  buffer_free(&c->in);
  buffer_free(&c->out);
}

static int set_socket_options(int fd) {
  int one = 1;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return -1;
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) return -1;
  return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* A failure is reported to the connection's owner from the timer pass, never from inside
 * the call that started the request, so a refused connection cannot recurse into the next
 * flow's request. */
static void conn_defer_failure(struct client_conn *c, const char *what, int err) {
  conn_close(c);
  c->state = C_FAILED;
  c->deadline = 0;
  if (err)
    snprintf(c->error, sizeof c->error, "%s: %s", what, strerror(err));
  else
    snprintf(c->error, sizeof c->error, "%s", what);
}

static void conn_flush(struct client_conn *c);

static void conn_connect(struct client_conn *c) {
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons(c->port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0) {
    conn_defer_failure(c, "socket", errno);
    return;
  }
  c->serial = ++conn_serials;
  if (set_socket_options(c->fd) < 0) {
    conn_defer_failure(c, "socket options", errno);
    return;
  }
  if (connect(c->fd, (struct sockaddr *)&address, sizeof address) == 0) {
    c->state = C_SENDING;
    conn_flush(c);
  } else if (errno == EINPROGRESS || errno == EINTR) {
    c->state = C_CONNECTING;
  } else {
    conn_defer_failure(c, "connect", errno);
  }
}

/* The connection broke before its answer was complete. A request sent on a kept-alive
 * connection that the server closed before answering is sent once more on a new one, as
 * lib/lean-http.mjs (and node:http's agent) do; anything else is the request's failure. */
static void conn_broken(struct client_conn *c, const char *what, int err) {
  if (c->reused && !c->answered) {
    conn_close(c);
    c->reused = 0;
    c->out_sent = 0;
    c->in.len = 0;
    c->head_scan = 0;
    c->head_done = 0;
    conn_connect(c);
    return;
  }
  conn_defer_failure(c, what, err);
}

static void conn_flush(struct client_conn *c) {
  while (c->out_sent < c->out.len) {
    ssize_t n = write(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent);
    if (n > 0) {
      c->out_sent += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      c->state = C_SENDING;
      return;
    } else {
      conn_broken(c, "write", n < 0 ? errno : EPIPE);
      return;
    }
  }
  c->state = C_RECEIVING;
}

/* Sends the request in c->out to the given port, on the kept-alive connection if there is
 * one to that port. */
static void conn_request(struct client_conn *c, uint16_t port, int64_t deadline) {
  c->in.len = 0;
  c->head_scan = 0;
  c->head_done = 0;
  c->out_sent = 0;
  c->answered = 0;
  c->deadline = deadline;
  c->error[0] = '\0';
  if (c->state == C_IDLE && c->port == port) {
    c->reused = 1;
    c->state = C_SENDING;
    conn_flush(c);
    return;
  }
  conn_close(c);
  c->port = port;
  c->reused = 0;
  conn_connect(c);
}

static void deliver(struct client_conn *c, const struct response *r);

/* Parses the response head in c->in; 0 or -1 with c->error set. */
static int conn_parse_head(struct client_conn *c, size_t head_end) {
  const char *p = c->in.data;
  const char *end = p + head_end - 2; /* keep one CRLF to end the last line */
  if (head_end < 16 || memcmp(p, "HTTP/1.", 7) != 0 || !is_digit(p[7]) || p[8] != ' ' || !is_digit(p[9]) ||
      !is_digit(p[10]) || !is_digit(p[11])) {
    snprintf(c->error, sizeof c->error, "not an HTTP/1.x response: %.40s", p);
    for (char *e = c->error; *e; e++)
      if ((unsigned char)*e < 0x20) *e = ' ';
    return -1;
  }
  c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  c->content_length = -1;
  c->chunked_body = 0;
  c->close_after = p[7] == '0';
  const char *line = find_crlf(p, end) + 2;
  while (line < end) {
    const char *line_end = find_crlf(line, end + 2);
    const char *colon = memchr(line, ':', (size_t)(line_end - line));
    if (colon && colon > line) {
      const char *name = line, *name_end = colon, *value = colon + 1, *value_end = line_end;
      trim(&name, &name_end);
      trim(&value, &value_end);
      size_t name_len = (size_t)(name_end - name);
      if (equals_ignoring_case(name, name_len, "content-length")) {
        c->content_length = parse_length(value, (size_t)(value_end - value));
        if (c->content_length < 0) {
          snprintf(c->error, sizeof c->error, "bad content-length");
          return -1;
        }
      } else if (equals_ignoring_case(name, name_len, "transfer-encoding")) {
        c->chunked_body = lists_token(value, value_end, "chunked");
      } else if (equals_ignoring_case(name, name_len, "connection")) {
        c->close_after = lists_token(value, value_end, "close");
      }
    }
    line = line_end + 2;
  }
  c->body_at = head_end;
  if (c->chunked_body) {
    chunked_init(&c->chunks, head_end);
  } else if (c->content_length > MAX_BODY) {
    snprintf(c->error, sizeof c->error, "response body of %lld bytes, over the limit", c->content_length);
    return -1;
  } else if (c->content_length < 0 && c->status != 204 && c->status != 304 && (c->status < 100 || c->status >= 200)) {
    /* A body delimited by the connection's end: neither provider sends one. */
    snprintf(c->error, sizeof c->error, "response without Content-Length or chunked encoding");
    return -1;
  }
  c->head_done = 1;
  return 0;
}

/* 1: the response is complete and delivered; 0: more bytes needed; -1: failed. `ended`: the
 * server has closed its side, so the connection is not kept even after a complete response. */
static int conn_parse(struct client_conn *c, int ended) {
  if (!c->head_done) {
    size_t from = c->head_scan > 3 ? c->head_scan - 3 : 0;
    size_t head_end = find_head_end(c->in.data, c->in.len, from);
    c->head_scan = c->in.len;
    if (!head_end) {
      if (c->in.len <= MAX_HEAD) return 0;
      conn_defer_failure(c, "response head over the limit", 0);
      return -1;
    }
    if (conn_parse_head(c, head_end) < 0) {
      char why[sizeof c->error];
      memcpy(why, c->error, sizeof why);
      conn_defer_failure(c, why, 0);
      return -1;
    }
  }
  size_t end, body_len;
  if (c->chunked_body) {
    int r = chunked_step(c->in.data, c->in.len, &c->chunks, MAX_BODY, &end);
    if (r < 0) {
      conn_defer_failure(c, "bad chunked encoding or body over the limit", 0);
      return -1;
    }
    if (r == 0) return 0;
    body_len = c->chunks.out;
  } else if (c->content_length >= 0) {
    if (c->in.len - c->body_at < (size_t)c->content_length) return 0;
    body_len = (size_t)c->content_length;
    end = c->body_at + body_len;
  } else {
    body_len = 0;
    end = c->body_at;
  }
  /* Bytes after the response were not asked for: the connection cannot be trusted again. */
  int keep = !c->close_after && !ended && c->in.len == end;
  struct response r = {1, c->status, c->in.data + c->body_at, body_len, NULL};
  c->deadline = NEVER;
  if (keep)
    c->state = C_IDLE;
  else
    conn_close(c);
  deliver(c, &r);
  return 1;
}

static void conn_on_ready(struct client_conn *c, short revents) {
  if (c->state == C_CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err) {
      conn_defer_failure(c, "connect", err);
      return;
    }
    if (!(revents & (POLLOUT | POLLERR | POLLHUP))) return;
    c->state = C_SENDING;
    conn_flush(c);
    return;
  }
  if (c->state == C_SENDING) {
    conn_flush(c);
    return;
  }
  if (c->state == C_IDLE) {
    /* A kept-alive connection only speaks when spoken to: an end or stray bytes retire it. */
    conn_close(c);
    return;
  }
  if (c->state != C_RECEIVING) return;
  int eof = 0;
  for (;;) {
    if (buffer_room(&c->in, 4096, MAX_RESPONSE_BYTES) < 0 && c->in.len == c->in.cap) {
      conn_defer_failure(c, "response over the size limit", 0);
      return;
    }
    size_t room = c->in.cap - c->in.len;
    ssize_t n = read(c->fd, c->in.data + c->in.len, room);
    if (n > 0) {
      c->in.len += (size_t)n;
      c->answered = 1;
      if ((size_t)n < room) break;
    } else if (n == 0) {
      eof = 1;
      break;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else {
      conn_broken(c, "read", errno);
      return;
    }
  }
  if (c->in.len && conn_parse(c, eof) != 0) return;
  if (eof) conn_broken(c, "connection closed", 0);
}

/* ------------------------------------------------------------------------------------------ */
/* The run */

enum worker_state { W_STAGGER, W_BACKCHANNEL, W_WAIT_PING, W_TOKEN, W_POLL_SLEEP, W_DONE };
enum ping_state { PING_NONE, PING_WAITING, PING_ARRIVED, PING_TIMED_OUT };

/* One closed-loop worker, acting for the owner with its index. */
struct worker {
  enum worker_state state;
  int64_t deadline;
  long long flow;
  char binding[BINDING_MAX];
  char token[TOKEN_LEN + 1];
  int waiter;                /* its slot in the waiter table while registered */
  enum ping_state ping;
  int64_t ping_deadline;
  double t_ping;
  double t0, t_ack;
  int64_t t0_mono;
  char auth_req_id[MAX_ID];
  double interval;           /* seconds until the next token request */
  int advertised;            /* the provider sent an interval */
  double advertised_interval;
  int polls;
  struct client_conn conn[2]; /* the backchannel endpoint's origin, the token endpoint's */
};

enum owner_state { O_LIST, O_THINK, O_APPROVE, O_PAUSE, O_STOPPED };

struct list_entry {
  size_t id_at, id_len;  /* in the list's text */
  long long flow;        /* from the binding message; -1 if it names none */
  int fresh;             /* not in the previous list: to approve */
};

/* The requests of one owner-device list. */
struct request_list {
  struct buffer text;
  struct list_entry *entries;
  size_t count, cap;
};

/* A simulated owner device, long-polling its list and approving what is new on it. */
struct owner {
  enum owner_state state;
  enum owner_state after_pause; /* O_LIST, or O_APPROVE for the next request of the list */
  int64_t deadline;
  char *login_hint;
  char *credential;
  struct request_list lists[2];
  int current;             /* lists[current] is the latest list */
  size_t next;             /* its next entry to consider for approval */
  long long approving;     /* the flow of the approval in flight, or -1 */
  struct client_conn conn;
};

/* A client_notification_token a flow registered; it outlives the flow when the backchannel
 * request failed, as PingListener's waiter does until its timer fires. */
struct waiter {
  char token[TOKEN_LEN];
  int worker;      /* -1: the flow gave up on it; -2: free */
  int64_t deadline;
};

struct owner_spec {
  char *login_hint;
  char *credential;
};

struct config {
  int receiving;
  char error[256]; /* the first bad line's complaint, reported at GO */
  int mode_set, poll_mode;
  long long flows, warmup, cooldown, concurrency;
  double think_ms, timeout_ms;
  char *tag, *backchannel, *token, *devices, *authorization;
  struct owner_spec *owners;
  size_t owner_count, owner_cap;
};

static struct {
  int active;
  int poll_mode;
  long long flows, warmup, cooldown, total, next;
  int concurrency;
  double think_ms, timeout_ms;
  int64_t timeout_us;
  char *tag;
  struct endpoint backchannel, token, devices;
  int token_slot;
  struct buffer form_headers; /* the client's headers for a form POST */
  struct buffer scratch;      /* a request body being built */
  struct worker *workers;
  int workers_done;
  struct owner *owners;
  int owner_count;
  struct waiter *waiters;
  size_t waiter_count;
  /* The measured flows' timelines, by n - warmup, preallocated. */
  double *t0, *t_ack, *t_ping, *t_token, *interval;
  uint16_t *polls;
  unsigned char *done;
  /* The owner devices' approval times, by flow number. */
  double *sent_at, *done_at;
  long long failures[2][STEP_COUNT]; /* [measured][step] */
  long long failures_total;
  long long owner_errors, list_calls, empty_lists;
  long long pings_received, pings_unexpected;
  int window_started, window_ended;
  int draining; /* every flow is done; approvals in flight finish, nothing new starts */
} run;

static void window_edge(const char *edge) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("WINDOW %s %.3f %lld %lld\n", edge, wall_ms(),
         (long long)usage.ru_utime.tv_sec * 1000000 + (long long)usage.ru_utime.tv_usec,
         (long long)usage.ru_stime.tv_sec * 1000000 + (long long)usage.ru_stime.tv_usec);
  fflush(stdout);
}

/* The first bytes of a body for an error line, on one line. */
static void print_excerpt(const char *body, size_t len) {
  char text[201];
  size_t n = len < 200 ? len : 200;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)body[i];
    text[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
  }
  text[n] = '\0';
  fprintf(stderr, "%s", text);
}

/* ---- waiters ---- */

static int waiter_register(int worker, const char *token, int64_t deadline) {
  size_t slot = run.waiter_count;
  for (size_t i = 0; i < run.waiter_count; i++) {
    if (run.waiters[i].worker == -2) {
      slot = i;
      break;
    }
    /* Full: the abandoned token that expires first makes room (at most `concurrency` are
     * live, and the table has twice that). */
    if (run.waiters[i].worker == -1 &&
        (slot == run.waiter_count || run.waiters[i].deadline < run.waiters[slot].deadline))
      slot = i;
  }
  if (slot == run.waiter_count) return -1;
  memcpy(run.waiters[slot].token, token, TOKEN_LEN);
  run.waiters[slot].worker = worker;
  run.waiters[slot].deadline = deadline;
  return (int)slot;
}

static int waiter_find(const char *token, size_t len) {
  if (len != TOKEN_LEN) return -1;
  for (size_t i = 0; i < run.waiter_count; i++)
    if (run.waiters[i].worker != -2 && memcmp(run.waiters[i].token, token, TOKEN_LEN) == 0) return (int)i;
  return -1;
}

/* ---- workers ---- */

static void worker_next_flow(struct worker *w);

static int measured(long long n) { return n >= run.warmup && n < run.warmup + run.flows; }

static void worker_fail(struct worker *w, enum step step, const char *detail, const struct response *r) {
  int is_measured = measured(w->flow);
  run.failures[is_measured][step]++;
  if (++run.failures_total <= ERRORS_SHOWN) {
    fprintf(stderr, "%s: %s", STEP_NAMES[step], w->binding);
    if (detail) fprintf(stderr, " %s", detail);
    if (r && r->ok) {
      fprintf(stderr, " %d ", r->status);
      print_excerpt(r->body, r->body_len);
    }
    fputc('\n', stderr);
  }
  if (w->ping == PING_WAITING && w->waiter >= 0) run.waiters[w->waiter].worker = -1;
  w->waiter = -1;
  w->ping = PING_NONE;
  worker_next_flow(w);
}

/* No HTTP answer at all: load.mjs counts these (connection errors) under 'other'. */
static void worker_fail_transport(struct worker *w, const char *request, const struct response *r) {
  char detail[200];
  snprintf(detail, sizeof detail, "%s: %s", request, r->error);
  worker_fail(w, STEP_OTHER, detail, NULL);
}

static void worker_post_form(struct worker *w, int slot, const struct endpoint *ep) {
  struct client_conn *c = &w->conn[slot];
  struct buffer *out = &c->out;
  char length[32];
  snprintf(length, sizeof length, "%zu", run.scratch.len);
  out->len = 0;
  if (put(out, "POST ") < 0 || put(out, ep->path) < 0 || put(out, " HTTP/1.1\r\nhost: ") < 0 ||
      put(out, ep->host) < 0 || put(out, "\r\n") < 0 ||
      put_bytes(out, run.form_headers.data, run.form_headers.len) < 0 || put(out, "content-length: ") < 0 ||
      put(out, length) < 0 || put(out, "\r\n\r\n") < 0 || put_bytes(out, run.scratch.data, run.scratch.len) < 0) {
    conn_defer_failure(c, "request too large", 0);
    return;
  }
  conn_request(c, ep->port, mono_us() + run.timeout_us);
}

static void worker_send_token(struct worker *w) {
  run.scratch.len = 0;
  if (put_form_field(&run.scratch, "grant_type", "urn:openid:params:grant-type:ciba") < 0 ||
      put_form_field(&run.scratch, "auth_req_id", w->auth_req_id) < 0)
    run.scratch.len = 0;
  w->state = W_TOKEN;
  worker_post_form(w, run.token_slot, &run.token);
}

static void worker_next_flow(struct worker *w) {
  if (run.next >= run.total) {
    w->state = W_DONE;
    w->deadline = NEVER;
    run.workers_done++;
    return;
  }
  long long n = run.next++;
  if (n == run.warmup) {
    run.window_started = 1;
    window_edge("START");
  } else if (n == run.warmup + run.flows) {
    run.window_ended = 1;
    window_edge("END");
  }
  w->flow = n;
  snprintf(w->binding, sizeof w->binding, "BENCH-%s-%lld", run.tag, n);
  w->ping = PING_NONE;
  w->waiter = -1;
  w->polls = 0;
  w->advertised = 0;
  w->deadline = NEVER;
  run.scratch.len = 0;
  int built = put_form_field(&run.scratch, "scope", "openid") == 0 &&
              put_form_field(&run.scratch, "login_hint", run.owners[w - run.workers].login_hint) == 0 &&
              put_form_field(&run.scratch, "binding_message", w->binding) == 0;
  if (!run.poll_mode) {
    random_token(w->token);
    w->ping_deadline = mono_us() + run.timeout_us;
    w->waiter = waiter_register((int)(w - run.workers), w->token, w->ping_deadline);
    w->ping = PING_WAITING;
    built = built && put_form_field(&run.scratch, "client_notification_token", w->token) == 0;
  }
  if (!built) run.scratch.len = 0;
  w->t0_mono = mono_us();
  w->t0 = wall_ms_at(w->t0_mono);
  w->state = W_BACKCHANNEL;
  worker_post_form(w, 0, &run.backchannel);
}

static void worker_complete(struct worker *w, double t_token) {
  if (measured(w->flow)) {
    long long i = w->flow - run.warmup;
    run.t0[i] = w->t0;
    run.t_ack[i] = w->t_ack;
    run.t_ping[i] = run.poll_mode ? -1 : w->t_ping;
    run.t_token[i] = t_token;
    run.polls[i] = run.poll_mode ? (uint16_t)w->polls : 1; /* a ping flow asks for its tokens once */
    run.interval[i] = w->advertised ? w->advertised_interval : -1;
    run.done[i] = 1;
  }
  worker_next_flow(w);
}

/* Waits the interval before the next token request. A wait that would end past the flow's
 * timeout ends just after it instead: the flow fails then, as it would after the full wait. */
static void worker_sleep_interval(struct worker *w) {
  int64_t now = mono_us();
  int64_t timeout_at = w->t0_mono + run.timeout_us + 1000;
  w->state = W_POLL_SLEEP;
  w->deadline = w->interval * 1e6 < (double)(timeout_at - now) ? now + (int64_t)(w->interval * 1e6) : timeout_at;
}

static void worker_on_ack(struct worker *w, const struct response *r) {
  w->t_ack = wall_ms();
  if (!r->ok) {
    worker_fail_transport(w, "backchannel request", r);
    return;
  }
  const char *end;
  const char *object = json_object_of(r->body, r->body_len, &end);
  const char *id = object ? json_member(object, end, "auth_req_id") : NULL;
  size_t id_len = 0;
  int have_id = r->status == 200 && json_truthy(id, end);
  if (have_id) {
    if (*id == '"') {
      have_id = json_decode_string(id, w->auth_req_id, sizeof w->auth_req_id, &id_len) == 0;
    } else if (json_is_number(id)) {
      id_len = (size_t)(json_number_end(id, end) - id);
      have_id = id_len < sizeof w->auth_req_id;
      if (have_id) {
        memcpy(w->auth_req_id, id, id_len);
        w->auth_req_id[id_len] = '\0';
      }
    } else {
      have_id = 0;
    }
  }
  if (!have_id) {
    worker_fail(w, STEP_BACKCHANNEL, NULL, r);
    return;
  }
  if (!run.poll_mode) {
    if (w->ping == PING_ARRIVED) {
      worker_send_token(w);
      return;
    }
    if (w->ping == PING_TIMED_OUT) {
      char detail[64];
      snprintf(detail, sizeof detail, "no ping within %.0f ms", run.timeout_ms);
      worker_fail(w, STEP_PING, detail, NULL);
      return;
    }
    w->state = W_WAIT_PING;
    w->deadline = w->ping_deadline; /* the waiter's own timer normally ends the wait first */
    return;
  }
  const char *interval = object ? json_member(object, end, "interval") : NULL;
  w->advertised = json_is_number(interval);
  w->advertised_interval = w->advertised ? json_number(interval, end) : 0;
  w->interval = w->advertised ? w->advertised_interval : 5;
  worker_sleep_interval(w);
}

static void worker_on_token(struct worker *w, const struct response *r) {
  double t_token = wall_ms();
  if (!r->ok) {
    worker_fail_transport(w, "token request", r);
    return;
  }
  const char *end;
  const char *object = json_object_of(r->body, r->body_len, &end);
  if (r->status == 200 || !run.poll_mode) {
    int tokens = r->status == 200 && object && json_truthy(json_member(object, end, "access_token"), end) &&
                 json_truthy(json_member(object, end, "id_token"), end);
    if (!tokens) {
      worker_fail(w, STEP_TOKEN, NULL, r);
      return;
    }
    worker_complete(w, t_token);
    return;
  }
  const char *error = object ? json_member(object, end, "error") : NULL;
  char code[32];
  if (!error || *error != '"' || json_decode_string(error, code, sizeof code, NULL) < 0) code[0] = '\0';
  if (strcmp(code, "slow_down") == 0)
    w->interval += 5;
  else if (strcmp(code, "authorization_pending") != 0) {
    worker_fail(w, STEP_TOKEN, NULL, r);
    return;
  }
  worker_sleep_interval(w);
}

static void worker_on_response(struct worker *w, const struct response *r) {
  if (w->state == W_BACKCHANNEL)
    worker_on_ack(w, r);
  else if (w->state == W_TOKEN)
    worker_on_token(w, r);
}

static void worker_on_timer(struct worker *w, int64_t now) {
  if (w->deadline > now) return;
  w->deadline = NEVER;
  if (w->state == W_STAGGER) {
    worker_next_flow(w);
  } else if (w->state == W_WAIT_PING) {
    char detail[64];
    snprintf(detail, sizeof detail, "no ping within %.0f ms", run.timeout_ms);
    worker_fail(w, STEP_PING, detail, NULL);
  } else if (w->state == W_POLL_SLEEP) {
    if (wall_ms() - w->t0 > run.timeout_ms) {
      worker_fail(w, STEP_TOKEN, "flow timed out", NULL);
      return;
    }
    w->polls++;
    worker_send_token(w);
  }
}

/* ---- owner devices ---- */

static void owner_list(struct owner *o);
static void owner_approve_next(struct owner *o);

/* The run is over for this device: its long poll, if any, is abandoned with its connection. */
static void owner_stop(struct owner *o) {
  conn_close(&o->conn);
  o->conn.deadline = NEVER;
  o->state = O_STOPPED;
  o->deadline = NEVER;
}

static void owner_error(struct owner *o, const char *what, const struct response *r, enum owner_state then) {
  if (++run.owner_errors <= ERRORS_SHOWN) {
    fprintf(stderr, "owner device: %s", what);
    if (r->ok) {
      fprintf(stderr, " %d ", r->status);
      print_excerpt(r->body, r->body_len);
    } else {
      fprintf(stderr, ": %s", r->error);
    }
    fputc('\n', stderr);
  }
  if (run.draining) {
    owner_stop(o);
    return;
  }
  o->state = O_PAUSE;
  o->after_pause = then;
  o->deadline = mono_us() + OWNER_ERROR_PAUSE_US;
}

static int owner_request(struct owner *o, const char *method, const char *path_tail, const char *id, size_t id_len,
                         int64_t timeout_us) {
  struct client_conn *c = &o->conn;
  struct buffer *out = &c->out;
  out->len = 0;
  int ok = put(out, method) == 0 && put(out, " ") == 0 && put(out, run.devices.path) == 0;
  if (ok && id) ok = put(out, "/") == 0 && put_uri_component(out, id, id_len) == 0;
  ok = ok && put(out, path_tail) == 0 && put(out, " HTTP/1.1\r\nhost: ") == 0 && put(out, run.devices.host) == 0 &&
       put(out, "\r\nauthorization: Bearer ") == 0 && put(out, o->credential) == 0;
  if (ok && id)
    ok = put(out, "\r\ncontent-type: application/json\r\naccept: application/json\r\ncontent-length: 2\r\n\r\n{}") == 0;
  else if (ok)
    ok = put(out, "\r\naccept: application/json\r\n\r\n") == 0;
  if (!ok) {
    conn_defer_failure(c, "request too large", 0);
    return -1;
  }
  conn_request(c, run.devices.port, mono_us() + timeout_us);
  return 0;
}

static void owner_list(struct owner *o) {
  char tail[32];
  if (run.draining) {
    owner_stop(o);
    return;
  }
  snprintf(tail, sizeof tail, "?wait=%d", LIST_WAIT_SECONDS);
  o->state = O_LIST;
  o->deadline = NEVER;
  owner_request(o, "GET", tail, NULL, 0, LIST_TIMEOUT_US);
}

/* The flow number in a bench binding message (`BENCH-<tag>-<n>`), or -1. */
static long long flow_number(const char *binding, size_t len) {
  const char *dash = NULL;
  for (size_t i = 0; i < len; i++)
    if (binding[i] == '-') dash = binding + i;
  const char *digits = dash ? dash + 1 : binding;
  size_t n = len - (size_t)(digits - binding);
  long long flow = parse_length(digits, n);
  return flow >= 0 && flow < run.total ? flow : -1;
}

static int list_add(struct request_list *list, const char *id, size_t id_len, long long flow) {
  if (list->count == list->cap) {
    size_t cap = list->cap ? list->cap * 2 : 16;
    if (cap > MAX_LIST_ENTRIES) return -1;
    struct list_entry *entries = realloc(list->entries, cap * sizeof *entries);
    if (!entries) return -1;
    list->entries = entries;
    list->cap = cap;
  }
  if (buffer_room(&list->text, id_len + 1, MAX_BODY) < 0) return -1;
  struct list_entry *e = &list->entries[list->count++];
  e->id_at = list->text.len;
  e->id_len = id_len;
  e->flow = flow;
  e->fresh = 0;
  memcpy(list->text.data + list->text.len, id, id_len);
  list->text.data[list->text.len + id_len] = '\0';
  list->text.len += id_len + 1;
  return 0;
}

/* Reads `{"requests":[{"id":…,"binding_message":…},…]}` into `list`; the number of requests
 * listed, or -1 if the body is not such a list. */
static long long read_request_list(const char *body, size_t len, struct request_list *list) {
  static char id[MAX_ID], binding[512];
  list->count = 0;
  list->text.len = 0;
  const char *end = body + len;
  const char *doc = json_document(body, len);
  if (!doc || *doc != '{') return -1;
  const char *requests = json_member(doc, end, "requests");
  if (!requests || *requests == 'n') return 0;
  if (*requests != '[') return -1;
  long long listed = 0;
  const char *p = json_ws(requests + 1, end);
  if (*p == ']') return 0;
  for (;;) {
    listed++;
    if (*p == '{') {
      const char *id_value = json_member(p, end, "id");
      const char *binding_value = json_member(p, end, "binding_message");
      size_t id_len = 0, binding_len = 0;
      int have_id = 0;
      if (id_value && *id_value == '"') {
        have_id = json_decode_string(id_value, id, sizeof id, &id_len) == 0;
      } else if (json_is_number(id_value)) {
        id_len = (size_t)(json_number_end(id_value, end) - id_value);
        have_id = id_len < sizeof id;
        if (have_id) memcpy(id, id_value, id_len);
      }
      long long flow = -1;
      if (binding_value && *binding_value == '"' &&
          json_decode_string(binding_value, binding, sizeof binding, &binding_len) == 0)
        flow = flow_number(binding, binding_len);
      /* A request past the table's bound is left for a later list, where it is still new. */
      if (have_id) list_add(list, id, id_len, flow);
    }
    p = json_ws(json_value_end(p, end, 0), end);
    if (*p != ',') return listed;
    p = json_ws(p + 1, end);
  }
}

static void owner_on_list(struct owner *o, const struct response *r) {
  if (!r->ok) {
    owner_error(o, "list", r, O_LIST);
    return;
  }
  struct request_list *previous = &o->lists[o->current];
  struct request_list *list = &o->lists[!o->current];
  long long listed = r->status == 200 ? read_request_list(r->body, r->body_len, list) : -1;
  if (listed < 0) {
    owner_error(o, "list", r, O_LIST);
    return;
  }
  run.list_calls++;
  if (listed == 0) run.empty_lists++;
  /* Fresh: not on the previous list (the only memory of what was approved, as in load.mjs). */
  size_t fresh = 0;
  for (size_t i = 0; i < list->count; i++) {
    struct list_entry *e = &list->entries[i];
    e->fresh = 1;
    for (size_t j = 0; j < previous->count && e->fresh; j++) {
      const struct list_entry *seen = &previous->entries[j];
      if (seen->id_len == e->id_len &&
          memcmp(previous->text.data + seen->id_at, list->text.data + e->id_at, e->id_len) == 0)
        e->fresh = 0;
    }
    fresh += (size_t)e->fresh;
  }
  o->current = !o->current;
  o->next = 0;
  if (fresh == 0) {
    /* Only requests answered already: a race with this device's own approval (or a
     * provider that keeps answered requests listed). Pause instead of spinning. */
    o->state = O_PAUSE;
    o->after_pause = O_LIST;
    o->deadline = mono_us() + OWNER_REPEAT_PAUSE_US;
    return;
  }
  owner_approve_next(o);
}

static void owner_send_approval(struct owner *o) {
  const struct request_list *list = &o->lists[o->current];
  const struct list_entry *e = &list->entries[o->next++];
  o->approving = e->flow;
  if (e->flow >= 0) run.sent_at[e->flow] = wall_ms();
  o->state = O_APPROVE;
  o->deadline = NEVER;
  owner_request(o, "POST", "/approve", list->text.data + e->id_at, e->id_len, run.timeout_us);
}

static void owner_approve_next(struct owner *o) {
  const struct request_list *list = &o->lists[o->current];
  if (run.draining) {
    owner_stop(o);
    return;
  }
  while (o->next < list->count && !list->entries[o->next].fresh) o->next++;
  if (o->next == list->count) {
    owner_list(o);
    return;
  }
  if (run.think_ms > 0) {
    /* Think time drawn uniformly from [0.5, 1.5] x the mean, so owners do not answer in lockstep. */
    o->state = O_THINK;
    o->deadline = mono_us() + (int64_t)(run.think_ms * (0.5 + rng_unit()) * 1000);
    return;
  }
  owner_send_approval(o);
}

static void owner_on_approved(struct owner *o, const struct response *r) {
  if (!r->ok || r->status >= 300) {
    owner_error(o, "approve", r, O_APPROVE);
    return;
  }
  if (o->approving >= 0) run.done_at[o->approving] = wall_ms();
  owner_approve_next(o);
}

static void owner_on_response(struct owner *o, const struct response *r) {
  if (o->state == O_LIST)
    owner_on_list(o, r);
  else if (o->state == O_APPROVE)
    owner_on_approved(o, r);
}

static void owner_on_timer(struct owner *o, int64_t now) {
  if (o->deadline > now) return;
  o->deadline = NEVER;
  if (o->state == O_THINK) {
    owner_send_approval(o);
  } else if (o->state == O_PAUSE) {
    if (o->after_pause == O_LIST)
      owner_list(o);
    else
      owner_approve_next(o);
  }
}

static void deliver(struct client_conn *c, const struct response *r) {
  if (c->kind == ACTOR_WORKER)
    worker_on_response(&run.workers[c->actor], r);
  else
    owner_on_response(&run.owners[c->actor], r);
}

/* A connection's timeout or deferred failure, reported to its owner. */
static void conn_on_timer(struct client_conn *c, int64_t now) {
  if (c->deadline > now) return;
  if (c->state == C_FAILED) {
    c->state = C_CLOSED;
  } else if (c->state == C_CONNECTING || c->state == C_SENDING || c->state == C_RECEIVING) {
    conn_close(c);
    snprintf(c->error, sizeof c->error, "no response in time");
  } else {
    c->deadline = NEVER;
    return;
  }
  c->deadline = NEVER;
  struct response r = {0, 0, NULL, 0, c->error};
  deliver(c, &r);
}

/* ------------------------------------------------------------------------------------------ */
/* The ping listener: the clients' notification endpoint (CIBA §10.2), keep-alive HTTP/1.1. */

struct ping_conn {
  int fd;
  unsigned serial;
  struct buffer in, out;
  size_t out_sent;
  size_t head_scan;
  int head_done;
  size_t body_at;
  long long content_length;
  int chunked_body;
  struct chunked chunks;
  size_t auth_at, auth_len;
  int64_t last_activity;
};

static int listener_fd = -1;
static int64_t listener_paused_until;
static struct ping_conn *ping_conns;
static size_t ping_high; /* slots in use lie below */

static void ping_close(struct ping_conn *p) {
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
  buffer_free(&p->in);
  buffer_free(&p->out);
  while (ping_high > 0 && ping_conns[ping_high - 1].fd < 0) ping_high--;
}

static int ping_flush(struct ping_conn *p) {
  while (p->out_sent < p->out.len) {
    ssize_t n = write(p->fd, p->out.data + p->out_sent, p->out.len - p->out_sent);
    if (n > 0)
      p->out_sent += (size_t)n;
    else if (n < 0 && errno == EINTR)
      continue;
    else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return 0;
    else
      return -1;
  }
  p->out.len = p->out_sent = 0;
  return 0;
}

static int ping_answer(struct ping_conn *p, const char *answer) {
  size_t n = strlen(answer);
  if (buffer_room(&p->out, n, MAX_PING_OUTPUT) < 0) return -1; /* a client that does not read */
  memcpy(p->out.data + p->out.len, answer, n);
  p->out.len += n;
  return ping_flush(p);
}

static void ping_bad_request(struct ping_conn *p) {
  static const char answer[] = "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
  p->out.len = p->out_sent = 0;
  if (buffer_room(&p->out, sizeof answer, MAX_PING_OUTPUT) == 0) {
    memcpy(p->out.data, answer, sizeof answer - 1);
    p->out.len = sizeof answer - 1;
    ping_flush(p);
  }
  ping_close(p);
}

static int ping_parse_head(struct ping_conn *p, size_t head_end) {
  const char *data = p->in.data;
  const char *end = data + head_end - 2;
  const char *line = find_crlf(data, end + 2) + 2;
  p->content_length = 0;
  p->chunked_body = 0;
  p->auth_at = p->auth_len = 0;
  while (line < end) {
    const char *line_end = find_crlf(line, end + 2);
    const char *colon = memchr(line, ':', (size_t)(line_end - line));
    if (colon && colon > line) {
      const char *name = line, *name_end = colon, *value = colon + 1, *value_end = line_end;
      trim(&name, &name_end);
      trim(&value, &value_end);
      size_t name_len = (size_t)(name_end - name);
      if (equals_ignoring_case(name, name_len, "authorization")) {
        p->auth_at = (size_t)(value - data);
        p->auth_len = (size_t)(value_end - value);
      } else if (equals_ignoring_case(name, name_len, "content-length")) {
        p->content_length = parse_length(value, (size_t)(value_end - value));
        if (p->content_length < 0 || p->content_length > MAX_PING_REQUEST) return -1;
      } else if (equals_ignoring_case(name, name_len, "transfer-encoding")) {
        p->chunked_body = lists_token(value, value_end, "chunked");
      }
    }
    line = line_end + 2;
  }
  p->body_at = head_end;
  if (p->chunked_body) chunked_init(&p->chunks, head_end);
  p->head_done = 1;
  return 0;
}

/* A ping carrying a registered token: the 204 is written first, then the flow goes on. */
static void ping_handle(struct ping_conn *p) {
  double arrived = wall_ms();
  const char *auth = p->in.data + p->auth_at;
  struct worker *resume = NULL;
  int slot = -1;
  if (p->auth_len > 7 && memcmp(auth, "Bearer ", 7) == 0) slot = waiter_find(auth + 7, p->auth_len - 7);
  if (slot < 0) {
    run.pings_unexpected++;
    if (ping_answer(p, "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n") < 0) ping_close(p);
    return;
  }
  run.pings_received++;
  int worker = run.waiters[slot].worker;
  run.waiters[slot].worker = -2;
  if (worker >= 0) {
    struct worker *w = &run.workers[worker];
    w->ping = PING_ARRIVED;
    w->t_ping = arrived;
    w->waiter = -1;
    if (w->state == W_WAIT_PING) resume = w;
  }
  if (ping_answer(p, "HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n") < 0) ping_close(p);
  if (resume) {
    resume->deadline = NEVER;
    worker_send_token(resume);
  }
}

/* Answers every complete request in the connection's buffer. */
static void ping_process(struct ping_conn *p) {
  while (p->fd >= 0 && p->in.len) {
    if (!p->head_done) {
      size_t from = p->head_scan > 3 ? p->head_scan - 3 : 0;
      size_t head_end = find_head_end(p->in.data, p->in.len, from);
      p->head_scan = p->in.len;
      if (!head_end) {
        if (p->in.len > MAX_HEAD) ping_bad_request(p);
        return;
      }
      if (ping_parse_head(p, head_end) < 0) {
        ping_bad_request(p);
        return;
      }
    }
    size_t end;
    if (p->chunked_body) {
      int r = chunked_step(p->in.data, p->in.len, &p->chunks, MAX_PING_REQUEST, &end);
      if (r < 0) {
        ping_bad_request(p);
        return;
      }
      if (r == 0) return;
    } else {
      if (p->in.len - p->body_at < (size_t)p->content_length) return;
      end = p->body_at + (size_t)p->content_length;
    }
    ping_handle(p);
    if (p->fd < 0) return;
    memmove(p->in.data, p->in.data + end, p->in.len - end);
    p->in.len -= end;
    p->head_done = 0;
    p->head_scan = 0;
  }
}

static void ping_on_ready(struct ping_conn *p, short revents, int64_t now) {
  p->last_activity = now;
  if ((revents & POLLOUT) && ping_flush(p) < 0) {
    ping_close(p);
    return;
  }
  if (!(revents & (POLLIN | POLLHUP | POLLERR))) return;
  int eof = 0;
  for (;;) {
    if (buffer_room(&p->in, 2048, MAX_PING_REQUEST + MAX_HEAD) < 0 && p->in.len == p->in.cap) {
      ping_bad_request(p);
      return;
    }
    size_t room = p->in.cap - p->in.len;
    ssize_t n = read(p->fd, p->in.data + p->in.len, room);
    if (n > 0) {
      p->in.len += (size_t)n;
      if ((size_t)n < room) break;
    } else if (n == 0) {
      eof = 1;
      break;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else {
      ping_close(p);
      return;
    }
  }
  ping_process(p);
  if (eof && p->fd >= 0) ping_close(p);
}

static void listener_on_ready(int64_t now) {
  for (;;) {
    int fd = accept(listener_fd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      /* Out of descriptors: stop accepting for a moment rather than spin on the backlog. */
      if (errno != EAGAIN && errno != EWOULDBLOCK) listener_paused_until = now + ACCEPT_BACKOFF_US;
      return;
    }
    size_t slot = 0;
    while (slot < ping_high && ping_conns[slot].fd >= 0) slot++;
    if (slot == MAX_PING_CONNECTIONS || set_socket_options(fd) < 0) {
      close(fd);
      continue;
    }
    struct ping_conn *p = &ping_conns[slot];
    memset(p, 0, sizeof *p);
    p->fd = fd;
    p->serial = ++conn_serials;
    p->last_activity = now;
    if (slot == ping_high) ping_high++;
  }
}

static int listener_start(void) {
  struct sockaddr_in address;
  socklen_t len = sizeof address;
  int one = 1;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  listener_fd = socket(AF_INET, SOCK_STREAM, 0);
  if (listener_fd < 0) return -1;
  setsockopt(listener_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int flags = fcntl(listener_fd, F_GETFL);
  if (flags < 0 || fcntl(listener_fd, F_SETFL, flags | O_NONBLOCK) < 0) return -1;
  if (bind(listener_fd, (struct sockaddr *)&address, sizeof address) < 0) return -1;
  if (listen(listener_fd, 1024) < 0) return -1;
  if (getsockname(listener_fd, (struct sockaddr *)&address, &len) < 0) return -1;
  return ntohs(address.sin_port);
}

/* ------------------------------------------------------------------------------------------ */
/* Run control */

static struct config config;

static void config_clear(struct config *c) {
  free(c->tag);
  free(c->backchannel);
  free(c->token);
  free(c->devices);
  free(c->authorization);
  for (size_t i = 0; i < c->owner_count; i++) {
    free(c->owners[i].login_hint);
    free(c->owners[i].credential);
  }
  free(c->owners);
  memset(c, 0, sizeof *c);
}

static void refuse(const char *why) {
  printf("ERROR %s\n", why);
  fflush(stdout);
}

/* A bad configuration line: remembered, and reported as the run's one answer at GO, so each
 * GO gets exactly one DONE or ERROR. */
static void complain(const char *why) {
  if (!config.error[0]) snprintf(config.error, sizeof config.error, "%s", why);
}

static char *copy_text(const char *s) {
  size_t n = strlen(s) + 1;
  char *copy = malloc(n);
  if (copy) memcpy(copy, s, n);
  return copy;
}

static void run_release(void) {
  for (int i = 0; i < run.concurrency; i++)
    for (int k = 0; k < 2; k++) conn_release(&run.workers[i].conn[k]);
  for (int i = 0; i < run.owner_count; i++) {
    struct owner *o = &run.owners[i];
    conn_release(&o->conn);
    for (int k = 0; k < 2; k++) {
      buffer_free(&o->lists[k].text);
      free(o->lists[k].entries);
    }
    free(o->login_hint);
    free(o->credential);
  }
  free(run.workers);
  free(run.owners);
  free(run.waiters);
  free(run.t0);
  free(run.t_ack);
  free(run.t_ping);
  free(run.t_token);
  free(run.interval);
  free(run.polls);
  free(run.done);
  free(run.sent_at);
  free(run.done_at);
  free(run.tag);
  free(run.backchannel.path);
  free(run.token.path);
  free(run.devices.path);
  buffer_free(&run.form_headers);
  buffer_free(&run.scratch);
  memset(&run, 0, sizeof run);
}

static void run_start(void) {
  char why[512];
  struct config *c = &config;
  if (!c->mode_set) {
    refuse("mode missing (ping or poll)");
    return;
  }
  if (c->flows < 0 || c->warmup < 0 || c->cooldown < 0 || c->flows > MAX_TOTAL_FLOWS ||
      c->warmup > MAX_TOTAL_FLOWS || c->cooldown > MAX_TOTAL_FLOWS ||
      c->warmup + c->flows + c->cooldown > MAX_TOTAL_FLOWS) {
    refuse("flow counts out of range");
    return;
  }
  long long total = c->warmup + c->flows + c->cooldown;
  if (c->concurrency < 1 || c->concurrency > MAX_CONCURRENCY) {
    refuse("concurrency out of range");
    return;
  }
  if ((long long)c->owner_count < c->concurrency) {
    snprintf(why, sizeof why, "target has %zu owners < %lld", c->owner_count, c->concurrency);
    refuse(why);
    return;
  }
  if (!(c->think_ms >= 0 && c->think_ms < 1e9) || !(c->timeout_ms > 0 && c->timeout_ms < 1e10)) {
    refuse("think or timeout out of range");
    return;
  }
  if (!c->backchannel || !c->token || !c->devices || !c->authorization) {
    refuse("backchannel, token, devices and authorization are required");
    return;
  }
  if (strlen(c->tag ? c->tag : "") > MAX_TAG) {
    refuse("tag too long");
    return;
  }

  memset(&run, 0, sizeof run);
  if (parse_endpoint(c->backchannel, &run.backchannel, why, sizeof why) < 0 ||
      parse_endpoint(c->token, &run.token, why, sizeof why) < 0 ||
      parse_endpoint(c->devices, &run.devices, why, sizeof why) < 0) {
    run_release();
    refuse(why);
    return;
  }
  run.poll_mode = c->poll_mode;
  run.flows = c->flows;
  run.warmup = c->warmup;
  run.cooldown = c->cooldown;
  run.total = total;
  run.concurrency = (int)c->concurrency;
  run.owner_count = (int)c->owner_count;
  run.think_ms = c->think_ms;
  run.timeout_ms = c->timeout_ms;
  run.timeout_us = (int64_t)(c->timeout_ms * 1000);
  run.tag = copy_text(c->tag ? c->tag : "");
  run.token_slot = run.token.port == run.backchannel.port ? 0 : 1;
  size_t measured_slots = run.flows > 0 ? (size_t)run.flows : 1;
  size_t flow_slots = total > 0 ? (size_t)total : 1;
  run.waiter_count = 2 * (size_t)run.concurrency + 16;
  run.workers = calloc((size_t)run.concurrency, sizeof *run.workers);
  run.owners = calloc(c->owner_count, sizeof *run.owners);
  run.waiters = calloc(run.waiter_count, sizeof *run.waiters);
  run.t0 = calloc(measured_slots, sizeof(double));
  run.t_ack = calloc(measured_slots, sizeof(double));
  run.t_ping = calloc(measured_slots, sizeof(double));
  run.t_token = calloc(measured_slots, sizeof(double));
  run.interval = calloc(measured_slots, sizeof(double));
  run.polls = calloc(measured_slots, sizeof(uint16_t));
  run.done = calloc(measured_slots, 1);
  run.sent_at = malloc(flow_slots * sizeof(double));
  run.done_at = malloc(flow_slots * sizeof(double));
  if (!run.tag || !run.workers || !run.owners || !run.waiters || !run.t0 || !run.t_ack || !run.t_ping ||
      !run.t_token || !run.interval || !run.polls || !run.done || !run.sent_at || !run.done_at ||
      put(&run.form_headers, "authorization: ") < 0 || put(&run.form_headers, c->authorization) < 0 ||
      put(&run.form_headers,
          "\r\ncontent-type: application/x-www-form-urlencoded\r\naccept: application/json\r\n") < 0) {
    /* Ownership of the owners' strings has not moved yet: run_release frees none of them. */
    run.owner_count = 0;
    run.concurrency = 0;
    run_release();
    refuse("out of memory");
    return;
  }
  for (size_t i = 0; i < flow_slots; i++) run.sent_at[i] = run.done_at[i] = -1;
  for (size_t i = 0; i < run.waiter_count; i++) run.waiters[i].worker = -2;
  for (int i = 0; i < run.owner_count; i++) {
    struct owner *o = &run.owners[i];
    o->login_hint = c->owners[i].login_hint;
    o->credential = c->owners[i].credential;
    c->owners[i].login_hint = c->owners[i].credential = NULL;
    o->approving = -1;
    o->deadline = NEVER;
    conn_init(&o->conn, ACTOR_OWNER, i);
  }
  for (int i = 0; i < run.concurrency; i++) {
    struct worker *w = &run.workers[i];
    w->waiter = -1;
    w->deadline = NEVER;
    conn_init(&w->conn[0], ACTOR_WORKER, i);
    conn_init(&w->conn[1], ACTOR_WORKER, i);
  }
  config_clear(c);
  run.active = 1;

  /* The owner devices first, as load.mjs starts them before the workers. */
  for (int i = 0; i < run.owner_count; i++) owner_list(&run.owners[i]);
  int64_t now = mono_us();
  for (int i = 0; i < run.concurrency; i++) {
    struct worker *w = &run.workers[i];
    if (run.think_ms > 0) {
      /* With a think time, the workers' first requests are spread over one think time, so the
       * flows in flight are staggered rather than sent as one wave. */
      w->state = W_STAGGER;
      w->deadline = now + (int64_t)(rng_unit() * run.think_ms * 1000);
    } else {
      worker_next_flow(w);
    }
  }
}

static void print_time(double t) {
  if (t < 0)
    fputs(" -", stdout);
  else
    printf(" %.3f", t);
}

static void run_finish(void) {
  for (long long i = 0; i < run.flows; i++) {
    if (!run.done[i]) continue;
    long long n = i + run.warmup;
    printf("FLOW %lld", i);
    print_time(run.t0[i]);
    print_time(run.t_ack[i]);
    print_time(run.t_ping[i]);
    print_time(run.t_token[i]);
    printf(" %u", (unsigned)run.polls[i]);
    if (run.interval[i] < 0)
      fputs(" -", stdout);
    else
      printf(" %.17g", run.interval[i]);
    print_time(run.sent_at[n]);
    print_time(run.done_at[n]);
    putchar('\n');
  }
  for (int m = 1; m >= 0; m--)
    for (int s = 0; s < STEP_COUNT; s++)
      if (run.failures[m][s])
        printf("FAILED %s %s %lld\n", m ? "measured" : "warmup", STEP_NAMES[s], run.failures[m][s]);
  printf("COUNTERS %lld %lld %lld %lld %lld\n", run.owner_errors, run.list_calls, run.empty_lists,
         run.pings_received, run.pings_unexpected);
  /* stderr ends the run's error lines with a DONE of its own: the two pipes are read apart,
   * and the wrapper waits for both, so a run's errors never trail its result. */
  fputs("DONE\n", stderr);
  puts("DONE");
  fflush(stdout);
  run_release(); /* closes every connection of the run */
}

/* Every flow is done. As load.mjs's OwnerDevices.stop() does, the window closes now if no
 * cool-down flow closed it, the owners' long polls are abandoned, and approvals in flight
 * are let finish (bounded by their timeout), so their times are recorded; then the results. */
static void run_wind_down(void) {
  if (!run.draining) {
    run.draining = 1;
    if (!run.window_ended) {
      run.window_ended = 1;
      window_edge("END");
    }
    for (int i = 0; i < run.owner_count; i++)
      if (run.owners[i].state != O_APPROVE) owner_stop(&run.owners[i]);
  }
  for (int i = 0; i < run.owner_count; i++)
    if (run.owners[i].state == O_APPROVE) return;
  run_finish();
}

static int parse_count(const char *value, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(value, &end, 10);
  if (errno || end == value || *end) return -1;
  *out = v;
  return 0;
}

static int parse_real(const char *value, double *out) {
  char *end;
  double v = strtod(value, &end);
  if (end == value || *end) return -1;
  *out = v;
  return 0;
}

/* Where a text setting's value goes, or NULL if `key` names none. */
static char **text_setting(const char *key) {
  if (strcmp(key, "tag") == 0) return &config.tag;
  if (strcmp(key, "backchannel") == 0) return &config.backchannel;
  if (strcmp(key, "token") == 0) return &config.token;
  if (strcmp(key, "devices") == 0) return &config.devices;
  if (strcmp(key, "authorization") == 0) return &config.authorization;
  return NULL;
}

/* One configuration line: `key value`. */
static void config_line(char *line) {
  if (strcmp(line, "RUN") == 0) {
    config_clear(&config);
    config.receiving = 1;
    return;
  }
  if (strcmp(line, "GO") == 0) {
    if (!config.receiving)
      refuse("GO without RUN");
    else if (run.active)
      refuse("a run is in progress");
    else if (config.error[0])
      refuse(config.error);
    else
      run_start();
    config_clear(&config);
    return;
  }
  if (!config.receiving) return; /* not part of a run's configuration */
  char *value = strchr(line, ' ');
  if (!value) {
    complain("expected `key value`");
    return;
  }
  *value++ = '\0';
  int bad = 0;
  if (strcmp(line, "mode") == 0) {
    config.mode_set = strcmp(value, "ping") == 0 || strcmp(value, "poll") == 0;
    config.poll_mode = strcmp(value, "poll") == 0;
    bad = !config.mode_set;
  } else if (strcmp(line, "flows") == 0) {
    bad = parse_count(value, &config.flows);
  } else if (strcmp(line, "warmup") == 0) {
    bad = parse_count(value, &config.warmup);
  } else if (strcmp(line, "cooldown") == 0) {
    bad = parse_count(value, &config.cooldown);
  } else if (strcmp(line, "concurrency") == 0) {
    bad = parse_count(value, &config.concurrency);
  } else if (strcmp(line, "think") == 0) {
    bad = parse_real(value, &config.think_ms);
  } else if (strcmp(line, "timeout") == 0) {
    bad = parse_real(value, &config.timeout_ms);
  } else if (text_setting(line)) {
    char **slot = text_setting(line);
    free(*slot);
    *slot = copy_text(value);
    bad = !*slot;
  } else if (strcmp(line, "owner") == 0) {
    char *credential = strchr(value, ' ');
    if (!credential || config.owner_count >= MAX_OWNERS) {
      complain("owner: expected `owner <loginHint> <credential>`, at most 10000 of them");
      return;
    }
    *credential++ = '\0';
    if (config.owner_count == config.owner_cap) {
      size_t cap = config.owner_cap ? config.owner_cap * 2 : 64;
      struct owner_spec *owners = realloc(config.owners, cap * sizeof *owners);
      if (!owners) {
        complain("out of memory");
        return;
      }
      config.owners = owners;
      config.owner_cap = cap;
    }
    struct owner_spec *o = &config.owners[config.owner_count];
    o->login_hint = copy_text(value);
    o->credential = copy_text(credential);
    if (!o->login_hint || !o->credential) {
      free(o->login_hint);
      free(o->credential);
      complain("out of memory");
      return;
    }
    config.owner_count++;
  } else {
    bad = 1;
  }
  if (bad) {
    char why[128];
    snprintf(why, sizeof why, "bad configuration line for `%.60s`", line);
    complain(why);
  }
}

static struct buffer input;
static int input_overflow;

/* Reads what the wrapper wrote; 0 at the end of input. */
static int read_input(void) {
  if (buffer_room(&input, 4096, MAX_LINE + 4096) < 0) {
    /* A line longer than any configuration line: dropped up to its end. */
    input.len = 0;
    input_overflow = 1;
    if (buffer_room(&input, 4096, MAX_LINE + 4096) < 0) return 0;
  }
  ssize_t n = read(STDIN_FILENO, input.data + input.len, input.cap - input.len);
  if (n == 0) return 0;
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  input.len += (size_t)n;
  size_t start = 0;
  for (size_t i = 0; i < input.len; i++) {
    if (input.data[i] != '\n') continue;
    input.data[i] = '\0';
    if (i > start && input.data[i - 1] == '\r') input.data[i - 1] = '\0';
    if (input_overflow)
      complain("configuration line too long");
    else if (input.data[start])
      config_line(input.data + start);
    input_overflow = 0;
    start = i + 1;
  }
  memmove(input.data, input.data + start, input.len - start);
  input.len -= start;
  return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* The event loop */

enum ref_kind { REF_INPUT, REF_LISTENER, REF_PING, REF_CLIENT };

struct poll_ref {
  enum ref_kind kind;
  void *object;
  int fd;
  unsigned serial;
};

static struct pollfd *fds;
static struct poll_ref *refs;
static size_t fds_cap;

/* Adds a descriptor to the next poll. The set grows with the connections (each bounded). */
static void watch(size_t *n, int fd, short events, enum ref_kind kind, void *object, unsigned serial) {
  if (*n == fds_cap) {
    size_t cap = fds_cap ? fds_cap * 2 : 256;
    struct pollfd *f = realloc(fds, cap * sizeof *f);
    struct poll_ref *r = f ? realloc(refs, cap * sizeof *r) : NULL;
    if (f) fds = f;
    if (!r) {
      fprintf(stderr, "out of memory\n");
      exit(1);
    }
    refs = r;
    fds_cap = cap;
  }
  fds[*n].fd = fd;
  fds[*n].events = events;
  fds[*n].revents = 0;
  refs[*n].kind = kind;
  refs[*n].object = object;
  refs[*n].fd = fd;
  refs[*n].serial = serial;
  (*n)++;
}

static void watch_client(size_t *n, struct client_conn *c) {
  short events = 0;
  if (c->state == C_CONNECTING || c->state == C_SENDING)
    events = POLLOUT;
  else if (c->state == C_RECEIVING || c->state == C_IDLE)
    events = POLLIN;
  if (events && c->fd >= 0) watch(n, c->fd, events, REF_CLIENT, c, c->serial);
}

static int64_t earliest(int64_t a, int64_t b) { return a < b ? a : b; }

static int64_t next_deadline(void) {
  int64_t next = NEVER;
  if (listener_paused_until) next = listener_paused_until;
  for (size_t i = 0; i < ping_high; i++)
    if (ping_conns[i].fd >= 0)
      next = earliest(next, ping_conns[i].last_activity +
                                (ping_conns[i].in.len ? PING_PARTIAL_TIMEOUT_US : PING_IDLE_TIMEOUT_US));
  if (!run.active) return next;
  for (int i = 0; i < run.concurrency; i++) {
    struct worker *w = &run.workers[i];
    next = earliest(next, earliest(w->deadline, earliest(w->conn[0].deadline, w->conn[1].deadline)));
  }
  for (int i = 0; i < run.owner_count; i++)
    next = earliest(next, earliest(run.owners[i].deadline, run.owners[i].conn.deadline));
  for (size_t i = 0; i < run.waiter_count; i++)
    if (run.waiters[i].worker != -2) next = earliest(next, run.waiters[i].deadline);
  return next;
}

static void on_timers(void) {
  int64_t now = mono_us();
  if (listener_paused_until && listener_paused_until <= now) listener_paused_until = 0;
  for (size_t i = 0; i < ping_high; i++) {
    struct ping_conn *p = &ping_conns[i];
    if (p->fd >= 0 && p->last_activity + (p->in.len ? PING_PARTIAL_TIMEOUT_US : PING_IDLE_TIMEOUT_US) <= now)
      ping_close(p);
  }
  if (!run.active) return;
  for (size_t i = 0; i < run.waiter_count; i++) {
    struct waiter *waiter = &run.waiters[i];
    if (waiter->worker == -2 || waiter->deadline > now) continue;
    int worker = waiter->worker;
    waiter->worker = -2;
    if (worker < 0) continue;
    /* The flow learns of it when it is ready to wait for the ping, as an awaited rejection. */
    struct worker *w = &run.workers[worker];
    w->ping = PING_TIMED_OUT;
    w->waiter = -1;
    if (w->state == W_WAIT_PING) {
      char detail[64];
      snprintf(detail, sizeof detail, "no ping within %.0f ms", run.timeout_ms);
      worker_fail(w, STEP_PING, detail, NULL);
    }
  }
  for (int i = 0; i < run.concurrency; i++) {
    struct worker *w = &run.workers[i];
    worker_on_timer(w, now);
    conn_on_timer(&w->conn[0], now);
    conn_on_timer(&w->conn[1], now);
  }
  for (int i = 0; i < run.owner_count; i++) {
    owner_on_timer(&run.owners[i], now);
    conn_on_timer(&run.owners[i].conn, now);
  }
}

int main(void) {
  struct sigaction ignore;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, NULL); /* a peer's reset is an error code, not a signal */
  clock_init();
  rng_seed();
  ping_conns = calloc(MAX_PING_CONNECTIONS, sizeof *ping_conns);
  int port = listener_start();
  if (!ping_conns || port < 0) {
    fprintf(stderr, "ping listener: %s\n", strerror(errno));
    return 1;
  }
  for (size_t i = 0; i < MAX_PING_CONNECTIONS; i++) ping_conns[i].fd = -1;
  printf("READY %d\n", port);
  fflush(stdout);

  for (;;) {
    size_t n = 0;
    watch(&n, STDIN_FILENO, POLLIN, REF_INPUT, NULL, 0);
    if (!listener_paused_until) watch(&n, listener_fd, POLLIN, REF_LISTENER, NULL, 0);
    for (size_t i = 0; i < ping_high; i++) {
      struct ping_conn *p = &ping_conns[i];
      if (p->fd >= 0)
        watch(&n, p->fd, (short)(POLLIN | (p->out.len > p->out_sent ? POLLOUT : 0)), REF_PING, p, p->serial);
    }
    if (run.active) {
      for (int i = 0; i < run.concurrency; i++) {
        watch_client(&n, &run.workers[i].conn[0]);
        watch_client(&n, &run.workers[i].conn[1]);
      }
      for (int i = 0; i < run.owner_count; i++) watch_client(&n, &run.owners[i].conn);
    }
    int64_t now = mono_us();
    int64_t next = next_deadline();
    int timeout = 60000;
    if (next != NEVER) {
      int64_t wait = next <= now ? 0 : (next - now + 999) / 1000;
      if (wait < timeout) timeout = (int)wait;
    }
    int ready = poll(fds, (nfds_t)n, timeout);
    if (ready < 0 && errno != EINTR) {
      fprintf(stderr, "poll: %s\n", strerror(errno));
      return 1;
    }
    for (size_t i = 0; ready > 0 && i < n; i++) {
      short revents = fds[i].revents;
      if (!revents) continue;
      struct poll_ref *ref = &refs[i];
      if (ref->kind == REF_INPUT) {
        if (!read_input()) return 0; /* the wrapper is gone or done */
      } else if (ref->kind == REF_LISTENER) {
        listener_on_ready(mono_us());
      } else if (ref->kind == REF_PING) {
        struct ping_conn *p = ref->object;
        if (p->fd == ref->fd && p->serial == ref->serial) ping_on_ready(p, revents, mono_us());
      } else {
        struct client_conn *c = ref->object;
        if (run.active && c->fd == ref->fd && c->serial == ref->serial) conn_on_ready(c, revents);
      }
    }
    on_timers();
    if (run.active && run.workers_done == run.concurrency) run_wind_down();
  }
}
