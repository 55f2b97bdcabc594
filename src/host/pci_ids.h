/* The PCI ID database, pci.ids (Debian's package pci.ids, the file lspci
 * reads): vendor, device and subsystem names, and class, subclass and
 * programming-interface names.  Loaded once, looked up by number.  Under
 * `--root` the host's own database still gives the names. */
#ifndef PONTOON_HOST_PCI_IDS_H
#define PONTOON_HOST_PCI_IDS_H

#include <stdint.h>

#define PCI_IDS_PATH "/usr/share/misc/pci.ids"

struct pci_ids;

/* Parses the file at `path` (NULL: PCI_IDS_PATH).  0, or -1 with a heap
 * *error ("cannot read /usr/share/misc/pci.ids: No such file or directory
 * (install the pci.ids package)").  Lines it does not understand are skipped,
 * as lspci does. */
int pci_ids_load(const char *path, struct pci_ids **ids, char **error);
void pci_ids_free(struct pci_ids *ids);

/* Names, or NULL when the database has none.  Valid while `ids` lives. */
const char *pci_ids_vendor(const struct pci_ids *ids, uint16_t vendor);
const char *pci_ids_device(const struct pci_ids *ids, uint16_t vendor, uint16_t device);
/* The subsystem's name as listed under the device (lspci's "Subsystem:"). */
const char *pci_ids_subsystem(const struct pci_ids *ids, uint16_t vendor, uint16_t device,
                              uint16_t subvendor, uint16_t subdevice);
const char *pci_ids_class(const struct pci_ids *ids, uint8_t class_id);
const char *pci_ids_subclass(const struct pci_ids *ids, uint8_t class_id, uint8_t subclass);
const char *pci_ids_prog_if(const struct pci_ids *ids, uint8_t class_id, uint8_t subclass,
                            uint8_t prog_if);

#endif
