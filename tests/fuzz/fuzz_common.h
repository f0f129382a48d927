/* fuzz_common.h: what Islet's libFuzzer harnesses share: a reader over the
 * fuzz bytes, a check that names the broken property and aborts (so
 * libFuzzer saves the input), and a UTF-8 validator written from Unicode's
 * table 3-7 to hold the runtime's own against. Header-only: each harness
 * is one translation unit. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A broken property: say which, where, and abort so the input is kept. */
#define FZ_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct fz_reader {
    const uint8_t *p;
    size_t left;
} fz_reader;

static inline bool fz_more(const fz_reader *r)
{
    return r->left > 0;
}

/* Reads past the end as zeros: every input means something. */
static inline uint8_t fz_u8(fz_reader *r)
{
    if (!r->left) return 0;
    r->left--;
    return *r->p++;
}

static inline uint16_t fz_u16(fz_reader *r)
{
    uint16_t lo = fz_u8(r);
    return (uint16_t)(lo | (uint16_t)fz_u8(r) << 8);
}

static inline uint64_t fz_u64(fz_reader *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)fz_u8(r) << (8 * i);
    return v;
}

/* Up to n bytes of the input, borrowed; *got says how many there were. */
static inline const uint8_t *fz_bytes(fz_reader *r, size_t n, size_t *got)
{
    const uint8_t *p = r->p;
    *got = n < r->left ? n : r->left;
    r->p += *got;
    r->left -= *got;
    return p;
}

/* Well-formed UTF-8 by Unicode 15, table 3-7 (byte ranges, not decoding):
 * an independent opinion to compare rt_utf8_valid with. */
static inline bool fz_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        size_t k;
        uint8_t lo = 0x80, hi = 0xbf;
        if (b <= 0x7f) {
            i++;
            continue;
        } else if (b >= 0xc2 && b <= 0xdf) {
            k = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
            k = 2;
            if (b == 0xe0) lo = 0xa0;
            if (b == 0xed) hi = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
            k = 3;
            if (b == 0xf0) lo = 0x90;
            if (b == 0xf4) hi = 0x8f;
        } else {
            return false;
        }
        if (n - i - 1 < k) return false;
        if (s[i + 1] < lo || s[i + 1] > hi) return false;
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xbf) return false;
        i += k + 1;
    }
    return true;
}

/* True when i is a code point boundary of s[0..n) (not inside a sequence). */
static inline bool fz_utf8_boundary(const char *s, size_t n, size_t i)
{
    return i == 0 || i == n || (i < n && ((unsigned char)s[i] & 0xc0) != 0x80);
}

#endif
