/* A vhost-user guest's memory table: the regions SET_MEM_TABLE hands us, each
 * mmap()ed from the fd that came with it, and the two translations the
 * backend needs.  Every translation checks that the whole range [addr,
 * addr + len) lies inside ONE region, so a guest cannot make us touch memory
 * outside what it shared. */
#ifndef PONTOON_NETDEV_VHOST_MEM_H
#define PONTOON_NETDEV_VHOST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHOST_MEM_MAX_REGIONS 8     /* VHOST_MEMORY_BASELINE_NREGIONS */

/* One region exactly as VHOST_USER_SET_MEM_TABLE carries it (32 bytes). */
struct vhost_mem_region_spec {
    uint64_t guest_phys_addr;
    uint64_t memory_size;
    uint64_t userspace_addr;       /* the front-end's (QEMU's) virtual address */
    uint64_t mmap_offset;          /* where the region starts in the fd */
};

struct vhost_mem_region {
    struct vhost_mem_region_spec spec;
    uint8_t *host;                 /* our address of guest_phys_addr */
    void *map_addr;                /* what to munmap; NULL if not ours */
    size_t map_size;
};

struct vhost_mem {
    unsigned n_regions;
    struct vhost_mem_region regions[VHOST_MEM_MAX_REGIONS];
};

/* Replaces nothing: `mem` must be empty.  Maps each region from fds[i]
 * (which stay the caller's to close; the mappings outlive them).  All or
 * nothing: returns 0, or a negative errno with `mem` left empty. */
int vhost_mem_map(struct vhost_mem *mem, const struct vhost_mem_region_spec *specs,
                  const int *fds, unsigned n);

/* Adds a region that is already mapped at `host` and is not ours to unmap
 * (tests and fuzzers lay out a fake guest in their own memory). */
int vhost_mem_add_mapped(struct vhost_mem *mem, const struct vhost_mem_region_spec *spec,
                         void *host);

/* Unmaps every region and leaves `mem` empty. */
void vhost_mem_unmap(struct vhost_mem *mem);

/* Guest-physical (descriptor addresses) and front-end virtual (ring
 * addresses from SET_VRING_ADDR) to our pointer; NULL unless all of
 * [addr, addr + len) lies inside one region. */
void *vhost_mem_gpa_to_host(const struct vhost_mem *mem, uint64_t gpa, uint64_t len);
void *vhost_mem_uva_to_host(const struct vhost_mem *mem, uint64_t uva, uint64_t len);

#endif
