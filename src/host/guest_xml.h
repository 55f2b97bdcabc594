/* The libvirt <interface> element that attaches a guest to a Pontoon port or
 * macvtap.  Pure: the caller reads the database and passes what it found;
 * out comes the element's text, exactly as `pontoon guest/xml` prints it. */
#ifndef PONTOON_HOST_GUEST_XML_H
#define PONTOON_HOST_GUEST_XML_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

enum guest_attach {
    GUEST_ATTACH_BRIDGE,        /* a system/tap port: <interface type='bridge'> + openvswitch */
    GUEST_ATTACH_VHOSTUSER,     /* dpdkvhostuser(client): <interface type='vhostuser'> */
    GUEST_ATTACH_MACVTAP,       /* a kept macvtap, opened as is: type='ethernet' managed='no' */
    GUEST_ATTACH_DIRECT,        /* libvirt makes a macvtap on the lower device: type='direct' */
    GUEST_ATTACH_VF,            /* an SR-IOV VF: type='hostdev' managed='yes' */
};

struct guest_iface {
    enum guest_attach attach;
    const char *mac;            /* <mac address>, NULL or "" to let libvirt choose */
    unsigned queues;            /* > 1: <driver queues='N'/> */

    /* GUEST_ATTACH_BRIDGE: the Port's bridge, name and VLAN columns. */
    const char *bridge;
    const char *port;           /* also the device (libvirt's <target dev>) */
    const char *interface_id;   /* Interface external_ids:iface-id, or NULL */
    int64_t tag;                /* -1: none */
    const int64_t *trunks;      /* sorted, as the column keeps them */
    size_t n_trunks;
    const char *vlan_mode;      /* NULL/"": unset (access with a tag, else trunk) */

    /* GUEST_ATTACH_VHOSTUSER */
    const char *socket_path;
    int switch_is_server;       /* dpdkvhostuser: 1 (libvirt mode='client');
                                   dpdkvhostuserclient: 0 (mode='server') */

    /* GUEST_ATTACH_MACVTAP: the device; GUEST_ATTACH_DIRECT: lower and mode. */
    const char *device;
    const char *lower;
    const char *macvtap_mode;   /* bridge, vepa, private, passthru */

    /* GUEST_ATTACH_VF: the VF's PCI address ("0000:04:10.1") and its VLAN:
     * tag (-1 or 0: none), qos and protocol ("802.1ad"; NULL: 802.1Q), of
     * which libvirt's <vlan> says only the tag. */
    const char *vf_pci;
    unsigned vf_qos;
    const char *vf_vlan_proto;
};

/* Appends the element (and the XML comments a reader needs: shared memory
 * for vhost-user, what libvirt cannot express) to `out`, each line ending in
 * '\n'.  Returns 0, or -EINVAL with a heap *error naming what cannot be
 * expressed, leaving `out` unchanged. */
int guest_xml_interface(const struct guest_iface *iface, struct strbuf *out, char **error);

/* What `--virtualport TYPE` may ask for: 0 for "openvswitch" (what
 * guest/xml prints for a bridge port), else -EINVAL with a heap *error
 * saying why (the seed's type='KVM' is no libvirt type) and what to use. */
int guest_xml_check_virtualport(const char *type, char **error);

/* A whole PCI device given to the guest (passthrough through vfio-pci):
 * <hostdev mode='subsystem' type='pci' managed='yes'> with the device's
 * <source><address domain= bus= slot= function=/></source>; managed: libvirt
 * detaches it to vfio-pci when the guest starts and gives it back after.
 * `address` is canonical ("0000:04:00.0").  0, or -EINVAL with a heap
 * *error, leaving `out` unchanged. */
int guest_xml_hostdev_pci(const char *address, struct strbuf *out, char **error);

#endif
