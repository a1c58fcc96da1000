#ifndef VITALS_CLIBPQ_SHIM_H
#define VITALS_CLIBPQ_SHIM_H
#include <libpq-fe.h>

/// Where a connection's notices and warnings go, with the context given at registration.
typedef void (*vitals_pq_notice_fn)(void *_Nullable context, const char *_Nonnull message);

/// `PQsetNoticeProcessor`, typed: libpq's default processor prints every notice to stderr,
/// which would break the daemon's logfmt or JSON log lines. `context` must outlive `conn`.
static inline void vitals_pq_set_notice_processor(PGconn *_Nonnull conn, vitals_pq_notice_fn _Nonnull fn, void *_Nullable context) {
    PQsetNoticeProcessor(conn, (PQnoticeProcessor)fn, context);
}
#endif
