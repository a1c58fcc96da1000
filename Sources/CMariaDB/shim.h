#ifndef VITALS_CMARIADB_SHIM_H
#define VITALS_CMARIADB_SHIM_H
/* MariaDB Connector/C (libmariadb, Debian 12: 3.3), for the mysql probe's non-blocking API. */
#include <mysql.h>

/* The MYSQL_WAIT_* bits a _start/_cont call returns, as constants Swift sees with one type. */
static const int vitals_mysql_wait_read = MYSQL_WAIT_READ;
static const int vitals_mysql_wait_write = MYSQL_WAIT_WRITE;
static const int vitals_mysql_wait_except = MYSQL_WAIT_EXCEPT;
static const int vitals_mysql_wait_timeout = MYSQL_WAIT_TIMEOUT;

/* mysql_options with an unsigned int value (the option takes a pointer to one). */
static inline int vitals_mysql_option_uint(MYSQL *_Nonnull m, enum mysql_option option, unsigned int value) {
    return mysql_options(m, option, &value);
}

/* mysql_options with a my_bool value. */
static inline int vitals_mysql_option_bool(MYSQL *_Nonnull m, enum mysql_option option, int value) {
    my_bool b = value ? 1 : 0;
    return mysql_options(m, option, &b);
}

/* mysql_options with an unsigned long value (MYSQL_OPT_MAX_ALLOWED_PACKET). */
static inline int vitals_mysql_option_ulong(MYSQL *_Nonnull m, enum mysql_option option, unsigned long value) {
    return mysql_options(m, option, &value);
}
#endif
