/* The nic/ commands' output (cli/nic_commands.c): each as one JSON document,
 * which --format=json prints and from which the text is printed. */
#ifndef PONTOON_CLI_NIC_OUTPUT_H
#define PONTOON_CLI_NIC_OUTPUT_H

#include <jansson.h>

#include "host/nic_inventory.h"
#include "host/nic_plan.h"
#include "util/strbuf.h"

/* nic/show: {"root", "cpus": {online, possible, nodes, irq_default_affinity},
 * "net_rx_softirqs": [per CPU], "rps_sock_flow_entries", "devices": [{name,
 * driver, version, bus, virtio, virtual, numa_node, speed_mbps, mtu,
 * channels, rx_queues, tx_queues, irqs}]}. */
json_t *nic_inventory_json(const struct nic_inventory *inv);
void nic_inventory_text(json_t *doc, struct strbuf *out);

/* nic/steer --dry-run: {"device", "steering", "changes", "settings": [{path,
 * current, planned, change}], "warning"}. */
json_t *nic_plan_json(const char *dev, const char *steering, const struct nic_plan *plan,
                      const char *warning);
void nic_plan_text(json_t *doc, struct strbuf *out);

/* A string, or JSON null for NULL. */
json_t *nic_json_text_or_null(const char *text);

#endif
