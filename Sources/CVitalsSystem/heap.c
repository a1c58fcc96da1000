#include "CVitalsSystem.h"
#include <malloc.h>

int vitals_trim_heap(void) { return malloc_trim(0); }
