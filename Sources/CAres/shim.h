#ifndef VITALS_CARES_SHIM_H
#define VITALS_CARES_SHIM_H
/* Debian 12 ships c-ares 1.18: ares_send with a query from ares_create_query, the
   socket-state callback (ARES_OPT_SOCK_STATE_CB), ares_process_fd and ares_timeout.
   No ares_dns_record_t (1.22+): the probe parses replies itself. */
#include <ares.h>
#endif
