#define _GNU_SOURCE
#include "CVitalsSystem.h"
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

int64_t vitals_realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Accepts echo replies carrying `id` and drops everything else, in the kernel, before the
   packet is queued: a raw socket otherwise gets every ICMP message the host receives, the echo
   replies to every other pinging process included. An IPv4 raw socket's packet starts at the
   IP header (its length read from the IHL nibble), an IPv6 one's at the ICMPv6 header. */
static int attach_echo_filter(int fd, int v6, uint16_t id) {
    struct sock_filter v4_code[] = {
        BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),            /* X = IP header length */
        BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),             /* A = ICMP type */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),      /* echo reply, else drop */
        BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4),             /* A = identifier */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, id, 0, 1),     /* ours, else drop */
        BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFF),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_filter v6_code[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),             /* A = ICMPv6 type */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 129, 0, 3),    /* echo reply, else drop */
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),             /* A = identifier */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, id, 0, 1),     /* ours, else drop */
        BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFF),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog prog;
    prog.filter = v6 ? v6_code : v4_code;
    prog.len = v6 ? sizeof v6_code / sizeof v6_code[0] : sizeof v4_code / sizeof v4_code[0];
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

int vitals_echo_socket(int family, int raw, uint16_t id) {
    int proto = family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
    int fd = socket(family, (raw ? SOCK_RAW : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0) return -1;
    /* Best effort: without kernel timestamps the reply is timed when it is read. */
    int on = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    /* Best effort too: without the filter the caller still checks every packet itself. A ping
       socket needs none: the kernel gives it only the replies to its own identifier. */
    if (raw) (void)attach_echo_filter(fd, family == AF_INET6, id);
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
