#include "CVitalsSystem.h"
#include <errno.h>

int vitals_errno(void) { return errno; }
