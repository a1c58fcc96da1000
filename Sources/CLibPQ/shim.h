#ifndef VITALS_CLIBPQ_SHIM_H
#define VITALS_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
