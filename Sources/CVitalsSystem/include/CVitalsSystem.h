#ifndef VITALS_SYSTEM_H
#define VITALS_SYSTEM_H
/* Linux headers that Swift's Glibc module does not export. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/types.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>

/* Hands the allocator's free pages back to the system (malloc_trim); 1 if any were. */
int vitals_trim_heap(void);

/* The errno of a failed call, readable from Swift without touching errno's TLS macro. */
int vitals_errno(void);

/* Starts `path` for the exec probe under a keeper process (see keeper.c) and returns the
   keeper's pid, whose exit status is the plugin's. The plugin gets stdin from /dev/null, stdout
   and stderr on the given fds (blocking, as a plugin expects), no other fd, working directory
   `cwd`, a process group of its own, an empty signal mask and default dispositions. SIGTERM to
   the keeper, or the daemon's death, ends the plugin's whole tree (TERM, `grace_ms`, KILL),
   setsid escapees included. Returns 0 or an errno (exec failures included). */
int vitals_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                 int stdout_fd, int stderr_fd, int grace_ms, pid_t *pid);

/* A close-on-exec pipe whose read end (fds[0]) is non-blocking; the write end, the child's
   stdout or stderr, stays blocking. */
int vitals_pipe(int fds[2]);

/* pidfd_open(2): a descriptor that becomes readable when the process exits; -1 if the
   kernel has none. */
int vitals_pidfd_open(pid_t pid);

/* Whether `pid` has exited, WITHOUT reaping it (waitid with WNOWAIT): its pid, and so its
   process group id, cannot be reused until it is reaped, so the group can still be killed
   safely. Returns 1 exited, 0 running, -1 error; sets exit code or terminating signal. */
int vitals_exited(pid_t pid, int *exit_code, int *signal);

/* waitpid(2) decoded: returns the pid (or 0, or -1); sets exit code or terminating signal. */
pid_t vitals_waitpid(pid_t pid, int nohang, int *exit_code, int *signal);

/* CLOCK_REALTIME in nanoseconds: the clock of the kernel's receive timestamps (SO_TIMESTAMPNS). */
int64_t vitals_realtime_ns(void);

/* A non-blocking, close-on-exec ICMP (AF_INET) or ICMPv6 (AF_INET6) socket for echo requests:
   SOCK_DGRAM ("ping socket", allowed when the group is in net.ipv4.ping_group_range) or, with
   `raw`, SOCK_RAW (needs CAP_NET_RAW) with a socket filter passing only echo replies to
   identifier `id`. Receive timestamps are on. Returns the fd, or -1 with errno set. */
int vitals_echo_socket(int family, int raw, uint16_t id);

/* One datagram without waiting: its bytes (cut at `len`), its sender, and when the kernel
   received it (CLOCK_REALTIME ns, or now when the kernel gave no timestamp). Returns its
   length, or -1 with errno set (EAGAIN: nothing queued). */
ssize_t vitals_echo_recv(int fd, void *buf, size_t len, struct sockaddr_storage *from, int64_t *received_ns);
#endif
