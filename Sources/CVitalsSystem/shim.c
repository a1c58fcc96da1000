#define _GNU_SOURCE
#include "CVitalsSystem.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int vitals_errno(void) { return errno; }

int vitals_pipe(int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) < 0) return -1;
    /* Only the daemon's read end: a plugin writing to a non-blocking stdout gets EAGAIN. */
    int flags = fcntl(fds[0], F_GETFL);
    if (flags < 0 || fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    return 0;
}

int vitals_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

pid_t vitals_waitpid(pid_t pid, int nohang, int *exit_code, int *signal) {
    int status = 0;
    pid_t r;
    do {
        r = waitpid(pid, &status, nohang ? WNOHANG : 0);
    } while (r < 0 && errno == EINTR);
    *exit_code = -1;
    *signal = 0;
    if (r > 0) {
        if (WIFEXITED(status)) *exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status)) *signal = WTERMSIG(status);
    }
    return r;
}

int vitals_exited(pid_t pid, int *exit_code, int *signal) {
    siginfo_t info;
    int r;
    info.si_pid = 0;
    do {
        r = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
    } while (r < 0 && errno == EINTR);
    *exit_code = -1;
    *signal = 0;
    if (r < 0) return -1;
    if (info.si_pid == 0) return 0;
    if (info.si_code == CLD_EXITED) *exit_code = info.si_status;
    else *signal = info.si_status;
    return 1;
}
