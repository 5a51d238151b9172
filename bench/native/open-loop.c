// Native open-loop HTTP/1.1 latency generator for bench/: requests at a fixed rate over keep-alive
// connections, latency from each request's intended send time (coordinated omission corrected).
//
// Same flags and JSON summary as bench/open-loop.mjs; one thread, epoll + an absolute CLOCK_MONOTONIC
// timerfd (no busy polling), so its own dispatch lateness stays in the tens of microseconds where the Node
// generator's is a fraction of a millisecond. Only libc and Linux system calls. Loopback only.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define HEAD_LIMIT 65536     // bytes of a response head (or chunk-size / trailer line) before it is garbage
#define READ_BUFFER 65536    // bytes read per read(2)
#define RETRY_REFUSED_NS 10000000LL  // a connection that never opened is retried after 10 ms
#define START_DELAY_NS 50000000LL    // request 0 is due 50 ms after start, once connections are under way
#define TIMER_TAG UINT64_MAX

static const char usage[] =
    "usage: open-loop --target 127.0.0.1:PORT [--rate 1000] [--duration 10] [--warmup 1]\n"
    "                 [--connections 32] [--path /] [--drain 2]\n"
    "                 [--priority nice|realtime|normal]\n"
    "Sends --rate req/s for --warmup + --duration seconds; only the last --duration seconds are measured.\n"
    "Waits at most --drain seconds after the last request is due; unanswered requests count as errors.\n"
    "--priority: nice -20 (default), SCHED_FIFO 1 or unchanged; needs root or CAP_SYS_NICE, else unchanged.\n"
    "Prints JSON: p50/p90/p99/p999/max latency in ms from the intended send time, counts, errors and the\n"
    "generator's own timer lateness (how late each request was dispatched), which bounds its accuracy.\n";

/** Where a connection's response reader is. */
enum parse_state {
  P_HEAD,           // collecting the status line and headers up to the empty line
  P_LENGTH,         // skipping a Content-Length body
  P_CHUNK_LINE,     // collecting a chunk-size line
  P_CHUNK_DATA,     // skipping chunk data
  P_CHUNK_CRLF,     // the CRLF after chunk data
  P_TRAILER,        // trailer lines after the last chunk, up to an empty line
  P_UNTIL_CLOSE,    // a body delimited by the connection's end
};

struct conn {
  int fd;
  bool open;           // connected at least once since this socket was made
  bool idle_listed;    // on the idle stack
  long long index;     // request in flight, or -1
  size_t written;      // bytes of the request written so far
  long long retry_at;  // ns on CLOCK_MONOTONIC when to reconnect, or 0
  enum parse_state state;
  char *line;          // head / chunk line / trailer accumulator (HEAD_LIMIT bytes)
  size_t line_len;
  unsigned long long remaining;  // body or chunk bytes still to skip
  int status;
  bool close_after;    // the response asks to close the connection
};

struct run {
  const char *host;
  int port;
  double rate, duration_s, warmup_s, drain_s;
  int connections;
  const char *priority;  // "nice", "realtime" or "normal"
  char *request;
  size_t request_len;
  long long total, measured_from, next, settled, recorded;
  long long completed, errors, non2xx, reconnects, max_backlog;
  long long start_ns;
  double *latencies, *lags;  // ms
  long long *backlog;        // ring buffer of request indexes, oldest first
  long long backlog_head, backlog_len;
  struct conn *conns;
  int *idle;                 // stack of connection numbers (LIFO like the Node generator)
  int idle_len;
  int epoll_fd, timer_fd;
  struct sockaddr_in addr;
};

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long intended_ns(const struct run *r, long long i) {
  return r->start_ns + (long long)((double)i * 1e9 / r->rate);
}

static void die(const char *what) {
  fprintf(stderr, "open-loop: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void *alloc(size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size);
  if (!p) die("calloc");
  return p;
}

static void settle(struct run *r) { r->settled++; }

static void backlog_push(struct run *r, long long i) {
  r->backlog[(r->backlog_head + r->backlog_len) % r->total] = i;
  r->backlog_len++;
  if (r->backlog_len > r->max_backlog) r->max_backlog = r->backlog_len;
}

static long long backlog_shift(struct run *r) {
  if (r->backlog_len == 0) return -1;
  long long i = r->backlog[r->backlog_head];
  r->backlog_head = (r->backlog_head + 1) % r->total;
  r->backlog_len--;
  return i;
}

static void watch(struct run *r, int c, uint32_t events, int op) {
  struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)c};
  if (epoll_ctl(r->epoll_fd, op, r->conns[c].fd, &ev) < 0) die("epoll_ctl");
}

static void close_conn(struct run *r, int c, long long now);

/** Writes what is left of the request; waits for EPOLLOUT when the socket buffer is full. */
static void flush_request(struct run *r, int c, long long now) {
  struct conn *k = &r->conns[c];
  while (k->written < r->request_len) {
    ssize_t n = write(k->fd, r->request + k->written, r->request_len - k->written);
    if (n > 0) {
      k->written += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(r, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
      return;
    }
    close_conn(r, c, now);
    return;
  }
}

static void send_request(struct run *r, int c, long long i, long long now) {
  struct conn *k = &r->conns[c];
  k->index = i;
  k->written = 0;
  k->state = P_HEAD;
  k->line_len = 0;
  flush_request(r, c, now);
}

/** A connection is free: it takes the oldest waiting request, or goes on the idle stack. */
static void release(struct run *r, int c, long long now) {
  struct conn *k = &r->conns[c];
  k->index = -1;
  long long next = backlog_shift(r);
  if (next >= 0) {
    send_request(r, c, next, now);
  } else {
    r->idle[r->idle_len++] = c;
    k->idle_listed = true;
  }
}

static void start_connect(struct run *r, int c) {
  struct conn *k = &r->conns[c];
  k->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (k->fd < 0) die("socket");
  int one = 1;
  setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  k->open = false;
  k->index = -1;
  k->retry_at = 0;
  k->state = P_HEAD;
  k->line_len = 0;
  if (connect(k->fd, (struct sockaddr *)&r->addr, sizeof r->addr) < 0 && errno != EINPROGRESS) {
    // Refused at once: the close path below schedules the retry.
    watch(r, c, EPOLLOUT, EPOLL_CTL_ADD);
    return;
  }
  watch(r, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
}

/** A connection ended: a request in flight is an error; reconnect while requests are outstanding. */
static void close_conn(struct run *r, int c, long long now) {
  struct conn *k = &r->conns[c];
  if (k->fd < 0) return;
  epoll_ctl(r->epoll_fd, EPOLL_CTL_DEL, k->fd, NULL);
  close(k->fd);
  k->fd = -1;
  if (k->idle_listed) {
    for (int j = 0; j < r->idle_len; j++) {
      if (r->idle[j] == c) {
        memmove(&r->idle[j], &r->idle[j + 1], (size_t)(r->idle_len - j - 1) * sizeof(int));
        r->idle_len--;
        break;
      }
    }
    k->idle_listed = false;
  }
  if (k->index >= 0) {
    r->errors++;
    settle(r);
    k->index = -1;
  }
  if (r->settled < r->total) {
    r->reconnects++;
    k->retry_at = now + (k->open ? 0 : RETRY_REFUSED_NS);
    if (k->retry_at == 0) k->retry_at = 1;
  }
}

/** One whole response: count it, time it, then reuse or drop the connection. Returns false if closed. */
static bool response_done(struct run *r, int c, long long now) {
  struct conn *k = &r->conns[c];
  long long i = k->index;
  k->state = P_HEAD;
  k->line_len = 0;
  if (i < 0) return true;  // Unsolicited; nothing to account.
  if (k->status < 200 || k->status > 299) {
    r->non2xx++;
  } else {
    r->completed++;
    if (i >= r->measured_from) r->latencies[r->recorded++] = (double)(now - intended_ns(r, i)) / 1e6;
  }
  settle(r);
  if (k->close_after) {
    k->index = -1;
    close_conn(r, c, now);
    return false;
  }
  release(r, c, now);
  return k->fd >= 0;  // Sending the next waiting request can fail and close it.
}

static bool header_is(const char *name, size_t len, const char *want) {
  return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

static bool value_has(const char *value, size_t len, const char *token) {
  size_t t = strlen(token);
  for (size_t j = 0; j + t <= len; j++) {
    if (strncasecmp(value + j, token, t) == 0) return true;
  }
  return false;
}

/** Parses the status line and the headers that frame the body; false on garbage. */
static bool parse_head(struct conn *k, const char *head, size_t len) {
  const char *end = head + len;
  const char *eol = memchr(head, '\r', len);
  if (!eol) eol = end;
  if (eol - head < 12 || memcmp(head, "HTTP/1.", 7) != 0 || (head[7] != '0' && head[7] != '1') ||
      head[8] != ' ') {
    return false;
  }
  for (int j = 9; j < 12; j++) {
    if (head[j] < '0' || head[j] > '9') return false;
  }
  k->status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  bool close_after = head[7] == '0';
  bool chunked = false, has_length = false;
  unsigned long long length = 0;
  const char *p = eol;
  while (p < end) {
    while (p < end && (*p == '\r' || *p == '\n')) p++;
    if (p >= end) break;
    const char *line_end = memchr(p, '\r', (size_t)(end - p));
    if (!line_end) line_end = end;
    const char *colon = memchr(p, ':', (size_t)(line_end - p));
    if (!colon) return false;
    size_t name_len = (size_t)(colon - p);
    const char *v = colon + 1;
    while (v < line_end && (*v == ' ' || *v == '\t')) v++;
    const char *v_end = line_end;
    while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t')) v_end--;
    size_t v_len = (size_t)(v_end - v);
    if (header_is(p, name_len, "content-length")) {
      if (v_len == 0 || v_len > 18) return false;
      length = 0;
      for (size_t j = 0; j < v_len; j++) {
        if (v[j] < '0' || v[j] > '9') return false;
        length = length * 10 + (unsigned long long)(v[j] - '0');
      }
      has_length = true;
    } else if (header_is(p, name_len, "transfer-encoding")) {
      chunked = value_has(v, v_len, "chunked");
    } else if (header_is(p, name_len, "connection")) {
      close_after = value_has(v, v_len, "close");
    }
    p = line_end;
  }
  k->close_after = close_after;
  bool no_body = k->status < 200 || k->status == 204 || k->status == 304;
  if (no_body) {
    k->state = P_LENGTH;
    k->remaining = 0;
  } else if (chunked) {
    k->state = P_CHUNK_LINE;
    k->line_len = 0;
  } else if (has_length) {
    k->state = P_LENGTH;
    k->remaining = length;
  } else {
    k->state = P_UNTIL_CLOSE;  // No framing: the body runs to the connection's end.
    k->close_after = true;
  }
  return true;
}

/** Reads the chunk size at the start of the collected line (extensions after ';' ignored). */
static bool parse_chunk_size(const char *line, size_t len, unsigned long long *size) {
  size_t j = 0;
  unsigned long long n = 0;
  for (; j < len; j++) {
    char ch = line[j];
    int digit = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
    if (digit < 0) break;
    if (j >= 15) return false;
    n = n * 16 + (unsigned long long)digit;
  }
  if (j == 0) return false;
  *size = n;
  return true;
}

/**
 * Feeds received bytes to the connection's response reader, completing responses as their last byte
 * arrives. Returns false when the connection was closed (by a response asking for it, or garbage).
 */
static bool feed(struct run *r, int c, const char *data, size_t len, long long now) {
  struct conn *k = &r->conns[c];
  size_t at = 0;
  while (at < len) {
    switch (k->state) {
      case P_HEAD: {
        // Appends up to the end of the head, then parses it.
        size_t before = k->line_len;
        size_t take = len - at;
        if (before + take > HEAD_LIMIT) take = HEAD_LIMIT - before;
        memcpy(k->line + before, data + at, take);
        k->line_len += take;
        size_t scan = before >= 3 ? before - 3 : 0;
        char *found = memmem(k->line + scan, k->line_len - scan, "\r\n\r\n", 4);
        if (!found) {
          if (k->line_len >= HEAD_LIMIT) goto garbage;
          at += take;
          break;
        }
        size_t head_len = (size_t)(found - k->line);
        at += head_len + 4 - before;
        if (!parse_head(k, k->line, head_len)) goto garbage;
        k->line_len = 0;
        if (k->status >= 100 && k->status < 200 && k->status != 101) {
          k->state = P_HEAD;  // An interim response; the real one follows.
          break;
        }
        if (k->state == P_LENGTH && k->remaining == 0 && !response_done(r, c, now)) return false;
        break;
      }
      case P_LENGTH: {
        size_t take = len - at;
        if (take > k->remaining) take = (size_t)k->remaining;
        k->remaining -= take;
        at += take;
        if (k->remaining == 0 && !response_done(r, c, now)) return false;
        break;
      }
      case P_CHUNK_LINE:
      case P_TRAILER: {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t take = nl ? (size_t)(nl - (data + at)) + 1 : len - at;
        if (k->line_len + take > HEAD_LIMIT) goto garbage;
        memcpy(k->line + k->line_len, data + at, take);
        k->line_len += take;
        at += take;
        if (!nl) break;
        size_t content = k->line_len - 1;
        if (content > 0 && k->line[content - 1] == '\r') content--;
        k->line_len = 0;
        if (k->state == P_TRAILER) {
          if (content == 0 && !response_done(r, c, now)) return false;
          break;
        }
        unsigned long long size;
        if (!parse_chunk_size(k->line, content, &size)) goto garbage;
        if (size == 0) {
          k->state = P_TRAILER;
        } else {
          k->state = P_CHUNK_DATA;
          k->remaining = size;
        }
        break;
      }
      case P_CHUNK_DATA: {
        size_t take = len - at;
        if (take > k->remaining) take = (size_t)k->remaining;
        k->remaining -= take;
        at += take;
        if (k->remaining == 0) {
          k->state = P_CHUNK_CRLF;
          k->remaining = 2;
        }
        break;
      }
      case P_CHUNK_CRLF: {
        char want = k->remaining == 2 ? '\r' : '\n';
        if (data[at] != want) goto garbage;
        at++;
        if (--k->remaining == 0) k->state = P_CHUNK_LINE;
        break;
      }
      case P_UNTIL_CLOSE:
        at = len;
        break;
    }
  }
  return true;
garbage:
  close_conn(r, c, now);
  return false;
}

static void on_connection_event(struct run *r, int c, uint32_t events) {
  static char buffer[READ_BUFFER];
  struct conn *k = &r->conns[c];
  long long now = now_ns();
  if (!k->open) {
    int err = 0;
    socklen_t err_len = sizeof err;
    if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0 || err != 0 ||
        (events & (EPOLLERR | EPOLLHUP))) {
      close_conn(r, c, now);
      return;
    }
    if (!(events & EPOLLOUT)) return;
    k->open = true;
    watch(r, c, EPOLLIN, EPOLL_CTL_MOD);
    release(r, c, now);
    return;
  }
  if (events & EPOLLOUT) {
    watch(r, c, EPOLLIN, EPOLL_CTL_MOD);
    if (k->index >= 0) flush_request(r, c, now);
    if (k->fd < 0) return;
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
    ssize_t n = read(k->fd, buffer, sizeof buffer);
    now = now_ns();  // Time the response at the moment its bytes are in hand.
    if (n > 0) {
      feed(r, c, buffer, (size_t)n, now);
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    // End of stream: a body delimited by the close is complete now.
    if (k->state == P_UNTIL_CLOSE && k->index >= 0) {
      k->close_after = true;
      response_done(r, c, now);
      return;
    }
    close_conn(r, c, now);
  }
}

/** Dispatches every request now due: to an idle connection, or to the back of the backlog. */
static void dispatch_due(struct run *r) {
  for (;;) {
    if (r->next >= r->total) break;
    long long now = now_ns();
    long long due = intended_ns(r, r->next);
    if (due > now) break;
    long long i = r->next++;
    // Lateness of the generator's own timer, before any wait for a free connection (that wait is the
    // system under test's doing and is part of the measured latency).
    r->lags[i] = (double)(now - due) / 1e6;
    if (r->idle_len > 0) {
      int c = r->idle[--r->idle_len];
      r->conns[c].idle_listed = false;
      send_request(r, c, i, now);
    } else {
      backlog_push(r, i);
    }
  }
  struct itimerspec spec = {0};
  if (r->next < r->total) {
    long long due = intended_ns(r, r->next);
    spec.it_value.tv_sec = due / 1000000000LL;
    spec.it_value.tv_nsec = due % 1000000000LL;
  }
  if (timerfd_settime(r->timer_fd, TFD_TIMER_ABSTIME, &spec, NULL) < 0) die("timerfd_settime");
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/** The same rank rule as percentile() in bench/open-loop.mjs. */
static double percentile(const double *sorted, long long n, double p) {
  if (n == 0) return NAN;
  double rank = ceil((p / 100) * (double)n) - 1;
  if (rank < 0) rank = 0;
  if (rank > (double)(n - 1)) rank = (double)(n - 1);
  return sorted[(long long)rank];
}

/** Math.round(x * 1000) / 1000 as in JavaScript (halves round up). */
static double round3(double x) { return floor(x * 1000 + 0.5) / 1000; }

/** A JSON number the way JSON.stringify writes it closely enough (NaN as null). */
static void print_number(const char *key, double x, const char *after) {
  if (isfinite(x)) printf("\"%s\":%.15g%s", key, x, after);
  else printf("\"%s\":null%s", key, after);
}

static double parse_positive(const char *flag, const char *text, bool zero_ok) {
  char *end;
  double v = strtod(text, &end);
  if (*text == '\0' || *end != '\0' || !isfinite(v) || v < 0 || (!zero_ok && v == 0)) {
    fprintf(stderr, "open-loop: %s must be a %s number, got %s\n", flag,
            zero_ok ? "non-negative" : "positive", text);
    exit(2);
  }
  return v;
}

static void parse_args(struct run *r, int argc, char **argv, const char **path) {
  const char *target = NULL;
  r->rate = 1000;
  r->duration_s = 10;
  r->warmup_s = 1;
  r->drain_s = 2;
  r->connections = 32;
  r->priority = "nice";
  *path = "/";
  for (int a = 1; a < argc; a++) {
    const char *flag = argv[a];
    if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
      fputs(usage, stdout);
      exit(0);
    }
    if (a + 1 >= argc) {
      fprintf(stderr, "open-loop: %s needs a value\n%s", flag, usage);
      exit(2);
    }
    const char *value = argv[++a];
    if (strcmp(flag, "--target") == 0) target = value;
    else if (strcmp(flag, "--rate") == 0) r->rate = parse_positive(flag, value, false);
    else if (strcmp(flag, "--duration") == 0) r->duration_s = parse_positive(flag, value, false);
    else if (strcmp(flag, "--warmup") == 0) r->warmup_s = parse_positive(flag, value, true);
    else if (strcmp(flag, "--drain") == 0) r->drain_s = parse_positive(flag, value, true);
    else if (strcmp(flag, "--connections") == 0) r->connections = (int)parse_positive(flag, value, false);
    else if (strcmp(flag, "--path") == 0) *path = value;
    else if (strcmp(flag, "--priority") == 0 &&
             (strcmp(value, "nice") == 0 || strcmp(value, "realtime") == 0 || strcmp(value, "normal") == 0))
      r->priority = value;
    else {
      fprintf(stderr, "open-loop: unknown flag %s\n%s", flag, usage);
      exit(2);
    }
  }
  if (!target) {
    fputs(usage, stdout);
    exit(2);
  }
  const char *colon = strrchr(target, ':');
  if (!colon) {
    fprintf(stderr, "open-loop: --target must be 127.0.0.1:PORT\n");
    exit(2);
  }
  size_t host_len = (size_t)(colon - target);
  char *host = alloc(host_len + 1, 1);
  memcpy(host, target, host_len);
  if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "localhost") != 0) {
    fprintf(stderr, "open-loop: --target must be on 127.0.0.1\n");
    exit(2);
  }
  r->host = host;
  r->port = (int)parse_positive("--target port", colon + 1, false);
  if (r->port > 65535 || r->connections < 1 || r->connections > 65536) {
    fprintf(stderr, "open-loop: bad port or connection count\n");
    exit(2);
  }
}

int main(int argc, char **argv) {
  struct run run = {0};
  struct run *r = &run;
  const char *path;
  parse_args(r, argc, argv, &path);
  signal(SIGPIPE, SIG_IGN);
  // Timer slack lets the kernel defer a wake-up (50 µs by default); the timer is the measurement.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  // On 2 cores the proxies and the upstream keep both CPUs busy in bursts, and a timer wake-up at normal
  // priority can wait milliseconds for a time slice. Nice -20 gets the generator (a few percent of a CPU at
  // 1000 req/s) the CPU at once under load. SCHED_FIFO does that too, but measured here it raised the
  // direct P50 from 0.10 to 0.25-0.30 ms on a quiet machine (most likely the real-time class wakes the
  // generator on another CPU than the upstream it talks to, and a cross-CPU wake-up costs a VM exit).
  const char *policy = "normal";
  if (strcmp(r->priority, "nice") == 0 && setpriority(PRIO_PROCESS, 0, -20) == 0) policy = "nice -20";
  struct sched_param fifo = {.sched_priority = 1};
  if (strcmp(r->priority, "realtime") == 0 && sched_setscheduler(0, SCHED_FIFO, &fifo) == 0) policy = "fifo";

  r->total = llround((r->warmup_s + r->duration_s) * r->rate);
  r->measured_from = llround(r->warmup_s * r->rate);
  if (r->total < 1) {
    fprintf(stderr, "open-loop: nothing to send at this rate and duration\n");
    exit(2);
  }
  static const char request_format[] =
      "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: trellis-bench-open-loop\r\n\r\n";
  int request_len = snprintf(NULL, 0, request_format, path, r->host, r->port);
  r->request = alloc((size_t)request_len + 1, 1);
  snprintf(r->request, (size_t)request_len + 1, request_format, path, r->host, r->port);
  r->request_len = (size_t)request_len;
  r->latencies = alloc((size_t)r->total, sizeof(double));
  r->lags = alloc((size_t)r->total, sizeof(double));
  r->backlog = alloc((size_t)r->total, sizeof(long long));
  r->conns = alloc((size_t)r->connections, sizeof(struct conn));
  r->idle = alloc((size_t)r->connections, sizeof(int));
  r->addr.sin_family = AF_INET;
  r->addr.sin_port = htons((uint16_t)r->port);
  r->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (r->epoll_fd < 0) die("epoll_create1");
  r->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (r->timer_fd < 0) die("timerfd_create");
  struct epoll_event timer_event = {.events = EPOLLIN, .data.u64 = TIMER_TAG};
  if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, r->timer_fd, &timer_event) < 0) die("epoll_ctl timer");

  for (int c = 0; c < r->connections; c++) {
    r->conns[c].line = alloc(HEAD_LIMIT, 1);
    start_connect(r, c);
  }
  r->start_ns = now_ns() + START_DELAY_NS;
  long long deadline = intended_ns(r, r->total - 1) + (long long)(r->drain_s * 1e9);
  dispatch_due(r);  // Arms the timer for request 0.

  struct epoll_event events[64];
  while (r->settled < r->total) {
    long long now = now_ns();
    if (now >= deadline) break;
    // Sleep until the timer, the deadline or the earliest reconnect, whichever comes first (ms).
    long long wake = deadline;
    for (int c = 0; c < r->connections; c++) {
      const struct conn *k = &r->conns[c];
      if (k->fd < 0 && k->retry_at > 0 && k->retry_at < wake) wake = k->retry_at;
    }
    int timeout_ms = (int)((wake - now + 999999) / 1000000);
    int n = epoll_wait(r->epoll_fd, events, 64, timeout_ms);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    // The timer first: requests go out on time even when responses arrived in the same wake-up.
    // Re-arming the timer in dispatch_due clears its expiration count, so it need not be read.
    for (int e = 0; e < n; e++) {
      if (events[e].data.u64 == TIMER_TAG) dispatch_due(r);
    }
    for (int e = 0; e < n; e++) {
      if (events[e].data.u64 == TIMER_TAG) continue;
      int c = (int)events[e].data.u64;
      if (r->conns[c].fd >= 0) on_connection_event(r, c, events[e].events);
    }
    now = now_ns();
    for (int c = 0; c < r->connections && r->settled < r->total; c++) {
      struct conn *k = &r->conns[c];
      if (k->fd < 0 && k->retry_at > 0 && k->retry_at <= now) start_connect(r, c);
    }
  }
  long long unanswered = r->total - r->settled;

  qsort(r->latencies, (size_t)r->recorded, sizeof(double), compare_doubles);
  long long lag_count = r->total - r->measured_from;
  double *lag_sorted = r->lags + r->measured_from;
  qsort(lag_sorted, (size_t)lag_count, sizeof(double), compare_doubles);
  double sum = 0;
  for (long long j = 0; j < r->recorded; j++) sum += r->latencies[j];
  double max = r->recorded ? r->latencies[r->recorded - 1] : NAN;

  printf("{\"target\":\"%s:%d\",", r->host, r->port);
  print_number("rate", r->rate, ",");
  print_number("durationS", r->duration_s, ",");
  print_number("warmupS", r->warmup_s, ",");
  print_number("connections", r->connections, ",");
  print_number("sent", (double)r->total, ",");
  print_number("measured", (double)r->recorded, ",");
  print_number("completed", (double)r->completed, ",");
  print_number("non2xx", (double)r->non2xx, ",");
  print_number("errors", (double)(r->errors + unanswered), ",");
  print_number("reconnects", (double)r->reconnects, ",");
  print_number("maxBacklog", (double)r->max_backlog, ",");
  printf("\"schedPolicy\":\"%s\",", policy);
  printf("\"latencyMs\":{");
  print_number("p50", round3(percentile(r->latencies, r->recorded, 50)), ",");
  print_number("p90", round3(percentile(r->latencies, r->recorded, 90)), ",");
  print_number("p99", round3(percentile(r->latencies, r->recorded, 99)), ",");
  print_number("p999", round3(percentile(r->latencies, r->recorded, 99.9)), ",");
  print_number("max", round3(max), ",");
  print_number("mean", round3(sum / (double)(r->recorded ? r->recorded : 1)), "},");
  printf("\"schedulingLagMs\":{");
  print_number("p50", round3(percentile(lag_sorted, lag_count, 50)), ",");
  print_number("p99", round3(percentile(lag_sorted, lag_count, 99)), "}}\n");
  fflush(stdout);

  for (int c = 0; c < r->connections; c++) {
    if (r->conns[c].fd >= 0) close(r->conns[c].fd);
    free(r->conns[c].line);
  }
  close(r->timer_fd);
  close(r->epoll_fd);
  free(r->conns);
  free(r->idle);
  free(r->backlog);
  free(r->lags);
  free(r->latencies);
  free(r->request);
  free((char *)r->host);
  return 0;
}
