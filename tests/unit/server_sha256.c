/* server_sha256.c — SHA-256 against the FIPS 180-4 example vectors (NIST
 * CSRC "Examples with intermediate values"): "abc", the 448-bit two-block
 * message, the empty string, a million 'a's; and streaming in pieces of
 * every size gives the one-call digest (block boundaries, padding that
 * spills into a second block at lengths 56..63). */
#include "check.h"
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

static void hex_of(const char *msg, const char *want)
{
    char hex[65];
    fc_sha256_hex(msg, strlen(msg), hex);
    if (strcmp(hex, want) != 0)
        fprintf(stderr, "sha256('%.20s...') = %s, want %s\n", msg, hex, want);
    CHECK(strcmp(hex, want) == 0);
}

static void vectors(void)
{
    hex_of("abc",
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("",
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
           "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
           "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void million_a(void)
{
    struct fc_sha256 s;
    uint8_t md[32];
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    fc_sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        fc_sha256_update(&s, chunk, sizeof chunk);
    fc_sha256_final(&s, md);
    static const uint8_t want[32] = {
        0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7,
        0xe2, 0x84, 0xd7, 0x3e, 0x67, 0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97,
        0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0};
    CHECK(memcmp(md, want, 32) == 0);
}

/* Every length 0..200 hashed in one call and in pieces of 1..70 bytes. */
static void streaming(void)
{
    unsigned char msg[200];
    for (int i = 0; i < 200; i++)
        msg[i] = (unsigned char)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof msg; len++) {
        char one[65];
        fc_sha256_hex(msg, len, one);
        for (size_t piece = 1; piece <= 70; piece += 23) {
            struct fc_sha256 s;
            uint8_t md[32];
            char hex[65];
            fc_sha256_init(&s);
            for (size_t off = 0; off < len; off += piece)
                fc_sha256_update(&s, msg + off,
                                 len - off < piece ? len - off : piece);
            fc_sha256_final(&s, md);
            for (int i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", md[i]);
            if (strcmp(hex, one) != 0) {
                CHECK(strcmp(hex, one) == 0);
                return;
            }
        }
    }
    CHECK(1);
}

int main(void)
{
    vectors();
    million_a();
    streaming();
    return check_report();
}
