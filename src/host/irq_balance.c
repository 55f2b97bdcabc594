/* irqbalance detection and advice: see irq_balance.h. */
#include "host/irq_balance.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "host/nic_files.h"
#include "util/strbuf.h"

long irqbalance_find(const char *root)
{
    char *dir = nic_path(root, "/proc");
    DIR *d = dir ? opendir(dir) : NULL;
    free(dir);
    if (!d)
        return 0;
    long found = 0;
    for (struct dirent *e; !found && (e = readdir(d));) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char *comm = nic_read_file(root, "/proc/%s/comm", e->d_name);
        if (comm && !strcmp(comm, "irqbalance"))
            found = strtol(e->d_name, NULL, 10);
        free(comm);
    }
    closedir(d);
    return found;
}

char *irqbalance_advice(long pid, const unsigned *irqs, size_t n_irqs, const char *cpu_list)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "irqbalance (pid %ld) is running: it moves interrupts and will undo "
                  "this steering.  Keep it off these interrupts in /etc/default/irqbalance "
                  "with IRQBALANCE_ARGS=\"", pid);
    for (size_t i = 0; i < n_irqs; i++)
        strbuf_printf(&sb, "%s--banirq=%u", i ? " " : "", irqs[i]);
    strbuf_puts(&sb, "\"");
    if (cpu_list && *cpu_list)
        strbuf_printf(&sb, " (or off their CPUs with IRQBALANCE_BANNED_CPULIST=%s)", cpu_list);
    strbuf_puts(&sb, ", then restart irqbalance; or stop it.");
    return strbuf_steal(&sb);
}
