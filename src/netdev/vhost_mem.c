/* The guest memory table of a vhost-user connection. */
#include "netdev/vhost_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "util/log.h"

/* A region must be non-empty and its three ranges must not wrap around. */
static int region_spec_check(const struct vhost_mem_region_spec *s)
{
    uint64_t last = s->memory_size - 1;
    if (s->memory_size == 0 || s->memory_size > SIZE_MAX)
        return -EINVAL;
    if (s->guest_phys_addr > UINT64_MAX - last || s->userspace_addr > UINT64_MAX - last ||
        s->mmap_offset > UINT64_MAX - s->memory_size)
        return -EINVAL;
    return 0;
}

int vhost_mem_add_mapped(struct vhost_mem *mem, const struct vhost_mem_region_spec *spec,
                         void *host)
{
    if (mem->n_regions >= VHOST_MEM_MAX_REGIONS)
        return -E2BIG;
    int err = region_spec_check(spec);
    if (err)
        return err;
    struct vhost_mem_region *r = &mem->regions[mem->n_regions++];
    r->spec = *spec;
    r->host = host;
    r->map_addr = NULL;
    r->map_size = 0;
    return 0;
}

/* Maps one region.  hugetlbfs wants lengths in whole huge pages, and the fd's
 * block size is its page size.  The file must really hold the region: a
 * mapping past its end would SIGBUS us on the first access. */
static int region_map(const struct vhost_mem_region_spec *s, int fd, struct vhost_mem_region *r)
{
    int err = region_spec_check(s);
    if (err)
        return err;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return -EBADF;
    uint64_t end = s->mmap_offset + s->memory_size;
    if (!S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size < end)
        return -EINVAL;
    uint64_t align = st.st_blksize > 0 ? (uint64_t)st.st_blksize : 4096;
    if (align & (align - 1))
        align = 4096;
    if (end > UINT64_MAX - (align - 1))
        return -EINVAL;
    uint64_t map_size = (end + align - 1) & ~(align - 1);
    if (map_size > SIZE_MAX)
        return -ENOMEM;
    void *addr = mmap(NULL, (size_t)map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED)
        return -errno;
    r->spec = *s;
    r->map_addr = addr;
    r->map_size = (size_t)map_size;
    r->host = (uint8_t *)addr + s->mmap_offset;
    return 0;
}

int vhost_mem_map(struct vhost_mem *mem, const struct vhost_mem_region_spec *specs,
                  const int *fds, unsigned n)
{
    if (mem->n_regions)
        return -EBUSY;
    if (n > VHOST_MEM_MAX_REGIONS)
        return -E2BIG;
    for (unsigned i = 0; i < n; i++) {
        int err = region_map(&specs[i], fds[i], &mem->regions[i]);
        if (err) {
            log_warn("vhost: cannot map guest memory region %u (size %llu, offset %llu): %s",
                     i, (unsigned long long)specs[i].memory_size,
                     (unsigned long long)specs[i].mmap_offset, strerror(-err));
            vhost_mem_unmap(mem);
            return err;
        }
        mem->n_regions = i + 1;
    }
    return 0;
}

void vhost_mem_unmap(struct vhost_mem *mem)
{
    for (unsigned i = 0; i < mem->n_regions; i++)
        if (mem->regions[i].map_addr)
            munmap(mem->regions[i].map_addr, mem->regions[i].map_size);
    memset(mem, 0, sizeof *mem);
}

/* Subtraction first, so that nothing here can overflow: addr - start is
 * the offset into the region, and len must fit in what remains after it. */
static inline void *translate(const struct vhost_mem *mem, uint64_t addr, uint64_t len,
                              bool by_gpa)
{
    for (unsigned i = 0; i < mem->n_regions; i++) {
        const struct vhost_mem_region *r = &mem->regions[i];
        uint64_t start = by_gpa ? r->spec.guest_phys_addr : r->spec.userspace_addr;
        if (addr < start)
            continue;
        uint64_t offset = addr - start;
        if (offset >= r->spec.memory_size || len > r->spec.memory_size - offset)
            continue;
        return r->host + offset;
    }
    return NULL;
}

void *vhost_mem_gpa_to_host(const struct vhost_mem *mem, uint64_t gpa, uint64_t len)
{
    return translate(mem, gpa, len, true);
}

void *vhost_mem_uva_to_host(const struct vhost_mem *mem, uint64_t uva, uint64_t len)
{
    return translate(mem, uva, len, false);
}
