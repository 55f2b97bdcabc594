/* CPU topology under a root: see nic_topology.h. */
#include "host/nic_topology.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/nic_files.h"
#include "util/strbuf.h"

static int read_list(const char *root, const char *path, struct cpu_bitmap *set, char **error)
{
    char *text = nic_read_file(root, "%s", path);
    if (!text) {
        int err = errno;
        *error = xasprintf("cannot read %s%s: %s", nic_root_is_live(root) ? "" : root, path,
                           strerror(err));
        return -1;
    }
    int rc = cpu_list_parse(text, set);
    if (rc)
        *error = xasprintf("%s%s: not a CPU list: \"%s\"", nic_root_is_live(root) ? "" : root,
                           path, text);
    free(text);
    return rc ? -1 : 0;
}

int cpu_topology_read(const char *root, struct cpu_topology *topo, char **error)
{
    memset(topo, 0, sizeof *topo);
    *error = NULL;
    if (read_list(root, "/sys/devices/system/cpu/online", &topo->online, error))
        return -1;
    struct cpu_bitmap possible;
    if (read_list(root, "/sys/devices/system/cpu/possible", &possible, error)) {
        /* Older captures may lack it: the online CPUs are a lower bound. */
        free(*error);
        *error = NULL;
        possible = topo->online;
    }
    topo->nr_cpu_ids = cpu_bitmap_span(&possible);

    struct cpu_bitmap nodes;
    char *ignored = NULL;
    if (read_list(root, "/sys/devices/system/node/online", &nodes, &ignored) == 0) {
        topo->nodes = calloc(cpu_bitmap_count(&nodes) ? cpu_bitmap_count(&nodes) : 1,
                             sizeof *topo->nodes);
        if (!topo->nodes) {
            *error = xasprintf("out of memory");
            return -1;
        }
        CPU_BITMAP_FOR_EACH(node, &nodes) {
            char path[64];
            snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
            struct cpu_node *n = &topo->nodes[topo->n_nodes];
            n->id = node;
            if (read_list(root, path, &n->cpus, error))
                return -1;
            topo->n_nodes++;
        }
    }
    free(ignored);

    char *mask = nic_read_file(root, "/proc/irq/default_smp_affinity");
    if (!mask || cpu_mask_parse(mask, &topo->irq_default) || !cpu_bitmap_count(&topo->irq_default))
        topo->irq_default = topo->online;
    free(mask);
    return 0;
}

void cpu_topology_free(struct cpu_topology *topo)
{
    free(topo->nodes);
    topo->nodes = NULL;
    topo->n_nodes = 0;
}

const struct cpu_bitmap *cpu_topology_node_cpus(const struct cpu_topology *topo, int node)
{
    for (size_t i = 0; node >= 0 && i < topo->n_nodes; i++)
        if (topo->nodes[i].id == node)
            return &topo->nodes[i].cpus;
    return NULL;
}
