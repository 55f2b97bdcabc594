/* Keeps SR-IOV applied: each NIC row's sriov_num_vfs (the PF's VF count,
 * written to its sriov_numvfs under the sysfs root, going through 0 as the
 * kernel requires; host/sriov_count.h's rules) and each VF row's settings
 * (sent through the PF's rtnetlink as `ip link set PF vf N ...` does, only
 * those that differ from what the kernel reports).  At start, after every
 * committed change, when the PF appears again or its link comes back (driver
 * reload, reset: a new ifindex, carrier regained) and when its sriov_numvfs
 * changed behind our back.  The count goes first: new VFs get their settings
 * in the same run.
 *
 * What was done goes into NIC.status as sriov_applied=true|false,
 * sriov_error, sriov_num_vfs (now), sriov_total_vfs, beside the keys
 * control/nic_policy.c writes there, and into VF.status as applied,
 * error, pci (the VF's PCI address).  A failure is written, logged once per
 * change, and not retried until something changes: no spinning.
 *
 * The sysfs root: "" (the machine's /sys), or a directory holding a copy of
 * a sysfs tree, which pontoond takes from $PONTOON_SRIOV_ROOT so that tests
 * can check the count kept against a fixture tree.  Netlink always acts on
 * the running kernel. */
#ifndef PONTOON_CONTROL_SRIOV_POLICY_H
#define PONTOON_CONTROL_SRIOV_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct db;
struct db_row;
struct sriov_policy;
struct sriov_user;
struct vf_config;

/* root: NULL or "" for the machine's sysfs.  NULL on ENOMEM. */
struct sriov_policy *sriov_policy_create(const char *root);
void sriov_policy_destroy(struct sriov_policy *sp);

/* Applies every NIC row's sriov_num_vfs and every VF row of `db` (loaded),
 * writing NIC.status and VF.status. */
void sriov_policy_run(struct sriov_policy *sp, struct db *db);

/* A link event (control/link_monitor.h): true when it is a PF the policy
 * keeps that appeared with a new ifindex, went away, or regained its
 * carrier, so that the caller runs sriov_policy_run soon. */
bool sriov_policy_link_event(struct sriov_policy *sp, const char *name, int ifindex,
                             bool exists, bool carrier);

/* The once-a-second check: true when a kept PF's sriov_numvfs or ifindex
 * changed since it was last applied. */
bool sriov_policy_check(struct sriov_policy *sp);
/* Whether there is anything for sriov_policy_check to look at. */
bool sriov_policy_watching(const struct sriov_policy *sp);

/* What sriov/set and the policy share. */

/* The netdevs the configuration uses, for host/sriov_count.h: every
 * Interface on a bridge ("a port of bridge br0") and every Macvtap's lower
 * device ("the lower device of macvtap mvtap0").  Returns how many; *users
 * (heap, NULL when none) is freed with sriov_users_free. */
size_t sriov_users_from_db(const struct db *db, struct sriov_user **users);
void sriov_users_free(struct sriov_user *users, size_t n);

/* A VF row's settings (host/vf_config.h): cfg->set names the columns that
 * hold a value.  0, or -EINVAL with a heap *error for a value the row holds
 * but no VF takes (a malformed mac written with `pontoon set`). */
int sriov_vf_config_from_row(const struct db_row *row, struct vf_config *cfg, char **error);

#endif
