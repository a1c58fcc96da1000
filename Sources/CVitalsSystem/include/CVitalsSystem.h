#ifndef VITALS_SYSTEM_H
#define VITALS_SYSTEM_H
/* Linux headers that Swift's Glibc module does not export. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <spawn.h>
#include <signal.h>

/* The errno of a failed call, readable from Swift without touching errno's TLS macro. */
int vitals_errno(void);
#endif
