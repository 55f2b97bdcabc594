/* sriov/show's output: the PFs turned into JSON once, the text printed
 * from that JSON (see cli/sriov_output.h).  The VF line is iproute2 6.1's
 * print_vfinfo(), word for word. */
#include "cli/sriov_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>

#include "db/datum.h"
#include "db/db.h"
#include "host/sriov_pf.h"
#include "host/vf_config.h"
#include "host/vf_netlink.h"

/* ---- JSON ---- */

static json_t *string_or_null(const char *text)
{
    return text && *text ? json_string(text) : json_null();
}

/* As ll_addr_n2a: lower-case hex bytes joined by ':'. */
static json_t *address_json(const uint8_t *bytes, size_t len)
{
    char text[3 * 32];
    size_t at = 0;
    for (size_t i = 0; i < len && i < 32; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%s%02x", i ? ":" : "", bytes[i]);
    return json_string(text);
}

json_t *sriov_vf_state_json(const struct vf_state *vf, unsigned short link_type)
{
    size_t len = link_type == ARPHRD_INFINIBAND ? 20 : ETH_ALEN;
    json_t *o = json_object();
    json_object_set_new(o, "vf", json_integer(vf->vf));
    json_object_set_new(o, "link_type", json_string(link_type == ARPHRD_INFINIBAND
                                                    ? "infiniband" : "ether"));
    json_object_set_new(o, "address", address_json(vf->mac, len));
    if (vf->has_broadcast)
        json_object_set_new(o, "broadcast", address_json(vf->broadcast, len));
    if (vf->vlan)
        json_object_set_new(o, "vlan", json_integer(vf->vlan));
    if (vf->qos)
        json_object_set_new(o, "qos", json_integer(vf->qos));
    if (vf->vlan_proto && vf->vlan_proto != ETH_P_8021Q)
        json_object_set_new(o, "protocol", json_string(vf_vlan_proto_name(vf->vlan_proto)));
    if (vf->tx_rate)
        json_object_set_new(o, "tx_rate", json_integer(vf->tx_rate));
    if (vf->has_rate)
        json_object_set_new(o, "rate", json_pack("{s:I, s:I}", "max_tx",
                                                 (json_int_t)vf->max_tx_rate, "min_tx",
                                                 (json_int_t)vf->min_tx_rate));
    if (vf->spoofchk >= 0)
        json_object_set_new(o, "spoofchk", json_boolean(vf->spoofchk));
    if (vf->has_link_state)
        json_object_set_new(o, "link_state", json_string(vf->link_state == IFLA_VF_LINK_STATE_AUTO
                                                         ? "auto"
                                                         : vf->link_state
                                                           == IFLA_VF_LINK_STATE_ENABLE
                                                           ? "enable" : "disable"));
    if (vf->trust >= 0)
        json_object_set_new(o, "trust", json_boolean(vf->trust));
    if (vf->query_rss >= 0)
        json_object_set_new(o, "query_rss_en", json_boolean(vf->query_rss));
    return o;
}

static json_t *status_json(const struct db_row *row, bool only_sriov)
{
    if (!row)
        return json_null();
    const struct datum *status = db_row_get(row, "status");
    json_t *o = json_object();
    for (size_t i = 0; i < status->n; i++) {
        const char *key = status->keys[i].string;
        if (only_sriov && strncmp(key, "sriov_", 6))
            continue;
        json_object_set_new(o, only_sriov ? key + 6 : key, json_string(status->values[i].string));
    }
    return o;
}

/* A VF row's kept settings: the columns that hold a value. */
static json_t *kept_json(const struct db_row *row)
{
    static const char *const columns[] = { "mac", "vlan", "qos", "proto", "spoofchk", "trust",
                                           "link_state", "min_rate", "max_rate" };
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
        const struct datum *d = db_row_get(row, columns[i]);
        if (!d->n)
            continue;
        const struct column_def *col = NULL;
        char *error = NULL;
        if (schema_find_column(row->table, columns[i], &col, &error) == 0)
            json_object_set_new(o, columns[i], col->key.type == ATOM_STRING
                                ? json_string(d->keys[0].string)
                                : col->key.type == ATOM_BOOLEAN
                                ? json_boolean(d->keys[0].boolean)
                                : json_integer(d->keys[0].integer));
        free(error);
    }
    return o;
}

static json_t *netdevs_json(const struct pci_device *dev)
{
    json_t *list = json_array();
    for (size_t i = 0; dev && i < dev->n_netdevs; i++)
        json_array_append_new(list, json_string(dev->netdevs[i]));
    return list;
}

static const struct db_row *row_of_vf(const struct db_row *const *rows, size_t n, unsigned vf)
{
    for (size_t i = 0; i < n; i++)
        if (db_row_get_integer(rows[i], "vf", -1) == (int64_t)vf)
            return rows[i];
    return NULL;
}

static json_t *vf_json(unsigned index, const struct pci_device *dev, const struct vf_link *link,
                       const struct db_row *row)
{
    const struct vf_state *state = link ? vf_link_find(link, index) : NULL;
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "vf", (json_int_t)index,
                     "pci", string_or_null(dev ? dev->address : NULL),
                     "driver", string_or_null(dev ? dev->driver : NULL),
                     "netdevs", netdevs_json(dev),
                     "link", state ? sriov_vf_state_json(state, link->type) : json_null(),
                     "kept", row ? kept_json(row) : json_null(),
                     "status", status_json(row, false));
}

json_t *sriov_pf_json(const char *name, const struct sriov_pf *pf, const struct vf_link *link,
                      const struct db_row *nic, const struct db_row *const *vfs, size_t n_vfs)
{
    bool is_pf = pf && pf->pci.sriov == PCI_SRIOV_PF;
    const struct datum *kept = nic ? db_row_get(nic, "sriov_num_vfs") : NULL;
    json_t *doc = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "name", name,
                            "pci", string_or_null(pf ? pf->pci.address : NULL),
                            "driver", string_or_null(pf ? pf->pci.driver : NULL),
                            "total_vfs", is_pf ? json_integer(pf->pci.sriov_totalvfs)
                                               : json_null(),
                            "num_vfs", is_pf ? json_integer(pf->pci.sriov_numvfs)
                                   : link && link->has_num_vf ? json_integer(link->num_vf)
                                   : json_null(),
                            "kept_num_vfs", kept && kept->n ? json_integer(kept->keys[0].integer)
                                                           : json_null(),
                            "status", kept && kept->n ? status_json(nic, true) : json_null());
    json_t *list = json_array();
    /* The VFs sysfs shows (or the kernel reports), then kept ones beyond. */
    size_t n = is_pf ? pf->n_vfs : link ? link->n_vfs : 0;
    for (size_t i = 0; i < n; i++) {
        unsigned index = is_pf ? (unsigned)i : link->vfs[i].vf;
        const struct pci_device *dev = is_pf && pf->vfs[i].address[0] ? &pf->vfs[i] : NULL;
        json_array_append_new(list, vf_json(index, dev, link, row_of_vf(vfs, n_vfs, index)));
    }
    for (size_t i = 0; i < n_vfs; i++) {
        int64_t index = db_row_get_integer(vfs[i], "vf", 0);
        bool listed = false;
        for (size_t k = 0; k < json_array_size(list) && !listed; k++)
            listed = json_integer_value(json_object_get(json_array_get(list, k), "vf")) == index;
        if (!listed)
            json_array_append_new(list, vf_json((unsigned)index, NULL, NULL, vfs[i]));
    }
    json_object_set_new(doc, "vfs", list);
    return doc;
}

/* ---- text ---- */

static const char *str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ", vlan 10, qos 3, ..." as print_vfinfo() goes on after the address. */
static void vf_state_text(json_t *s, struct strbuf *out)
{
    strbuf_printf(out, "link/%s %s", str(s, "link_type"), str(s, "address"));
    if (str(s, "broadcast"))
        strbuf_printf(out, " brd %s", str(s, "broadcast"));
    if (json_object_get(s, "vlan"))
        strbuf_printf(out, ", vlan %lld", json_integer_value(json_object_get(s, "vlan")));
    if (json_object_get(s, "qos"))
        strbuf_printf(out, ", qos %lld", json_integer_value(json_object_get(s, "qos")));
    if (str(s, "protocol"))
        strbuf_printf(out, ", vlan protocol %s", str(s, "protocol"));
    if (json_object_get(s, "tx_rate"))
        strbuf_printf(out, ", tx rate %lld (Mbps)",
                      json_integer_value(json_object_get(s, "tx_rate")));
    json_t *rate = json_object_get(s, "rate");
    if (rate && json_integer_value(json_object_get(rate, "max_tx")))
        strbuf_printf(out, ", max_tx_rate %lldMbps",
                      json_integer_value(json_object_get(rate, "max_tx")));
    if (rate && json_integer_value(json_object_get(rate, "min_tx")))
        strbuf_printf(out, ", min_tx_rate %lldMbps",
                      json_integer_value(json_object_get(rate, "min_tx")));
    json_t *b;
    if ((b = json_object_get(s, "spoofchk")))
        strbuf_printf(out, ", spoof checking %s", json_is_true(b) ? "on" : "off");
    if (str(s, "link_state"))
        strbuf_printf(out, ", link-state %s", str(s, "link_state"));
    if ((b = json_object_get(s, "trust")))
        strbuf_printf(out, ", trust %s", json_is_true(b) ? "on" : "off");
    if ((b = json_object_get(s, "query_rss_en")))
        strbuf_printf(out, ", query_rss %s", json_is_true(b) ? "on" : "off");
}

/* "mac=... vlan=10 spoofchk=on" in sriov/vf's words. */
static void kept_text(json_t *kept, struct strbuf *out)
{
    const char *key;
    json_t *value;
    bool first = true;
    json_object_foreach(kept, key, value) {
        char word[16];
        snprintf(word, sizeof word, "%s", key);
        for (char *p = word; *p; p++)
            if (*p == '_')
                *p = '-';
        strbuf_printf(out, "%s%s=", first ? "" : " ", word);
        if (json_is_string(value))
            strbuf_puts(out, json_string_value(value));
        else if (json_is_boolean(value))
            strbuf_puts(out, json_is_true(value) ? "on" : "off");
        else
            strbuf_printf(out, "%lld", json_integer_value(value));
        first = false;
    }
    if (first)
        strbuf_puts(out, "nothing");
}

/* " (applied)" or " (not applied: ERROR)" from a status object. */
static void applied_text(json_t *status, struct strbuf *out)
{
    const char *applied = str(status, "applied");
    if (!applied)
        strbuf_puts(out, " (not applied yet)");
    else if (!strcmp(applied, "true"))
        strbuf_puts(out, " (applied)");
    else
        strbuf_printf(out, " (not applied: %s)",
                      str(status, "error") ? str(status, "error") : "?");
}

static void pf_text(json_t *pf, struct strbuf *out)
{
    const char *name = str(pf, "name"), *pci = str(pf, "pci"), *driver = str(pf, "driver");
    strbuf_printf(out, "%s: %s", name, driver ? driver : pci ? "no driver" : "not a PCI device");
    if (pci && strcmp(pci, name))
        strbuf_printf(out, " %s", pci);
    json_t *total = json_object_get(pf, "total_vfs"), *num = json_object_get(pf, "num_vfs");
    if (json_is_integer(total))
        strbuf_printf(out, ", %lld of %lld VFs", json_integer_value(num),
                      json_integer_value(total));
    else if (json_is_integer(num))
        strbuf_printf(out, ", %lld VFs", json_integer_value(num));
    else if (str(pf, "pci"))
        strbuf_puts(out, ", not SR-IOV capable");
    json_t *kept = json_object_get(pf, "kept_num_vfs");
    if (json_is_integer(kept)) {
        strbuf_printf(out, "; kept: num_vfs=%lld", json_integer_value(kept));
        applied_text(json_object_get(pf, "status"), out);
    }
    strbuf_putc(out, '\n');
    size_t i;
    json_t *vf;
    json_array_foreach(json_object_get(pf, "vfs"), i, vf) {
        /* "vf %d " then "    link/..." as print_vfinfo(): five blanks. */
        strbuf_printf(out, "    vf %lld     ", json_integer_value(json_object_get(vf, "vf")));
        json_t *link = json_object_get(vf, "link");
        bool has_pci = str(vf, "pci") != NULL;
        if (json_is_object(link)) {
            vf_state_text(link, out);
            strbuf_puts(out, "\n");
            if (has_pci)
                strbuf_puts(out, "             ");
        }
        if (has_pci) {
            strbuf_printf(out, "pci %s, %s", str(vf, "pci"),
                          str(vf, "driver") ? str(vf, "driver") : "no driver");
            size_t k;
            json_t *netdev;
            json_array_foreach(json_object_get(vf, "netdevs"), k, netdev)
                strbuf_printf(out, ", %s", json_string_value(netdev));
            strbuf_putc(out, '\n');
        } else if (!json_is_object(link)) {
            strbuf_puts(out, "(no such VF now)\n");
        }
        json_t *kept_vf = json_object_get(vf, "kept");
        if (json_is_object(kept_vf)) {
            strbuf_puts(out, "             kept: ");
            kept_text(kept_vf, out);
            applied_text(json_object_get(vf, "status"), out);
            strbuf_putc(out, '\n');
        }
    }
}

void sriov_show_text(json_t *doc, struct strbuf *out)
{
    size_t i;
    json_t *pf;
    json_array_foreach(json_object_get(doc, "pfs"), i, pf)
        pf_text(pf, out);
    if (!json_array_size(json_object_get(doc, "pfs")))
        strbuf_puts(out, "no SR-IOV physical functions\n");
}
