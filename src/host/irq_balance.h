/* irqbalance moves interrupts every few seconds and so undoes any steering
 * of them: whether it runs, and what to tell the operator. */
#ifndef PONTOON_HOST_IRQ_BALANCE_H
#define PONTOON_HOST_IRQ_BALANCE_H

#include <stddef.h>

/* The pid of a process named irqbalance (ROOT/proc/PID/comm), or 0. */
long irqbalance_find(const char *root);

/* The warning for steering these interrupts ("irqbalance (pid 812) is
 * running: ..."), saying how to keep irqbalance off them in
 * /etc/default/irqbalance (IRQBALANCE_ARGS="--banirq=N ...", or
 * IRQBALANCE_BANNED_CPULIST for the CPUs they are on).  Pure; heap. */
char *irqbalance_advice(long pid, const unsigned *irqs, size_t n_irqs, const char *cpu_list);

#endif
