/* The one place that reads the clock; pure code takes `now_ms` as an argument. */
#ifndef PONTOON_UTIL_CLOCK_H
#define PONTOON_UTIL_CLOCK_H

#include <stdint.h>

uint64_t clock_monotonic_ms(void);

#endif
