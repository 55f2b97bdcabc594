/* VF count rules: see sriov_count.h. */
#include "host/sriov_count.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/sriov_pf.h"
#include "util/strbuf.h"

static const char *user_of(const struct pci_device *vf, const struct sriov_user *users,
                           size_t n_users, const char **netdev)
{
    for (size_t d = 0; d < vf->n_netdevs; d++)
        for (size_t u = 0; u < n_users; u++)
            if (users[u].netdev && !strcmp(users[u].netdev, vf->netdevs[d])) {
                *netdev = vf->netdevs[d];
                return users[u].what;
            }
    return NULL;
}

/* "VF 1 (0000:04:10.2) is bound to vfio-pci (...)" for each VF in use, "; "
 * between them; returns how many. */
static size_t describe_in_use(const struct sriov_pf *pf, const struct sriov_user *users,
                              size_t n_users, struct strbuf *out)
{
    size_t n = 0;
    for (size_t i = 0; i < pf->n_vfs; i++) {
        const struct pci_device *vf = &pf->vfs[i];
        if (!vf->address[0])
            continue;
        const char *netdev = NULL;
        const char *what = user_of(vf, users, n_users, &netdev);
        if (pci_driver_is_vfio(vf->driver))
            strbuf_printf(out, "%sVF %zu (%s) is bound to %s (passed through to a guest)",
                          n++ ? "; " : "", i, vf->address, vf->driver);
        else if (what)
            strbuf_printf(out, "%sVF %zu (%s, %s) is %s", n++ ? "; " : "", i, vf->address,
                          netdev, what);
    }
    return n;
}

int sriov_count_plan(const struct sriov_pf *pf, unsigned want, const struct sriov_user *users,
                     size_t n_users, struct sriov_count_plan *plan, char **error)
{
    memset(plan, 0, sizeof *plan);
    *error = NULL;
    char *label = sriov_pf_label(pf);
    int rc = 0;
    if (!label)
        return -ENOMEM;
    if (pf->pci.sriov != PCI_SRIOV_PF) {
        *error = pf->pci.sriov == PCI_SRIOV_VF
                 ? xasprintf("%s is itself a VF (of %s): only a PF has VFs", label,
                             pf->pci.physfn)
                 : xasprintf("%s is not SR-IOV capable (no sriov_totalvfs)", label);
        rc = -EOPNOTSUPP;
    } else if (!pf->pci.driver || !pf->pci.driver[0]) {
        *error = xasprintf("%s has no driver bound: its VFs are made by the PF's driver, "
                           "bind it first (echo %s > /sys/bus/pci/drivers/DRIVER/bind)",
                           pf->pci.address, pf->pci.address);
        rc = -ENODEV;
    } else if (want > pf->pci.sriov_totalvfs) {
        *error = xasprintf("%s supports at most %u VFs", label, pf->pci.sriov_totalvfs);
        rc = -ERANGE;
    }
    if (rc) {
        free(label);
        return rc;
    }
    plan->from = pf->pci.sriov_numvfs;
    plan->to = want;
    if (plan->from != want && plan->from) {
        /* Through 0: every VF goes away, so none may be in use. */
        struct strbuf in_use = STRBUF_INIT;
        if (describe_in_use(pf, users, n_users, &in_use)) {
            *error = xasprintf("%s: cannot change %u VFs to %u, VFs are in use: %s", label,
                               plan->from, want, strbuf_cstr(&in_use));
            rc = -EBUSY;
        } else {
            plan->writes[plan->n_writes++] = 0;
        }
        strbuf_free(&in_use);
    }
    if (!rc && plan->from != want && want)
        plan->writes[plan->n_writes++] = want;
    free(label);
    return rc;
}

char *sriov_count_plan_format(const struct sriov_count_plan *plan)
{
    if (!plan->n_writes)
        return xasprintf("%u (already)", plan->to);
    struct strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "%u", plan->from);
    for (size_t i = 0; i < plan->n_writes; i++)
        strbuf_printf(&sb, " -> %u", plan->writes[i]);
    return strbuf_steal(&sb);
}
