/* A PF's SR-IOV files, read and written: see sriov_pf.h. */
#include "host/sriov_pf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/nic_files.h"
#include "host/sriov_count.h"
#include "util/strbuf.h"

int sriov_pf_read(const char *root, const char *text, struct sriov_pf *pf, char **error)
{
    memset(pf, 0, sizeof *pf);
    *error = NULL;
    char address[PCI_ADDR_LEN];
    if (pci_resolve(root, text, address, error)) {
        /* Said the way SR-IOV commands need it (a veth, a bridge: no PF). */
        free(*error);
        if (pci_address_parse(text, address) == 0)
            *error = xasprintf("no PCI device %s", address);
        else if (!strchr(text, '/') && nic_path_exists(root, "/sys/class/net/%s", text))
            *error = xasprintf("%s is not SR-IOV capable: not a PCI device", text);
        else
            *error = xasprintf("no network device or PCI device named %s", text);
        return -1;
    }
    int rc = pci_device_read(root, address, NULL, &pf->pci);
    if (!rc && pf->pci.n_vfs) {
        pf->vfs = calloc(pf->pci.n_vfs, sizeof *pf->vfs);
        if (!pf->vfs)
            rc = -ENOMEM;
        else
            pf->n_vfs = pf->pci.n_vfs;
    }
    for (size_t i = 0; !rc && i < pf->n_vfs; i++) {
        if (!pf->pci.vfs[i][0])
            continue;
        int vf_rc = pci_device_read(root, pf->pci.vfs[i], NULL, &pf->vfs[i]);
        if (vf_rc == -ENOENT || vf_rc == -EINVAL)
            pci_device_free(&pf->vfs[i]);   /* a dangling virtfn link: address "" */
        else
            rc = vf_rc;
    }
    if (rc) {
        *error = xasprintf("cannot read PCI device %s: %s", address, strerror(-rc));
        return -1;
    }
    return 0;
}

void sriov_pf_free(struct sriov_pf *pf)
{
    for (size_t i = 0; i < pf->n_vfs; i++)
        pci_device_free(&pf->vfs[i]);
    free(pf->vfs);
    pci_device_free(&pf->pci);
    memset(pf, 0, sizeof *pf);
}

const char *sriov_pf_name(const struct sriov_pf *pf)
{
    return pf->pci.n_netdevs == 1 ? pf->pci.netdevs[0] : pf->pci.address;
}

char *sriov_pf_label(const struct sriov_pf *pf)
{
    const char *driver = pf->pci.driver && pf->pci.driver[0] ? pf->pci.driver : NULL;
    if (pf->pci.n_netdevs == 1)
        return driver ? xasprintf("%s (%s %s)", pf->pci.netdevs[0], driver, pf->pci.address)
                      : xasprintf("%s (%s)", pf->pci.netdevs[0], pf->pci.address);
    return driver ? xasprintf("%s (%s)", pf->pci.address, driver)
                  : xasprintf("%s (no driver)", pf->pci.address);
}

int sriov_vf_address(const char *root, const char *text, unsigned vf,
                     char address[PCI_ADDR_LEN])
{
    char pf[PCI_ADDR_LEN];
    char *error = NULL;
    address[0] = '\0';
    if (pci_resolve(root, text, pf, &error)) {
        free(error);
        return -ENOENT;
    }
    char *path = nic_path(root, "/sys/bus/pci/devices/%s/virtfn%u", pf, vf);
    char target[PATH_MAX];
    ssize_t n = path ? readlink(path, target, sizeof target - 1) : -1;
    free(path);
    if (n <= 0)
        return -ENOENT;
    target[n] = '\0';
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    char canonical[PCI_ADDR_LEN];
    if (pci_address_parse(base, canonical) || strcmp(canonical, base))
        return -ENOENT;
    memcpy(address, canonical, PCI_ADDR_LEN);
    return 0;
}

long sriov_numvfs_read(const char *root, const char *pf_address)
{
    char *text = nic_read_file(root, "/sys/bus/pci/devices/%s/sriov_numvfs", pf_address);
    char *end;
    long n = text ? strtol(text, &end, 10) : -1;
    if (text && (end == text || *end))
        n = -1;
    free(text);
    return n;
}

int sriov_count_apply(const char *root, const struct sriov_pf *pf,
                      const struct sriov_count_plan *plan, char **error)
{
    *error = NULL;
    for (size_t i = 0; i < plan->n_writes; i++) {
        char path[96], value[16];
        snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/sriov_numvfs", pf->pci.address);
        snprintf(value, sizeof value, "%u", plan->writes[i]);
        int rc = nic_write_file(root, path, value);
        if (rc) {
            *error = xasprintf("cannot write %s to %s: %s", value, path, strerror(-rc));
            return -1;
        }
    }
    return 0;
}
