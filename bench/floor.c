/*
 * bench/floor.c — the cost floor of one wsesslog session: what the kernel (and a minimal C
 * client) spends to replay one session over one keep-alive connection, the way loadgen and
 * httperf do (each burst: its first request alone, then the rest pipelined in one write).
 *
 *   cc -O2 -o floor bench/floor.c
 *   ./floor HOST PORT SESSIONFILE SESSIONS      prints one line of figures (see the end)
 *
 * It runs the sessions one after another with blocking sockets and no timers, so the CPU time
 * it reports (getrusage: user and system) is the least any client can pay per session on this
 * machine: connect, 2 writes per burst, the reads, close. No measurement, no scheduling, no
 * error handling beyond stopping. Loopback delivery work the kernel does in the sender's context
 * is charged here as it is to every generator.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_REQ 256
#define BUF (1 << 20)

static char *uris[MAX_REQ];
static int burst_start[MAX_REQ]; /* 1 when the request opens a burst */
static int nreq;
static char rbuf[BUF];

static void die(const char *what) { perror(what); exit(1); }

/* Session file: a line that starts with a non-blank opens a burst, an indented one joins it. */
static void load(const char *path) {
  FILE *f = fopen(path, "r");
  char line[4096];
  if (!f) die(path);
  while (fgets(line, sizeof line, f) && nreq < MAX_REQ) {
    char *p = line;
    int indented = (*p == ' ' || *p == '\t');
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '#' || *p == '\n' || *p == '\0') continue;
    p[strcspn(p, " \t\r\n")] = '\0';
    uris[nreq] = strdup(p);
    burst_start[nreq++] = !indented;
  }
  fclose(f);
}

/* Append "GET uri HTTP/1.1" with a Host header to out; returns the new length. */
static size_t request(char *out, size_t len, const char *uri, const char *host) {
  return len + (size_t)sprintf(out + len, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: floor\r\n\r\n", uri, host);
}

/* Read until `want` complete replies (Content-Length framed) have arrived. */
static void read_replies(int fd, int want) {
  size_t have = 0;
  while (want > 0) {
    ssize_t n = read(fd, rbuf + have, BUF - have);
    if (n <= 0) die("read");
    have += (size_t)n;
    for (;;) {
      char *end = memmem(rbuf, have, "\r\n\r\n", 4);
      if (!end) break;
      size_t head = (size_t)(end - rbuf) + 4, body = 0;
      for (char *p = rbuf; p + 17 < end; p++)
        if (strncasecmp(p, "\r\ncontent-length:", 17) == 0) { body = strtoul(p + 17, NULL, 10); break; }
      if (have < head + body) break;
      memmove(rbuf, rbuf + head + body, have - head - body);
      have -= head + body;
      want--;
    }
  }
}

static void one_session(struct sockaddr_in *addr, const char *host) {
  static char out[MAX_REQ * 512];
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  if (fd < 0) die("socket");
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)addr, sizeof *addr) < 0) die("connect");
  for (int i = 0; i < nreq;) {
    size_t len = request(out, 0, uris[i], host); /* the burst's first call, alone */
    if (write(fd, out, len) != (ssize_t)len) die("write");
    read_replies(fd, 1);
    int j = i + 1;
    len = 0;
    while (j < nreq && !burst_start[j]) len = request(out, len, uris[j++], host);
    if (len > 0) {
      if (write(fd, out, len) != (ssize_t)len) die("write");
      read_replies(fd, j - i - 1);
    }
    i = j;
  }
  close(fd);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: floor HOST PORT SESSIONFILE SESSIONS\n");
    return 2;
  }
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) die("address");
  load(argv[3]);
  long sessions = atol(argv[4]);
  struct timeval t0, t1;
  gettimeofday(&t0, NULL);
  for (long s = 0; s < sessions; s++) one_session(&addr, argv[1]);
  gettimeofday(&t1, NULL);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  double sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
  printf("sessions %ld requests %ld wall_s %.3f user_us_per_session %.1f sys_us_per_session %.1f total_us_per_session %.1f\n",
         sessions, sessions * nreq, wall, 1e6 * user / sessions, 1e6 * sys / sessions, 1e6 * (user + sys) / sessions);
  return 0;
}
