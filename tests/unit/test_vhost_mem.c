/* Guest memory table: mapping from fds and translation bounds. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netdev/vhost_mem.h"

#define MB (1ull << 20)

static int make_memfd(size_t size)
{
    int fd = memfd_create("guest", MFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    return fd;
}

/* Two regions from one 3 MiB file: gpa [0, 1M) at offset 0 and
 * gpa [1M, 3M) at offset 1M, as QEMU lays out low and high memory. */
static void map_two(struct vhost_mem *mem, int fd)
{
    struct vhost_mem_region_spec specs[2] = {
        { 0, MB, 0x7f0000000000ull, 0 },
        { MB, 2 * MB, 0x7f0000100000ull, MB },
    };
    int fds[2] = { fd, fd };
    assert_int_equal(vhost_mem_map(mem, specs, fds, 2), 0);
}

static void test_translate_bounds(void **state)
{
    int fd = make_memfd(3 * MB);
    struct vhost_mem mem = { 0 };
    map_two(&mem, fd);
    uint8_t *a = vhost_mem_gpa_to_host(&mem, 0, 1);
    uint8_t *b = vhost_mem_gpa_to_host(&mem, MB, 1);
    assert_non_null(a);
    assert_non_null(b);
    a[5] = 0x5a;
    b[7] = 0xa5;
    assert_int_equal(*(uint8_t *)vhost_mem_uva_to_host(&mem, 0x7f0000000005ull, 1), 0x5a);
    assert_int_equal(*(uint8_t *)vhost_mem_uva_to_host(&mem, 0x7f0000100007ull, 1), 0xa5);

    /* Whole region, last byte, one past. */
    assert_non_null(vhost_mem_gpa_to_host(&mem, 0, MB));
    assert_non_null(vhost_mem_gpa_to_host(&mem, MB - 1, 1));
    assert_non_null(vhost_mem_gpa_to_host(&mem, 3 * MB - 1, 1));
    assert_null(vhost_mem_gpa_to_host(&mem, 3 * MB, 1));
    assert_null(vhost_mem_gpa_to_host(&mem, 3 * MB - 1, 2));
    /* A range over the boundary of two regions is refused even though both
     * halves are guest memory: they need not be contiguous for us. */
    assert_null(vhost_mem_gpa_to_host(&mem, MB - 4, 8));
    /* Overflowing lengths and addresses. */
    assert_null(vhost_mem_gpa_to_host(&mem, 16, UINT64_MAX));
    assert_null(vhost_mem_gpa_to_host(&mem, UINT64_MAX, 2));
    assert_null(vhost_mem_gpa_to_host(&mem, UINT64_MAX - 8, 16));
    assert_null(vhost_mem_uva_to_host(&mem, 0x7f0000000000ull - 1, 2));
    assert_null(vhost_mem_uva_to_host(&mem, 0x7f0000300000ull, 1));
    vhost_mem_unmap(&mem);
    assert_int_equal(mem.n_regions, 0);
    assert_null(vhost_mem_gpa_to_host(&mem, 0, 1));
    close(fd);
}

static void test_bad_regions(void **state)
{
    int fd = make_memfd(MB);
    struct vhost_mem mem = { 0 };
    struct vhost_mem_region_spec s;

    s = (struct vhost_mem_region_spec) { 0, 0, 0, 0 };                 /* empty */
    assert_int_equal(vhost_mem_map(&mem, &s, &fd, 1), -EINVAL);
    s = (struct vhost_mem_region_spec) { UINT64_MAX - 10, 4096, 0, 0 }; /* gpa wraps */
    assert_int_equal(vhost_mem_map(&mem, &s, &fd, 1), -EINVAL);
    s = (struct vhost_mem_region_spec) { 0, 4096, UINT64_MAX, 0 };      /* uva wraps */
    assert_int_equal(vhost_mem_map(&mem, &s, &fd, 1), -EINVAL);
    s = (struct vhost_mem_region_spec) { 0, 4096, 0, UINT64_MAX - 100 }; /* offset wraps */
    assert_int_equal(vhost_mem_map(&mem, &s, &fd, 1), -EINVAL);
    s = (struct vhost_mem_region_spec) { 0, 2 * MB, 0, 0 };             /* past the file */
    assert_int_equal(vhost_mem_map(&mem, &s, &fd, 1), -EINVAL);
    s = (struct vhost_mem_region_spec) { 0, MB, 0, 4096 };              /* offset + size past */
    assert_int_equal(vhost_mem_map(&mem, &s, &fd, 1), -EINVAL);
    int bad = -1;
    s = (struct vhost_mem_region_spec) { 0, 4096, 0, 0 };
    assert_int_equal(vhost_mem_map(&mem, &s, &bad, 1), -EBADF);
    /* The second region fails: the first is unmapped again. */
    struct vhost_mem_region_spec two[2] = { { 0, 4096, 0, 0 }, { 4096, 2 * MB, 4096, 0 } };
    int fds[2] = { fd, fd };
    assert_int_equal(vhost_mem_map(&mem, two, fds, 2), -EINVAL);
    assert_int_equal(mem.n_regions, 0);
    /* Nine regions. */
    struct vhost_mem_region_spec nine[9];
    assert_int_equal(vhost_mem_map(&mem, nine, fds, 9), -E2BIG);
    close(fd);
}

static void test_mapped_regions(void **state)
{
    static uint8_t buf[4096];
    struct vhost_mem mem = { 0 };
    struct vhost_mem_region_spec s = { 0x1000, sizeof buf, 0x5000, 0 };
    assert_int_equal(vhost_mem_add_mapped(&mem, &s, buf), 0);
    assert_ptr_equal(vhost_mem_gpa_to_host(&mem, 0x1010, 16), buf + 0x10);
    assert_ptr_equal(vhost_mem_uva_to_host(&mem, 0x5ff0, 16), buf + 0xff0);
    assert_null(vhost_mem_uva_to_host(&mem, 0x5ff0, 17));
    vhost_mem_unmap(&mem);     /* not ours: only forgotten */
    buf[0] = 1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translate_bounds),
        cmocka_unit_test(test_bad_regions),
        cmocka_unit_test(test_mapped_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
