/* macvtap (and macvlan) devices on a lower device: mode names, MAC
 * addresses, the rtnetlink requests that create and delete them, the
 * parsing of the kernel's link messages, and the plan that says what to do
 * with a device found under a wanted name.  Pure: no sockets; the requests
 * are sent by macvtap_link.c. */
#ifndef PONTOON_HOST_MACVTAP_H
#define PONTOON_HOST_MACVTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

#define MACVTAP_NAME_SIZE 16        /* IFNAMSIZ */
#define MACVTAP_ALIAS_SIZE 128

/* The Macvtap table's mode names, and the kernel's MACVLAN_MODE_* values. */
int macvtap_mode_from_name(const char *name, uint32_t *mode);   /* 0 or -EINVAL */
const char *macvtap_mode_name(uint32_t mode);                   /* "?" if unknown */

/* "52:54:00:12:34:56" (either case) into 6 bytes.  -EINVAL unless it is a
 * unicast (not multicast, not all-zero) Ethernet address. */
int macvtap_parse_mac(const char *text, uint8_t mac[6]);
/* Lower-case "xx:xx:xx:xx:xx:xx" into buf (at least 18 bytes). */
void macvtap_format_mac(const uint8_t mac[6], char *buf);

/* A device name the kernel accepts: 1-15 bytes, no '/', ':' or white space,
 * not "." or "..". */
bool macvtap_name_is_valid(const char *name);

/* The alias (IFLA_IFALIAS) pontoond gives the devices it keeps for the
 * database whose Open_vSwitch row is `db_uuid`: how it knows its own after a
 * restart, and leaves everyone else's alone.  buf: MACVTAP_ALIAS_SIZE. */
void macvtap_make_alias(char *buf, const char *db_uuid);

/* What a device should be. */
struct macvtap_spec {
    char name[MACVTAP_NAME_SIZE];
    const char *kind;               /* "macvtap", or "macvlan" (the host's side) */
    int lower_ifindex;
    uint32_t mode;                  /* MACVLAN_MODE_* */
    bool has_mac;
    uint8_t mac[6];
    char alias[MACVTAP_ALIAS_SIZE]; /* IFLA_IFALIAS: whose device it is */
};

/* What the kernel says a device is (RTM_NEWLINK parsed). */
struct macvtap_link {
    char name[MACVTAP_NAME_SIZE];
    int ifindex;
    char kind[16];                  /* IFLA_INFO_KIND, "" if none */
    int lower_ifindex;              /* IFLA_LINK, 0 if none */
    uint32_t mode;                  /* IFLA_MACVLAN_MODE, 0 if none */
    bool has_mac;
    uint8_t mac[6];
    bool up;                        /* IFF_UP */
    char alias[MACVTAP_ALIAS_SIZE]; /* IFLA_IFALIAS, "" if none */
};

/* RTM_NEWLINK (create, exclusive, ack) for `spec` into buf; returns the
 * message's length, or 0 when buf (size bytes) is too small. */
size_t macvtap_build_create(void *buf, size_t size, const struct macvtap_spec *spec,
                            uint32_t seq);
/* RTM_NEWLINK on an existing device: IFF_UP, and the alias when not NULL. */
size_t macvtap_build_set_up(void *buf, size_t size, int ifindex, const char *alias,
                            uint32_t seq);
/* RTM_DELLINK of ifindex. */
size_t macvtap_build_delete(void *buf, size_t size, int ifindex, uint32_t seq);
/* RTM_GETLINK of one device by name (size 0: a dump of every device). */
size_t macvtap_build_get(void *buf, size_t size, const char *name, uint32_t seq);

/* Parses an RTM_NEWLINK message; 0, or -EINVAL if it is not one. */
int macvtap_parse_link(const struct nlmsghdr *nlh, struct macvtap_link *link);

enum macvtap_action {
    MACVTAP_KEEP,                   /* as wanted, and up */
    MACVTAP_SET_UP,                 /* as wanted, but down */
    MACVTAP_CREATE,                 /* no device of that name */
    MACVTAP_RECREATE,               /* ours, but not as wanted: delete, create */
    MACVTAP_FOREIGN,                /* a device that is not ours holds the name */
};

/* What to do with the device `have` (NULL: none of that name) to make it
 * `want`.  A device is ours when its alias is want->alias. */
enum macvtap_action macvtap_plan(const struct macvtap_spec *want,
                                 const struct macvtap_link *have);
const char *macvtap_action_name(enum macvtap_action action);

/* "246:1\n" (a sysfs dev file) into major and minor; 0 or -EINVAL. */
int macvtap_parse_devnum(const char *text, unsigned *major, unsigned *minor);

#endif
