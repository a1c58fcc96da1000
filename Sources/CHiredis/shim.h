#ifndef VITALS_CHIREDIS_SHIM_H
#define VITALS_CHIREDIS_SHIM_H
/* Debian 12 ships hiredis 0.14: redisConnectWithTimeout + redisSetTimeout, no TLS. */
#include <hiredis.h>
#include <stdarg.h>

/* redisCommand is variadic; Swift calls this fixed-arity form with an argv instead. */
static inline redisReply *vitals_redis_command_argv(redisContext *c, int argc, const char **argv, const size_t *argvlen) {
    return (redisReply *)redisCommandArgv(c, argc, argv, argvlen);
}
#endif
