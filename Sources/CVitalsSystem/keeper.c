/* The plugin keeper: how the exec probe ends a plugin's whole process tree.
 *
 * A plugin is not started directly by the daemon. The daemon forks a keeper, a copy of itself
 * that never returns to Swift and calls only async-signal-safe functions (the daemon has many
 * threads; after fork only this one exists). The keeper marks itself a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so every process the plugin leaves behind, one that called setsid
 * included, becomes the keeper's child when its parent dies, instead of init's. The keeper
 * starts the plugin in a process group of its own and waits. When the plugin exits, the keeper
 * kills the group and then, level by level, every orphan that was handed to it, reaps them all,
 * and exits with the plugin's own status (a signal is re-raised, so the daemon sees the same
 * "killed by signal N"). SIGTERM from the daemon (timeout or shutdown), or the daemon's death
 * (its parent changes), makes the keeper TERM the group, wait `grace_ms`, then KILL everything.
 * A cgroup would do the same with delegation a container rarely has; the keeper needs nothing.
 */
#define _GNU_SOURCE
#include "CVitalsSystem.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void close_from(int lowest) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0) return;
#endif
    for (int fd = lowest; fd < 65536; fd++) close(fd);
}

static void write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        c += w;
        n -= (size_t)w;
    }
}

/* The parent pid in /proc/PID/stat (the field after the state that follows the last ')'). */
static pid_t parent_of(int proc_fd, const char *name) {
    char path[64];
    size_t i = 0;
    for (; name[i] && i < 40; i++) path[i] = name[i];
    const char *tail = "/stat";
    for (size_t j = 0; tail[j]; j++) path[i++] = tail[j];
    path[i] = 0;
    int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *close_paren = 0;
    for (ssize_t k = 0; k < n; k++) if (buf[k] == ')') close_paren = buf + k;
    if (!close_paren || close_paren[1] != ' ' || !close_paren[2] || close_paren[3] != ' ') return -1;
    pid_t ppid = 0;
    for (char *d = close_paren + 4; *d >= '0' && *d <= '9'; d++) ppid = ppid * 10 + (*d - '0');
    return ppid;
}

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* SIGKILLs every child of this process; returns how many it found. */
static int kill_children(void) {
    int proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (proc_fd < 0) return 0;
    pid_t self = getpid();
    int found = 0;
    char buf[8192];
    long n;
    while ((n = syscall(SYS_getdents64, proc_fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            off += d->d_reclen;
            pid_t pid = 0;
            const char *c = d->d_name;
            for (; *c >= '0' && *c <= '9'; c++) pid = pid * 10 + (*c - '0');
            if (*c || pid <= 0 || pid == self) continue;
            if (parent_of(proc_fd, d->d_name) == self) {
                kill(pid, SIGKILL);
                found++;
            }
        }
    }
    close(proc_fd);
    return found;
}

/* Waits up to `ms` for a SIGCHLD or SIGTERM (both blocked); returns the signal or 0. */
static int wait_signal(const sigset_t *set, long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    int sig;
    do { sig = sigtimedwait(set, 0, &t); } while (sig < 0 && errno == EINTR);
    return sig < 0 ? 0 : sig;
}

/* 1 with the status if the plugin has exited (not reaped: its group id stays reserved). */
static int plugin_exited(pid_t plugin, int *status) {
    siginfo_t info;
    info.si_pid = 0;
    if (waitid(P_PID, (id_t)plugin, &info, WEXITED | WNOHANG | WNOWAIT) < 0) return errno == ECHILD;
    if (info.si_pid == 0) return 0;
    *status = info.si_code == CLD_EXITED ? (info.si_status << 8) : (info.si_status & 0x7f);
    return 1;
}

/* Reaps exited orphans, leaving the plugin itself to plugin_exited. */
static void reap_orphans(pid_t plugin) {
    for (;;) {
        siginfo_t info;
        info.si_pid = 0;
        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0 || info.si_pid == plugin) return;
        waitpid(info.si_pid, 0, 0);
    }
}

/* After the plugin's group is killed: kill and reap every process handed to the keeper, and
   those handed to it as they die, until it has no child left. */
static void end_orphans(const sigset_t *set) {
    for (int round = 0; round < 1000; round++) {
        while (waitpid(-1, 0, WNOHANG) > 0) {}
        if (waitpid(-1, 0, WNOHANG) < 0 && errno == ECHILD) return;
        kill_children();
        wait_signal(set, 5);
    }
}

static void __attribute__((noreturn)) keeper(const char *path, char *const argv[], char *const envp[], const char *cwd,
                                             int stdout_fd, int stderr_fd, int report_fd, pid_t daemon, int grace_ms) {
    sigset_t all, watched;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, 0);
    /* The daemon ignores or traps signals; an ignored SIGCHLD would make children unreapable. */
    struct sigaction dfl;
    dfl.sa_handler = SIG_DFL;
    dfl.sa_flags = 0;
    sigemptyset(&dfl.sa_mask);
    for (int s = 1; s < NSIG; s++) if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, 0);
    sigemptyset(&watched);
    sigaddset(&watched, SIGCHLD);
    sigaddset(&watched, SIGTERM);
    int error = 0;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (getppid() != daemon) _exit(127);

    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) {
        error = errno;
        write_all(report_fd, &error, sizeof error);
        _exit(127);
    }
    if (report_fd != 3) { dup2(report_fd, 3); report_fd = 3; }
    close_from(4);
    int exec_report[2];
    if (pipe2(exec_report, O_CLOEXEC) < 0) {
        error = errno;
        write_all(report_fd, &error, sizeof error);
        _exit(127);
    }
    pid_t plugin = fork();
    if (plugin == 0) {
        close(report_fd);
        close(exec_report[0]);
        setpgid(0, 0);
        if (cwd && chdir(cwd) < 0) {
            error = errno;
        } else {
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, 0);
            execve(path, argv, envp);
            error = errno;
        }
        write_all(exec_report[1], &error, sizeof error);
        _exit(127);
    }
    if (plugin < 0) error = errno;
    else setpgid(plugin, plugin); /* both sides, so the group exists before either goes on */
    close(exec_report[1]);
    if (plugin > 0) {
        ssize_t n;
        do { n = read(exec_report[0], &error, sizeof error); } while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof error) error = 0;
    }
    close(exec_report[0]);
    write_all(report_fd, &error, sizeof error);
    close(report_fd);
    /* Only the plugin's tree holds the output pipes now: their end of file is its end. */
    dup2(0, 1);
    dup2(0, 2);
    if (error) {
        if (plugin > 0) waitpid(plugin, 0, 0);
        _exit(127);
    }

    int status = 0;
    for (;;) {
        int sig = wait_signal(&watched, 100);
        if (plugin_exited(plugin, &status)) break;
        reap_orphans(plugin);
        if (sig == SIGTERM || getppid() != daemon) {
            kill(-plugin, SIGTERM);
            for (long waited = 0; waited < grace_ms && !plugin_exited(plugin, &status); waited += 10) wait_signal(&watched, 10);
            if (!plugin_exited(plugin, &status)) status = SIGKILL;
            break;
        }
    }
    kill(-plugin, SIGKILL);
    waitpid(plugin, 0, 0);
    end_orphans(&watched);
    if ((status & 0x7f) == 0) _exit((status >> 8) & 0xff);
    int signal_number = status & 0x7f;
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    sigaction(signal_number, &dfl, 0);
    kill(getpid(), signal_number);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signal_number);
    sigprocmask(SIG_UNBLOCK, &only, 0);
    _exit(128 + signal_number);
}

int vitals_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                      int stdout_fd, int stderr_fd, int grace_ms, pid_t *pid) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0) return errno;
    pid_t daemon = getpid();
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(report[0]);
        close(report[1]);
        return e;
    }
    if (child == 0) {
        close(report[0]);
        keeper(path, argv, envp, cwd, stdout_fd, stderr_fd, report[1], daemon, grace_ms);
    }
    close(report[1]);
    int error = 0;
    ssize_t n;
    do { n = read(report[0], &error, sizeof error); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n != (ssize_t)sizeof error) error = ECHILD;
    if (error) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return error;
    }
    *pid = child;
    return 0;
}
