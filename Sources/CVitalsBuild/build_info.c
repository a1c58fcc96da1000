#include "CVitalsBuild.h"

#ifndef VITALS_REVISION
#define VITALS_REVISION "unknown"
#endif

const char *vitals_build_revision(void) { return VITALS_REVISION; }
