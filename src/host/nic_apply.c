/* Applies a steering plan: see nic_apply.h. */
#include "host/nic_apply.h"

#include <string.h>

#include "host/nic_files.h"
#include "util/strbuf.h"

size_t nic_plan_apply(const char *root, const struct nic_plan *plan, size_t *written,
                      char **errors)
{
    struct strbuf failures = STRBUF_INIT;
    size_t n_failed = 0, n_written = 0;
    for (size_t i = 0; i < plan->n; i++) {
        const struct nic_setting *s = &plan->settings[i];
        if (!s->change)
            continue;
        int rc = nic_write_file(root, s->path, s->planned);
        if (rc == 0) {
            n_written++;
            continue;
        }
        strbuf_printf(&failures, "%s%s: %s", n_failed ? "; " : "", s->path, strerror(-rc));
        n_failed++;
    }
    if (written)
        *written = n_written;
    *errors = n_failed ? strbuf_steal(&failures) : NULL;
    strbuf_free(&failures);
    return n_failed;
}
