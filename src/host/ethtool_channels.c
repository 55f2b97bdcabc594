/* ethtool ioctls for channels and driver info: see ethtool_channels.h. */
#include "host/ethtool_channels.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

static int ethtool_ioctl(const char *dev, void *cmd)
{
    if (strlen(dev) >= IFNAMSIZ)
        return -ENODEV;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, dev, strlen(dev));
    ifr.ifr_data = cmd;
    int rc = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

int ethtool_get_channels(const char *dev, struct nic_channels *channels)
{
    struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
    int rc = ethtool_ioctl(dev, &ch);
    if (rc)
        return rc;
    *channels = (struct nic_channels){
        ch.max_rx, ch.max_tx, ch.max_other, ch.max_combined,
        ch.rx_count, ch.tx_count, ch.other_count, ch.combined_count,
    };
    return 0;
}

int ethtool_set_combined(const char *dev, uint32_t combined)
{
    struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
    int rc = ethtool_ioctl(dev, &ch);
    if (rc)
        return rc;
    ch.cmd = ETHTOOL_SCHANNELS;
    ch.combined_count = combined;
    return ethtool_ioctl(dev, &ch);
}

int ethtool_get_driver(const char *dev, struct nic_driver_info *info)
{
    struct ethtool_drvinfo drv = { .cmd = ETHTOOL_GDRVINFO };
    int rc = ethtool_ioctl(dev, &drv);
    if (rc)
        return rc;
    /* The kernel's fields are NUL-padded but need not end in a NUL. */
    snprintf(info->driver, sizeof info->driver, "%.*s", (int)sizeof info->driver - 1,
             drv.driver);
    snprintf(info->version, sizeof info->version, "%.*s", (int)sizeof info->version - 1,
             drv.version);
    snprintf(info->bus, sizeof info->bus, "%.*s", (int)sizeof info->bus - 1, drv.bus_info);
    return 0;
}

int ethtool_channels_parse(const char *text, struct nic_channels *channels)
{
    memset(channels, 0, sizeof *channels);
    int section = -1;   /* 0: maximums, 1: current */
    int seen = 0;
    char *copy = strdup(text);
    if (!copy)
        return -ENOMEM;
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strstr(line, "maximums"))
            section = 0;
        else if (strstr(line, "Current"))
            section = 1;
        if (section < 0)
            continue;
        static const char *const keys[] = { "RX:", "TX:", "Other:", "Combined:" };
        for (int k = 0; k < 4; k++) {
            if (strncmp(line, keys[k], strlen(keys[k])))
                continue;
            unsigned long value = strtoul(line + strlen(keys[k]), NULL, 10);   /* n/a: 0 */
            uint32_t *field = section == 0
                ? (uint32_t *[]){ &channels->max_rx, &channels->max_tx, &channels->max_other,
                                  &channels->max_combined }[k]
                : (uint32_t *[]){ &channels->rx, &channels->tx, &channels->other,
                                  &channels->combined }[k];
            *field = (uint32_t)value;
            seen |= 1 << section;
        }
    }
    free(copy);
    return seen == 3 ? 0 : -EINVAL;
}
