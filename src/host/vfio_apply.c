/* Applies a passthrough plan: see vfio_apply.h. */
#include "host/vfio_apply.h"

#include <string.h>

#include "host/nic_files.h"
#include "util/strbuf.h"

int vfio_plan_apply(const char *root, const struct vfio_plan *plan, char **error)
{
    *error = NULL;
    if (plan->verdict != VFIO_GO)
        return 0;
    for (size_t i = 0; i < plan->n_writes; i++) {
        const struct vfio_write *w = &plan->writes[i];
        int rc = nic_write_file(root, w->path, w->value);
        if (rc) {
            *error = xasprintf("writing \"%s\" to %s: %s%s", w->value, w->path, strerror(-rc),
                               i ? " (the writes before it were done)" : "");
            return -1;
        }
    }
    return 0;
}
