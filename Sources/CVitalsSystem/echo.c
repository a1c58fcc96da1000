#define _GNU_SOURCE
#include "CVitalsSystem.h"
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

int64_t vitals_realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int vitals_echo_socket(int family, int raw) {
    int proto = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
    int fd = socket(family, (raw ? SOCK_RAW : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0) return -1;
    /* Best effort: without kernel timestamps the reply is timed when it is read. */
    int on = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    if (raw) {
        /* A raw socket sees every ICMP message the host receives; the kernel drops all but
           echo replies before they are queued. The caller still checks each one. */
        if (family == AF_INET6) {
            struct icmp6_filter f;
            ICMP6_FILTER_SETBLOCKALL(&f);
            ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
            (void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
        } else {
            struct icmp_filter f = {.data = ~(1u << ICMP_ECHOREPLY)};
            (void)setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof f);
        }
    }
    return fd;
}

ssize_t vitals_echo_recv(int fd, void *buf, size_t len, struct sockaddr_storage *from, int64_t *received_ns) {
    char control[128];
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    memset(from, 0, sizeof *from);
    msg.msg_name = from;
    msg.msg_namelen = sizeof *from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) return -1;
    *received_ns = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            *received_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        }
    }
    if (*received_ns < 0) *received_ns = vitals_realtime_ns();
    return n;
}
