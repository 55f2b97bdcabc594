/* A device's channels (ETHTOOL_GCHANNELS / ETHTOOL_SCHANNELS, what
 * `ethtool -l` / `ethtool -L` show and set) and its driver (ETHTOOL_GDRVINFO),
 * in the caller's network namespace; and `ethtool -l`'s text as a support
 * bundle keeps it. */
#ifndef PONTOON_HOST_ETHTOOL_CHANNELS_H
#define PONTOON_HOST_ETHTOOL_CHANNELS_H

#include <stdbool.h>
#include <stdint.h>

struct nic_channels {
    uint32_t max_rx, max_tx, max_other, max_combined;
    uint32_t rx, tx, other, combined;
};

/* 0 or a negative errno (-EOPNOTSUPP: the driver has no channels, as a tap). */
int ethtool_get_channels(const char *dev, struct nic_channels *channels);
/* Sets the combined count, keeping the others (as `ethtool -L DEV combined N`).
 * 0 or the driver's negative errno. */
int ethtool_set_combined(const char *dev, uint32_t combined);

struct nic_driver_info {
    char driver[32], version[32], bus[32];
};
int ethtool_get_driver(const char *dev, struct nic_driver_info *info);

/* `ethtool -l DEV`'s output ("Pre-set maximums:" then "Current hardware
 * settings:", each with RX/TX/Other/Combined, "n/a" for 0).  0 or -EINVAL. */
int ethtool_channels_parse(const char *text, struct nic_channels *channels);

#endif
