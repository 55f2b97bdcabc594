/* The one place that reads the clock; pure code takes `now_ms` as an argument. */
#ifndef PONTOON_UTIL_CLOCK_H
#define PONTOON_UTIL_CLOCK_H

#include <stdint.h>

uint64_t clock_monotonic_ms(void);

/* A periodic timer that fires this much early is on time: work due every
 * N ms, checked at a tick of N ms, is not put off to the tick after. */
#define CLOCK_TICK_SLACK_MS 100

#endif
