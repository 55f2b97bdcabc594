/* Sets of CPUs and the two ways the kernel writes them: lists ("0-3,8", as
 * smp_affinity_list, node cpulist and cpu/online) and hex masks in 32-bit
 * groups, most significant first ("ffffffff,00000001", as rps_cpus,
 * xps_cpus and smp_affinity).  Pure: no I/O. */
#ifndef PONTOON_HOST_CPU_LIST_H
#define PONTOON_HOST_CPU_LIST_H

#include <stdbool.h>
#include <stdint.h>

/* The kernel's largest NR_CPUS (x86_64 MAXSMP). */
#define CPU_BITMAP_MAX 8192

struct cpu_bitmap {
    uint64_t bits[CPU_BITMAP_MAX / 64];
};

void cpu_bitmap_clear(struct cpu_bitmap *set);
void cpu_bitmap_add(struct cpu_bitmap *set, unsigned cpu);
bool cpu_bitmap_has(const struct cpu_bitmap *set, unsigned cpu);
unsigned cpu_bitmap_count(const struct cpu_bitmap *set);
bool cpu_bitmap_equal(const struct cpu_bitmap *a, const struct cpu_bitmap *b);
/* The lowest CPU >= from in the set, or -1. */
int cpu_bitmap_next(const struct cpu_bitmap *set, unsigned from);
/* One past the highest CPU in the set (0 when empty). */
unsigned cpu_bitmap_span(const struct cpu_bitmap *set);
#define CPU_BITMAP_FOR_EACH(CPU, SET) \
    for (int CPU = cpu_bitmap_next((SET), 0); CPU >= 0; CPU = cpu_bitmap_next((SET), CPU + 1))

/* "0-3,8,10-11" (blanks and a trailing newline allowed; "" is empty).
 * 0 or -EINVAL (malformed, reversed range, CPU >= CPU_BITMAP_MAX). */
int cpu_list_parse(const char *text, struct cpu_bitmap *set);
/* "ffffffff,00000001", "3", "0x3" (blanks and a newline allowed).  0 or
 * -EINVAL (not hex, a group of more than 8 digits, too many CPUs). */
int cpu_mask_parse(const char *text, struct cpu_bitmap *set);

/* The list form, ranges collapsed: "0-3,8"; "" when empty.  Heap string
 * (NULL only when out of memory). */
char *cpu_list_format(const struct cpu_bitmap *set);
/* The mask as the kernel prints a bitmap of nbits bits ("%*pb"): 32-bit
 * groups of 8 digits, the first cut to the bits left over: all of 2 CPUs
 * print "3", all of 48 "ffff,ffffffff", CPU 0 of 64 "00000000,00000001".
 * CPUs >= nbits widen the output rather than being dropped.  Heap string. */
char *cpu_mask_format(const struct cpu_bitmap *set, unsigned nbits);

#endif
