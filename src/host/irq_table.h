/* /proc/interrupts and /proc/softirqs as text, and which interrupt belongs
 * to which queue of a network device by the names the common drivers give
 * them.  Pure: the caller reads the files. */
#ifndef PONTOON_HOST_IRQ_TABLE_H
#define PONTOON_HOST_IRQ_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct irq_line {
    unsigned irq;
    char *names;                  /* the handlers' names, ", " between shared ones; "" */
    uint64_t *counts;             /* per CPU number, irq_table.n_cpus entries (0 for a CPU
                                     the header does not list: offline) */
};

struct irq_table {
    unsigned n_cpus;              /* one past the highest CPU of the header */
    struct irq_line *lines;       /* numbered interrupts only (not NMI, LOC...) */
    size_t n_lines;
};

/* Parses /proc/interrupts (proc(5): a header "CPU0 CPU1 ..." of the online
 * CPUs, then "IRQ: count... chip hwirq-flow  name[, name]...").  0 or
 * -EINVAL (no header); free with irq_table_free, also after an error. */
int irq_table_parse(const char *text, struct irq_table *table);
void irq_table_free(struct irq_table *table);
const struct irq_line *irq_table_find(const struct irq_table *table, unsigned irq);

/* The NET_RX row of /proc/softirqs, per CPU number (*n_cpus entries; heap).
 * 0, or -ENOENT without that row, -EINVAL without a header. */
int softirqs_parse_net_rx(const char *text, uint64_t **counts, unsigned *n_cpus);

enum irq_queue_kind {
    IRQ_DEVICE,                   /* the device's own (config, misc, async...) */
    IRQ_RX,                       /* virtioN-input.Q, DEV-rx-Q */
    IRQ_TX,                       /* virtioN-output.Q, DEV-tx-Q */
    IRQ_RXTX,                     /* DEV-TxRx-Q, mlx5_compQ@pci:ADDR: one channel */
};

/* The device an interrupt may belong to. */
struct irq_owner {
    const char *netdev;           /* "eth0" */
    const char *virtio;           /* "virtio2" when the netdev is a virtio device, else NULL */
    const char *bus;              /* "0000:5e:00.0", or NULL */
};

/* Does one handler name name a queue of `owner`?  Recognized: virtio-net's
 * "virtioN-input.Q"/"virtioN-output.Q" (other "virtioN-..." names are the
 * device's own), Intel's "DEV-TxRx-Q" (also "DRIVER-DEV-TxRx-Q" as ice and
 * i40e write it), Mellanox's "mlx5_compQ@pci:ADDR" (other "...@pci:ADDR"
 * are the device's own), and the generic "DEV-rx-Q"/"DEV-tx-Q".  Sets
 * *kind and *queue (-1 for IRQ_DEVICE). */
bool irq_name_match(const char *name, const struct irq_owner *owner,
                    enum irq_queue_kind *kind, int *queue);
/* The same for a line's names (any of the shared ones). */
bool irq_names_match(const char *names, const struct irq_owner *owner,
                     enum irq_queue_kind *kind, int *queue);

#endif
