/* String hashing for the open-addressing tables (rows by uuid, running
 * interfaces by bridge and name): FNV-1a, then a mix of the high bits into
 * the low ones, which are the ones a power-of-two table uses and which plain
 * FNV leaves depending only on the characters' own low bits. */
#ifndef PONTOON_UTIL_HASH_H
#define PONTOON_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_BASIS 14695981039346656037ull

static inline uint64_t hash_fnv1a(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

static inline uint64_t hash_fnv1a_bytes(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Separates two strings hashed one after the other. */
static inline uint64_t hash_fnv1a_nul(uint64_t h)
{
    return h * 1099511628211ull;
}

static inline uint64_t hash_finish(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

#endif
