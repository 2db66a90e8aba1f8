/* float32 kernels from piecewise tables, in float32 arithmetic (AVX-512): the gelu, exact
 * and tanh form (both directions), and the silu backward.
 *
 * Why kernels of their own: the portable float32 paths of these (_math.pxd) compute in
 * double with divisions, 0.5 ulp but 2 to 4 times PyTorch's time.  These have no
 * division and no double.  Both functions are a smooth factor times an exponential:
 *
 *   a = |x| (clamped), e = e^(-a^2/2) (gelu) or e^(-a) (silu)
 *   gelu(x)  = x e M(a)            (x < 0)     x - x e M(a)        (x >= 0)
 *   gelu'(x) = e H(a)              (x < 0)     1 - e H(a)          (x >= 0)
 *   silu'(x) = e F(a)              (x < 0)     1 - e F(a)          (x >= 0)
 *   M(a) = Phi(-a) e^(a^2/2),  H(a) = M(a) - a/sqrt(2 pi),  F(a) = (1 + e^-a - a)/(1 + e^-a)^2
 *
 * H and F vanish at a = a0 (the derivatives' zero at x = -a0: 0.7518 and 1.2785), so they
 * are kept as (a - R) G(a), with R = a0 as a float-float on the pieces near the zero
 * (a - a0hi is exact there, Sterbenz) and R = 0 (or 1) beyond, where a - R is exact too.
 *
 * Pieces.  M and G are polynomials of degree 6 in t = a - (the piece's centre) on 16
 * pieces picked by the bits of a + b: the low two exponent bits and the top two mantissa
 * bits, i.e. quarters of each binade of a + b.  gelu: b = 1, a in [0, 0.25), ..., [13, 15);
 * silu: b = 2, a in [0, 0.5), ..., [26, 30), and the last piece G = -1, R = 1 exactly
 * (F(a) = 1 - a to 2e-11 there, and beyond, up to the clamp).  Each coefficient of the
 * 16 pieces is one zmm register, fetched for every lane by one vpermps.  A piece is 1/8
 * of its distance to the nearest singularity or narrower, so degree 6 fits to 0.13 x 2^-24
 * relative or better (c0 is a float-float; generated and checked, see below).
 *
 * The exponential: e = 2^n (1 + s), n = round(-q log2 e), r = -q - n ln2 (Cody-Waite;
 * gelu's q = a^2/2 is carried as h/2 + l/2 exactly with an fma), s = e^r - 1 a degree-6
 * polynomial.  (1 + s) is never rounded on its own: M (1 + s) = c0 + (rest + M s) and
 * the final product or difference round about once; 2^n is applied last (vscalefps), so
 * the results stay normal down to the ends of the fast range.
 *
 * Fast range (the rest goes to the careful scalar path: the *_hard predicates of
 * _math.pxd): gelu x >= -13 (x Phi(x) nears the subnormal range below), silu x >= -87;
 * inf and NaN.  Errors over every float32 of the range: the README's accuracy table.
 *
 * Speed: about 45 vector instructions per 16 elements; four vectors go through each
 * step together so that their dependency chains (about 60 cycles) overlap.
 *
 * The tables are generated with mpmath by generate_table32() in
 * tests/test_activations.py (`python tests/test_activations.py --regen` rewrites the
 * block between the BEGIN/END markers); the tests check them against mpmath.
 */
#ifndef FASTACT_TABLE32_H
#define FASTACT_TABLE32_H
#include <stddef.h>
#include "_vecmath.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_TABLE32_VEC 1
#include <immintrin.h>

/* BEGIN GENERATED TABLE32 TABLES */
static const float FA_GELU32_CENTRE[16] __attribute__((aligned(64))) = {0x1.4000000000000p+0f, 0x1.c000000000000p+0f, 0x1.2000000000000p+1f, 0x1.6000000000000p+1f, 0x1.c000000000000p+1f, 0x1.2000000000000p+2f, 0x1.6000000000000p+2f, 0x1.a000000000000p+2f, 0x1.0000000000000p+3f, 0x1.4000000000000p+3f, 0x1.8000000000000p+3f, 0x1.c000000000000p+3f, 0x1.0000000000000p-3f, 0x1.8000000000000p-2f, 0x1.4000000000000p-1f, 0x1.c000000000000p-1f};
static const float FA_GELU32_M[7][16] __attribute__((aligned(64))) = {
    {0x1.d898de0000000p-3f, 0x1.7b5abe0000000p-3f, 0x1.3aadde0000000p-3f, 0x1.0bb9680000000p-3f, 0x1.b396fa0000000p-4f, 0x1.5b5ace0000000p-4f, 0x1.201faa0000000p-4f, 0x1.eba5fe0000000p-5f, 0x1.9269720000000p-5f, 0x1.43a38a0000000p-5f, 0x1.0e7dce0000000p-5f, 0x1.d087ae0000000p-6f, 0x1.d0af2c0000000p-2f, 0x1.84b7060000000p-2f, 0x1.4b1de20000000p-2f, 0x1.1e7c2e0000000p-2f},
    {-0x1.c493240000000p-4f, -0x1.3253b80000000p-4f, -0x1.b405cc0000000p-5f, -0x1.432b1a0000000p-5f, -0x1.b603900000000p-6f, -0x1.1be2c60000000p-6f, -0x1.8b19560000000p-7f, -0x1.21ae920000000p-7f, -0x1.86b84a0000000p-8f, -0x1.fbf2d20000000p-9f, -0x1.63cfca0000000p-9f, -0x1.06cdbe0000000p-9f, -0x1.5e6e6e0000000p-2f, -0x1.06bfb20000000p-2f, -0x1.93234e0000000p-3f, -0x1.3baf580000000p-3f},
    {0x1.7b79d20000000p-5f, 0x1.bd45f60000000p-6f, 0x1.15aa6a0000000p-6f, 0x1.6c5e3e0000000p-7f, 0x1.a29f020000000p-8f, 0x1.bfbaea0000000p-9f, 0x1.07e3ea0000000p-9f, 0x1.4ea5060000000p-10f, 0x1.7625d20000000p-11f, 0x1.8af23c0000000p-12f, 0x1.d0fb660000000p-13f, 0x1.27e8040000000p-13f, 0x1.a4e15e0000000p-3f, 0x1.222f260000000p-3f, 0x1.9a45b40000000p-4f, 0x1.28beee0000000p-4f},
    {-0x1.1f30c40000000p-6f, -0x1.295ffc0000000p-7f, -0x1.49bac00000000p-8f, -0x1.8388b00000000p-9f, -0x1.7e779a0000000p-10f, -0x1.55b8940000000p-11f, -0x1.57fc940000000p-12f, -0x1.7b5ff00000000p-13f, -0x1.617b920000000p-14f, -0x1.30507a0000000p-15f, -0x1.2ddb7c0000000p-16f, -0x1.4b93d60000000p-17f, -0x1.b02a140000000p-4f, -0x1.15c5ce0000000p-4f, -0x1.6e8ec20000000p-5f, -0x1.ef9bd60000000p-6f},
    {0x1.8feffe0000000p-8f, 0x1.721b880000000p-9f, 0x1.70c9f80000000p-10f, 0x1.87b1ae0000000p-11f, 0x1.4fb13c0000000p-12f, 0x1.fa3c860000000p-14f, 0x1.b63f520000000p-15f, 0x1.a676720000000p-16f, 0x1.49c6a80000000p-17f, 0x1.d0ebea0000000p-19f, 0x1.8577ac0000000p-20f, 0x1.71cac00000000p-21f, 0x1.89ddf00000000p-5f, 0x1.dc22c40000000p-6f, 0x1.27b1dc0000000p-6f, 0x1.78a5d80000000p-7f},
    {-0x1.0652fa0000000p-9f, -0x1.b5d72a0000000p-11f, -0x1.89206e0000000p-12f, -0x1.7e5ba00000000p-13f, -0x1.2133c60000000p-14f, -0x1.70fdb00000000p-16f, -0x1.140a780000000p-17f, -0x1.d0a5020000000p-19f, -0x1.36b56a0000000p-20f, -0x1.6561b00000000p-22f, -0x1.f9f6b80000000p-24f, -0x1.9c48840000000p-25f, -0x1.4791b80000000p-6f, -0x1.7a99720000000p-7f, -0x1.bc30b00000000p-8f, -0x1.0bc1b40000000p-8f},
    {0x1.3fc63a0000000p-11f, 0x1.e5f8280000000p-13f, 0x1.8ab08a0000000p-14f, 0x1.63fe240000000p-15f, 0x1.d73b5e0000000p-17f, 0x1.01def80000000p-18f, 0x1.51753e0000000p-20f, 0x1.f2d0700000000p-22f, 0x1.1994d80000000p-23f, 0x1.0b5b760000000p-25f, 0x1.42c4d60000000p-27f, 0x1.c5f0b00000000p-29f, 0x1.f42d880000000p-8f, 0x1.1adfa40000000p-8f, 0x1.3867c00000000p-9f, 0x1.6011fa0000000p-10f},
};
static const float FA_GELU32_M_C0LO[16] __attribute__((aligned(64))) = {0x1.488d240000000p-32f, -0x1.a018bc0000000p-28f, -0x1.caca580000000p-32f, 0x1.9be2c60000000p-28f, -0x1.7899980000000p-31f, -0x1.89293e0000000p-29f, -0x1.b4a1980000000p-29f, 0x1.6c7e5e0000000p-31f, 0x1.8b30aa0000000p-32f, 0x1.c983540000000p-30f, -0x1.c4b6ec0000000p-30f, -0x1.23d42a0000000p-31f, -0x1.82e7a00000000p-28f, -0x1.388c440000000p-30f, -0x1.b33d740000000p-27f, -0x1.b25e740000000p-27f};
static const float FA_GELU32_G[7][16] __attribute__((aligned(64))) = {
    {-0x1.1355860000000p-1f, -0x1.0715c20000000p-1f, -0x1.5296940000000p-2f, -0x1.67d6fa0000000p-2f, -0x1.7967420000000p-2f, -0x1.85382c0000000p-2f, -0x1.8b6b9e0000000p-2f, -0x1.8f0fe60000000p-2f, -0x1.923aae0000000p-2f, -0x1.9478ae0000000p-2f, -0x1.95b3040000000p-2f, -0x1.9671700000000p-2f, -0x1.49f3300000000p-1f, -0x1.3888f80000000p-1f, -0x1.2ae4100000000p-1f, -0x1.1fff1a0000000p-1f},
    {0x1.d1ca5a0000000p-5f, 0x1.4929120000000p-5f, -0x1.ba6c640000000p-5f, -0x1.031f3c0000000p-5f, -0x1.0b617c0000000p-6f, -0x1.0765ee0000000p-7f, -0x1.2811820000000p-8f, -0x1.6c73c40000000p-9f, -0x1.8c91000000000p-10f, -0x1.9a4ef40000000p-11f, -0x1.dda5080000000p-12f, -0x1.2ddb580000000p-12f, 0x1.3c0c840000000p-3f, 0x1.ea691c0000000p-4f, 0x1.842b100000000p-4f, 0x1.38c24e0000000p-4f},
    {-0x1.5a7ff20000000p-6f, -0x1.aadc240000000p-7f, 0x1.0256160000000p-5f, 0x1.fd67000000000p-7f, 0x1.a92f720000000p-8f, 0x1.4da0a60000000p-9f, 0x1.37485a0000000p-10f, 0x1.473ef20000000p-11f, 0x1.23d2140000000p-12f, 0x1.e639b60000000p-14f, 0x1.d96c800000000p-15f, 0x1.0108c80000000p-15f, -0x1.4e80740000000p-4f, -0x1.dd7e460000000p-5f, -0x1.5caae20000000p-5f, -0x1.03efca0000000p-5f},
    {0x1.dc110c0000000p-8f, 0x1.03686a0000000p-8f, -0x1.0a39e40000000p-6f, -0x1.b8e7fc0000000p-8f, -0x1.2973b80000000p-9f, -0x1.746cb40000000p-11f, -0x1.20e7d20000000p-12f, -0x1.03bba00000000p-13f, -0x1.7c0eac0000000p-15f, -0x1.fea1720000000p-17f, -0x1.a034720000000p-18f, -0x1.8479380000000p-19f, 0x1.37a53e0000000p-5f, 0x1.9e6cb00000000p-6f, 0x1.1a64dc0000000p-6f, 0x1.89ab9c0000000p-7f},
    {-0x1.319e540000000p-9f, -0x1.29ee460000000p-10f, 0x1.011af40000000p-7f, 0x1.64401e0000000p-9f, 0x1.83cb8c0000000p-11f, 0x1.833fe20000000p-13f, 0x1.f3e3c60000000p-15f, 0x1.80a8840000000p-16f, 0x1.ce6b3a0000000p-18f, 0x1.f573be0000000p-20f, 0x1.565f840000000p-21f, 0x1.12ccae0000000p-22f, -0x1.0665200000000p-6f, -0x1.47d0dc0000000p-7f, -0x1.a434be0000000p-8f, -0x1.13d28c0000000p-8f},
    {0x1.751b2a0000000p-11f, 0x1.4790240000000p-12f, -0x1.e9d5b60000000p-9f, -0x1.1883fc0000000p-10f, -0x1.f7a9000000000p-13f, -0x1.8a6e1e0000000p-15f, -0x1.a453b20000000p-17f, -0x1.13d4400000000p-18f, -0x1.16a89a0000000p-20f, -0x1.e249620000000p-23f, -0x1.1240880000000p-24f, -0x1.78f43c0000000p-26f, 0x1.9522720000000p-8f, 0x1.e53cb00000000p-9f, 0x1.25556a0000000p-9f, 0x1.61c8aa0000000p-10f},
    {-0x1.ab84600000000p-13f, -0x1.56a85c0000000p-14f, 0x1.c0cec60000000p-10f, 0x1.a9ab3c0000000p-12f, 0x1.32e67c0000000p-14f, 0x1.7d1bb40000000p-17f, 0x1.5122de0000000p-19f, 0x1.7a7b940000000p-21f, 0x1.3b9e600000000p-23f, 0x1.b8df600000000p-26f, 0x1.a420c20000000p-28f, 0x1.f1dfca0000000p-30f, -0x1.211b6e0000000p-9f, -0x1.4dfee20000000p-10f, -0x1.7cb06e0000000p-11f, -0x1.b45e1e0000000p-12f},
};
static const float FA_GELU32_G_C0LO[16] __attribute__((aligned(64))) = {-0x1.41f76e0000000p-26f, -0x1.6ecb880000000p-28f, 0x1.321c400000000p-28f, -0x1.773e020000000p-28f, 0x1.2c927c0000000p-27f, 0x1.35ef360000000p-27f, 0x1.fd25080000000p-27f, -0x1.ed330e0000000p-27f, 0x1.162c040000000p-27f, -0x1.369b200000000p-28f, 0x1.d84cf40000000p-29f, 0x1.ed4f600000000p-27f, 0x1.ee06980000000p-26f, 0x1.f5b6a20000000p-27f, 0x1.7e876c0000000p-28f, -0x1.3a86f80000000p-26f};
static const float FA_GELU32_R[16] __attribute__((aligned(64))) = {0x1.80ead20000000p-1f, 0x1.80ead20000000p-1f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0x1.80ead20000000p-1f, 0x1.80ead20000000p-1f, 0x1.80ead20000000p-1f, 0x1.80ead20000000p-1f};
static const float FA_GELU32_NEG_RLO[16] __attribute__((aligned(64))) = {0x1.a03fd40000000p-27f, 0x1.a03fd40000000p-27f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0x1.a03fd40000000p-27f, 0x1.a03fd40000000p-27f, 0x1.a03fd40000000p-27f, 0x1.a03fd40000000p-27f};
static const float FA_GELUT32_CENTRE[16] __attribute__((aligned(64))) = {0x1.4000000000000p+0f, 0x1.c000000000000p+0f, 0x1.2000000000000p+1f, 0x1.6000000000000p+1f, 0x1.c000000000000p+1f, 0x1.2000000000000p+2f, 0x1.6000000000000p+2f, 0x1.a000000000000p+2f, 0x1.0000000000000p+3f, 0x1.4000000000000p+3f, 0x1.8000000000000p+3f, 0x1.c000000000000p+3f, 0x1.0000000000000p-3f, 0x1.8000000000000p-2f, 0x1.4000000000000p-1f, 0x1.c000000000000p-1f};
static const float FA_GELUT32_M[7][16] __attribute__((aligned(64))) = {
    {0x1.c9d0d40000000p-1f, 0x1.eb75cc0000000p-1f, 0x1.f9cf680000000p-1f, 0x1.fe8fe60000000p-1f, 0x1.ffe8ec0000000p-1f, 0x1.ffffda0000000p-1f, 0x1.0000000000000p+0f, 0x1.0000000000000p+0f, 0x1.0000000000000p+0f, 0x1.0000000000000p+0f, 0x1.0000000000000p+0f, 0x1.0000000000000p+0f, 0x1.1977340000000p-1f, 0x1.4ad4b40000000p-1f, 0x1.77c8cc0000000p-1f, 0x1.9e40e20000000p-1f},
    {0x1.7614e40000000p-3f, 0x1.6318e60000000p-4f, 0x1.0628980000000p-5f, 0x1.26ffd20000000p-7f, 0x1.8548600000000p-11f, 0x1.c7a7ec0000000p-18f, 0x1.3829380000000p-27f, 0x1.9cf2620000000p-40f, 0x1.f8bef40000000p-55f, -0x1.27a4720000000p-97f, 0x1.096b500000000p-102f, -0x1.63bb260000000p-98f, 0x1.9552800000000p-2f, 0x1.7ca8d00000000p-2f, 0x1.4fcc060000000p-2f, 0x1.1653f80000000p-2f},
    {-0x1.d186100000000p-4f, -0x1.3490960000000p-4f, -0x1.279b5e0000000p-5f, -0x1.a178ea0000000p-7f, -0x1.77c4520000000p-10f, -0x1.3e94960000000p-16f, -0x1.27a4f20000000p-25f, -0x1.bc636a0000000p-38f, -0x1.89090e0000000p-54f, 0x1.fffed80000000p-49f, 0x1.fffea40000000p-51f, 0x1.bffea00000000p-48f, -0x1.9749a40000000p-6f, -0x1.1ea4d20000000p-4f, -0x1.a4bb220000000p-4f, -0x1.e703ee0000000p-4f},
    {0x1.1a885a0000000p-6f, 0x1.de42c00000000p-6f, 0x1.5dfb700000000p-6f, 0x1.4d6ca00000000p-7f, 0x1.b1f81e0000000p-10f, 0x1.117e240000000p-15f, 0x1.35e3ce0000000p-24f, 0x1.3e00340000000p-38f, -0x1.bb01a60000000p-53f, 0x1.5a1dc40000000p-98f, 0x1.2219480000000p-100f, 0x1.8f785c0000000p-98f, -0x1.0b322c0000000p-4f, -0x1.b4ad6e0000000p-5f, -0x1.0eb9f00000000p-5f, -0x1.4d999a0000000p-7f},
    {0x1.b395ba0000000p-7f, -0x1.de2f760000000p-12f, -0x1.7f9d600000000p-8f, -0x1.3565240000000p-8f, -0x1.4702d00000000p-10f, -0x1.516d0a0000000p-15f, -0x1.2ac9900000000p-23f, -0x1.bac6b40000000p-36f, 0x1.cc2c480000000p-52f, -0x1.f875700000000p-48f, -0x1.1d89ec0000000p-49f, -0x1.bed1a20000000p-47f, 0x1.9c89c40000000p-8f, 0x1.1595e40000000p-6f, 0x1.72071c0000000p-6f, 0x1.6b4fd20000000p-6f},
    {-0x1.87e3ba0000000p-8f, -0x1.0990600000000p-8f, -0x1.0724ac0000000p-11f, 0x1.035e280000000p-10f, 0x1.43475c0000000p-11f, 0x1.593da80000000p-15f, 0x1.403f360000000p-22f, 0x1.910b1c0000000p-33f, 0x1.9bc3140000000p-52f, -0x1.cd8e880000000p-100f, -0x1.cd8e0e0000000p-105f, -0x1.cd8d960000000p-103f, 0x1.3c5b9e0000000p-7f, 0x1.b96cac0000000p-8f, 0x1.1b24100000000p-9f, -0x1.4aa2880000000p-9f},
    {-0x1.c873fe0000000p-12f, 0x1.50675e0000000p-10f, 0x1.d260dc0000000p-11f, 0x1.419bfc0000000p-13f, -0x1.6134240000000p-13f, -0x1.ae7e2c0000000p-16f, -0x1.3875740000000p-22f, -0x1.0a477a0000000p-32f, -0x1.ae9c320000000p-52f, 0x1.1b11a40000000p-48f, 0x1.7c31f40000000p-50f, 0x1.0145b00000000p-47f, -0x1.4001fc0000000p-10f, -0x1.70f9060000000p-9f, -0x1.acee660000000p-9f, -0x1.570c100000000p-9f},
};
static const float FA_GELUT32_M_C0LO[16] __attribute__((aligned(64))) = {0x1.6a78540000000p-28f, -0x1.3876a60000000p-26f, 0x1.77c1600000000p-27f, -0x1.9c08340000000p-26f, 0x1.05ac440000000p-26f, -0x1.31b45e0000000p-27f, -0x1.26fde60000000p-30f, -0x1.9000000000000p-44f, 0.0f, -0x1.0000000000000p-51f, -0x1.0000000000000p-53f, -0x1.c000000000000p-51f, 0x1.186d1e0000000p-26f, -0x1.170aea0000000p-30f, 0x1.b481600000000p-28f, 0x1.8042f40000000p-27f};
static const float FA_GELUT32_G[7][16] __attribute__((aligned(64))) = {
    {-0x1.0a43500000000p+1f, -0x1.56a0e20000000p+1f, -0x1.16874c0000000p+1f, -0x1.6ac00c0000000p+1f, -0x1.f7280c0000000p+1f, -0x1.6d556c0000000p+2f, -0x1.f8ebf00000000p+2f, -0x1.4f8e820000000p+3f, -0x1.e577f60000000p+3f, -0x1.6e6f780000000p+4f, -0x1.02b3a40000000p+5f, -0x1.5bd9080000000p+5f, -0x1.8f49200000000p-1f, -0x1.0995ca0000000p+0f, -0x1.527fac0000000p+0f, -0x1.9f67500000000p+0f},
    {-0x1.3682fe0000000p+0f, -0x1.2d721e0000000p+0f, -0x1.4a5d020000000p+0f, -0x1.5b67f60000000p+0f, -0x1.95e95a0000000p+0f, -0x1.f9dd920000000p+0f, -0x1.31a2580000000p+1f, -0x1.673b9a0000000p+1f, -0x1.b8676c0000000p+1f, -0x1.12a47a0000000p+2f, -0x1.493f580000000p+2f, -0x1.7fee160000000p+2f, -0x1.ec5c7e0000000p-1f, -0x1.17a39a0000000p+0f, -0x1.2da1c20000000p+0f, -0x1.37c0d40000000p+0f},
    {0x1.2dbcfc0000000p-5f, 0x1.cb3bc60000000p-7f, -0x1.1932040000000p-6f, -0x1.c46ece0000000p-4f, -0x1.7341140000000p-3f, -0x1.9f87a60000000p-3f, -0x1.aa17e20000000p-3f, -0x1.aef24c0000000p-3f, -0x1.b2676c0000000p-3f, -0x1.b45b1c0000000p-3f, -0x1.b538020000000p-3f, -0x1.b5a85a0000000p-3f, -0x1.32883c0000000p-2f, -0x1.c0bdf80000000p-3f, -0x1.fbe2660000000p-4f, -0x1.32ac7c0000000p-5f},
    {0x1.d955a60000000p-6f, -0x1.9a7caa0000000p-5f, -0x1.264c3a0000000p-4f, -0x1.9abaa20000000p-5f, -0x1.06ed0c0000000p-6f, -0x1.68abe80000000p-9f, -0x1.1f0a400000000p-10f, -0x1.263ae00000000p-11f, -0x1.ffe7de0000000p-13f, -0x1.a512c80000000p-14f, -0x1.9514e20000000p-15f, -0x1.b477840000000p-16f, 0x1.66b0360000000p-4f, 0x1.f3ba280000000p-4f, 0x1.02853a0000000p-3f, 0x1.9a36760000000p-4f},
    {-0x1.9d7cd60000000p-5f, -0x1.87b3200000000p-6f, 0x1.9f84c80000000p-8f, 0x1.b931ea0000000p-7f, 0x1.ed96fc0000000p-8f, 0x1.d251c20000000p-11f, 0x1.a316bc0000000p-13f, 0x1.6771dc0000000p-14f, 0x1.fff2960000000p-16f, 0x1.4a8b080000000p-17f, 0x1.0b28700000000p-18f, 0x1.eeaa7c0000000p-20f, 0x1.7d9a080000000p-5f, 0x1.4dce5e0000000p-6f, -0x1.8653680000000p-7f, -0x1.3a9e640000000p-5f},
    {0x1.7a66900000000p-9f, 0x1.cb573e0000000p-7f, 0x1.35a0a20000000p-8f, 0x1.0d8d400000000p-11f, -0x1.2758c40000000p-9f, -0x1.b8d2ac0000000p-12f, -0x1.35d00c0000000p-15f, -0x1.608bae0000000p-17f, -0x1.06b9c80000000p-18f, -0x1.88751c0000000p-21f, -0x1.39218c0000000p-22f, -0x1.3674560000000p-23f, -0x1.0359f00000000p-6f, -0x1.9c42e00000000p-6f, -0x1.94dd940000000p-6f, -0x1.0b8c820000000p-6f},
    {0x1.e9d0600000000p-8f, -0x1.7a50260000000p-17f, -0x1.3434cc0000000p-11f, -0x1.85e4fc0000000p-10f, 0x1.f9fda40000000p-14f, 0x1.8b69220000000p-13f, 0x1.95af460000000p-17f, 0x1.d07d200000000p-19f, 0x1.05fca80000000p-21f, 0x1.bdc50c0000000p-23f, 0x1.d291280000000p-25f, 0x1.5e1aea0000000p-26f, -0x1.17378a0000000p-7f, -0x1.0898140000000p-8f, 0x1.d5d6600000000p-9f, 0x1.f6855a0000000p-8f},
};
static const float FA_GELUT32_G_C0LO[16] __attribute__((aligned(64))) = {-0x1.cd64e40000000p-26f, -0x1.878fd40000000p-27f, 0x1.2882880000000p-24f, 0x1.b6673a0000000p-24f, 0x1.cc7dce0000000p-24f, 0x1.2266b00000000p-25f, -0x1.289ab00000000p-26f, 0x1.706a080000000p-25f, -0x1.7c50520000000p-23f, 0x1.929a2a0000000p-25f, -0x1.54ad160000000p-20f, -0x1.ea8c200000000p-23f, 0x1.35e3000000000p-27f, -0x1.a269ba0000000p-25f, -0x1.5508500000000p-26f, -0x1.b37b3c0000000p-25f};
static const float FA_GELUT32_R[16] __attribute__((aligned(64))) = {0x1.8142a00000000p-1f, 0x1.8142a00000000p-1f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0x1.8142a00000000p-1f, 0x1.8142a00000000p-1f, 0x1.8142a00000000p-1f, 0x1.8142a00000000p-1f};
static const float FA_GELUT32_NEG_RLO[16] __attribute__((aligned(64))) = {0x1.85a06c0000000p-27f, 0x1.85a06c0000000p-27f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0x1.85a06c0000000p-27f, 0x1.85a06c0000000p-27f, 0x1.85a06c0000000p-27f, 0x1.85a06c0000000p-27f};
static const float FA_SILU32_CENTRE[16] __attribute__((aligned(64))) = {0x1.0000000000000p-2f, 0x1.8000000000000p-1f, 0x1.4000000000000p+0f, 0x1.c000000000000p+0f, 0x1.4000000000000p+1f, 0x1.c000000000000p+1f, 0x1.2000000000000p+2f, 0x1.6000000000000p+2f, 0x1.c000000000000p+2f, 0x1.2000000000000p+3f, 0x1.6000000000000p+3f, 0x1.a000000000000p+3f, 0x1.0000000000000p+4f, 0x1.4000000000000p+4f, 0x1.8000000000000p+4f, 0x1.c000000000000p+4f};
static const float FA_SILU32_G[7][16] __attribute__((aligned(64))) = {
    {-0x1.e111880000000p-2f, -0x1.42d59e0000000p-1f, -0x1.8cba5e0000000p-1f, -0x1.c6211e0000000p-1f, -0x1.fb908a0000000p-1f, -0x1.546d2a0000000p-1f, -0x1.8448920000000p-1f, -0x1.9f20ee0000000p-1f, -0x1.b5fdc60000000p-1f, -0x1.c6fde60000000p-1f, -0x1.d170300000000p-1f, -0x1.d89cf80000000p-1f, -0x1.dffff80000000p-1f, -0x1.e666660000000p-1f, -0x1.eaaaaa0000000p-1f, -0x1.0000000000000p+0f},
    {-0x1.49439e0000000p-2f, -0x1.4008c20000000p-2f, -0x1.099c620000000p-2f, -0x1.81c4120000000p-3f, -0x1.86baf20000000p-4f, -0x1.02c2f20000000p-3f, -0x1.16325c0000000p-4f, -0x1.49d0400000000p-5f, -0x1.69bb600000000p-6f, -0x1.9c210e0000000p-7f, -0x1.0fd9a60000000p-7f, -0x1.84122c0000000p-8f, -0x1.0003b00000000p-8f, -0x1.47ae3a0000000p-9f, -0x1.c71c740000000p-10f, 0.0f},
    {-0x1.293b040000000p-6f, 0x1.1c03e80000000p-5f, 0x1.11ab300000000p-4f, 0x1.23c0340000000p-4f, 0x1.9a61800000000p-5f, 0x1.5573a40000000p-5f, 0x1.3ff4ae0000000p-6f, 0x1.3674660000000p-7f, 0x1.e9b7740000000p-9f, 0x1.85ae800000000p-10f, 0x1.922f260000000p-11f, 0x1.df8a4a0000000p-12f, 0x1.001d3c0000000p-12f, 0x1.0625f60000000p-13f, 0x1.2f68580000000p-14f, 0.0f},
    {0x1.29fad00000000p-5f, 0x1.f484a00000000p-6f, 0x1.7c79200000000p-7f, -0x1.1aac500000000p-8f, -0x1.7b62c80000000p-7f, -0x1.56c5380000000p-7f, -0x1.404a760000000p-8f, -0x1.1cfeec0000000p-9f, -0x1.660fd20000000p-11f, -0x1.8ee1400000000p-13f, -0x1.3460060000000p-14f, -0x1.2bb5100000000p-15f, -0x1.0089300000000p-16f, -0x1.a36eee0000000p-18f, -0x1.94874e0000000p-19f, 0.0f},
    {0x1.59aae60000000p-9f, -0x1.f418de0000000p-8f, -0x1.4077700000000p-7f, -0x1.7339800000000p-8f, 0x1.f9f6360000000p-15f, 0x1.e1fcc20000000p-10f, 0x1.008d600000000p-10f, 0x1.cbf9a20000000p-12f, 0x1.0332be0000000p-13f, 0x1.b864d20000000p-16f, 0x1.f7aad80000000p-18f, 0x1.815ff20000000p-19f, 0x1.024cbe0000000p-20f, 0x1.4fac900000000p-22f, 0x1.0daf0e0000000p-23f, 0.0f},
    {-0x1.2e1b4c0000000p-8f, -0x1.66c7640000000p-9f, 0x1.a43f1e0000000p-11f, 0x1.0426640000000p-9f, 0x1.ceef380000000p-11f, -0x1.7d0ee60000000p-13f, -0x1.3122980000000p-13f, -0x1.3621d60000000p-14f, -0x1.6391420000000p-16f, -0x1.0092820000000p-18f, -0x1.c316dc0000000p-21f, -0x1.0832de0000000p-22f, -0x1.1053500000000p-24f, -0x1.1209160000000p-26f, -0x1.6bf68a0000000p-28f, 0.0f},
    {-0x1.1302980000000p-12f, 0x1.465d220000000p-10f, 0x1.c9c3aa0000000p-11f, -0x1.28a9d40000000p-16f, -0x1.2baa720000000p-12f, -0x1.2ef2540000000p-21f, 0x1.a107360000000p-17f, 0x1.46f5aa0000000p-17f, 0x1.9d7fac0000000p-19f, 0x1.17261e0000000p-21f, 0x1.9c0bca0000000p-24f, 0x1.7dfe780000000p-26f, 0x1.1fe1420000000p-28f, 0x1.ba0ac80000000p-31f, 0x1.e6bb940000000p-33f, 0.0f},
};
static const float FA_SILU32_G_C0LO[16] __attribute__((aligned(64))) = {-0x1.fedf940000000p-30f, 0x1.2e782a0000000p-26f, -0x1.e921340000000p-26f, 0x1.fa32840000000p-26f, 0x1.be81b60000000p-29f, -0x1.d25a280000000p-26f, 0x1.4c1c360000000p-26f, -0x1.b188900000000p-26f, 0x1.d4b6820000000p-26f, 0x1.0f8db80000000p-26f, 0x1.8893d20000000p-26f, 0x1.dc1d300000000p-33f, -0x1.5ef4e40000000p-26f, -0x1.0fa8c60000000p-27f, -0x1.5413e20000000p-26f, 0.0f};
static const float FA_SILU32_R[16] __attribute__((aligned(64))) = {0x1.4749740000000p+0f, 0x1.4749740000000p+0f, 0x1.4749740000000p+0f, 0x1.4749740000000p+0f, 0x1.4749740000000p+0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0x1.0000000000000p+0f};
static const float FA_SILU32_NEG_RLO[16] __attribute__((aligned(64))) = {0x1.bdf6fa0000000p-27f, 0x1.bdf6fa0000000p-27f, 0x1.bdf6fa0000000p-27f, 0x1.bdf6fa0000000p-27f, 0x1.bdf6fa0000000p-27f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
/* END GENERATED TABLE32 TABLES */

/* s = e^r - 1 = r + r^2 Q(r) for |r| <= ln2/2 (+ 0.002): Q of degree 4, a weighted
   minimax fit, relative error of 1 + s below 0.09 x 2^-24 (two fmas fewer than the
   Taylor form FA_EXPM1F_P of _vecmath.h, which this accuracy does not need) */
#define FA_T32_Q4 0x1.6a1e88p-10f
#define FA_T32_Q3 0x1.123d4cp-7f
#define FA_T32_Q2 0x1.555906p-5f
#define FA_T32_Q1 0x1.55548cp-3f
#define FA_T32_Q0 0x1.fffffcp-2f

/* Vectors in flight per step of the main loops. */
#define FA_T32_U 4
#define FA_T32_EACH for (int j = 0; j < u; j++)
#define FA_T32_PICK(T) fa_t32_pick(idx[j], T)
#define FA_T32_SET(v) _mm512_set1_ps(v)
#define FA_T32_MASK(j) ((j) == u - 1 ? m : (__mmask16)0xffff)

/* Each lane's entry of a 16-entry table (vpermps reads the low 4 bits of idx) */
FA_INLINE __m512 fa_t32_pick(__m512i idx, const float *T) {
    return _mm512_permutexvar_ps(idx, _mm512_load_ps(T));
}

/* The piece of each lane (bits of a + b) and t = a - centre. */
FA_INLINE void fa_t32_piece(int u, const __m512 *a, const __m512 *a_pick, float b, const float *centre,
                            __m512i *idx, __m512 *t) {
    FA_T32_EACH idx[j] = _mm512_srli_epi32(_mm512_castps_si512(_mm512_add_ps(a_pick[j], FA_T32_SET(b))), 21);
    FA_T32_EACH t[j] = _mm512_sub_ps(a[j], FA_T32_PICK(centre));
}

/* rest = c1 t + ... + c6 t^6 + c0lo of table T: its value is T[0] + rest */
FA_INLINE void fa_t32_poly(int u, const __m512i *idx, const __m512 *t, const float (*T)[16],
                           const float *c0lo, __m512 *rest) {
    FA_T32_EACH rest[j] = FA_T32_PICK(T[6]);
    for (int k = 5; k >= 1; k--)
        FA_T32_EACH rest[j] = _mm512_fmadd_ps(rest[j], t[j], FA_T32_PICK(T[k]));
    FA_T32_EACH rest[j] = _mm512_fmadd_ps(rest[j], t[j], FA_T32_PICK(c0lo));
}

/* s = e^r - 1 by the polynomial above */
FA_INLINE __m512 fa_t32_expm1_poly(__m512 r) {
    __m512 q = _mm512_fmadd_ps(FA_T32_SET(FA_T32_Q4), r, FA_T32_SET(FA_T32_Q3));
    q = _mm512_fmadd_ps(q, r, FA_T32_SET(FA_T32_Q2));
    q = _mm512_fmadd_ps(q, r, FA_T32_SET(FA_T32_Q1));
    q = _mm512_fmadd_ps(q, r, FA_T32_SET(FA_T32_Q0));
    return _mm512_fmadd_ps(_mm512_mul_ps(r, r), q, r);
}

/* (a - R) G (1 + s), the zero factor exact: G = c0 + rest, R = Rhi - neg_rlo.  The Rlo
   term takes G (1 + s) rounded (it is below 2^-26 a); the rest rounds about once. */
FA_INLINE __m512 fa_t32_zero_form(__m512i idxj, __m512 a, __m512 rest, __m512 s, const float *c0t,
                                  const float *R, const float *neg_rlo) {
    __m512 c0 = fa_t32_pick(idxj, c0t);
    __m512 gr = _mm512_add_ps(c0, rest);                                    /* G, rounded */
    __m512 d = _mm512_sub_ps(a, fa_t32_pick(idxj, R));                      /* exact */
    __m512 gs = _mm512_fmadd_ps(gr, s, rest);                               /* G (1 + s) = c0 + gs */
    __m512 lo = _mm512_mul_ps(fa_t32_pick(idxj, neg_rlo), _mm512_fmadd_ps(gr, s, gr));
    return _mm512_fmadd_ps(d, c0, _mm512_fmadd_ps(d, gs, lo));
}

/* A derivative e (a - R) G (1 + s) = 2^n k for x < 0, 1 minus that for x >= 0, times dy,
   stored under mask m */
FA_INLINE void fa_t32_store_deriv(__m512 x, __m512 k, __m512 n, __mmask16 m, const float *dyp, float *dxp) {
    __m512 w = _mm512_scalef_ps(k, n);
    __mmask16 pos = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
    __m512 g = _mm512_mask_sub_ps(w, pos, FA_T32_SET(1.0f), w);
    _mm512_mask_storeu_ps(dxp, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, dyp), g));
}

/* ---- gelu, both forms: pieces of a + 1.  Exact form: e = e^(-a^2/2), a = min(|x|, 14);
   tanh form: e = e^(-w(a)), w(a) = K a + KC a^3, a = min(|x|, 10) ---- */

/* K = 2 sqrt(2/pi) and KC = K 0.044715, each as a float-float (hi + lo) */
#define FA_GELUT_K_HI 0x1.988454p+0f
#define FA_GELUT_K_LO -0x1.857936p-25f
#define FA_GELUT_KC_HI 0x1.2444f2p-4f
#define FA_GELUT_KC_LO 0x1.49b16ap-29f

/* r = -a^2/2 - n ln2, n = round(-a^2/2 log2 e); a^2 = h + l exactly (fma) */
FA_INLINE void fa_gelu32_reduce(int u, const __m512 *a, __m512 *n, __m512 *r) {
    __m512 h[FA_T32_U], l[FA_T32_U];
    FA_T32_EACH h[j] = _mm512_mul_ps(a[j], a[j]);
    FA_T32_EACH l[j] = _mm512_fmsub_ps(a[j], a[j], h[j]);                   /* a^2 = h + l */
    FA_T32_EACH n[j] = _mm512_sub_ps(_mm512_fmadd_ps(h[j], FA_T32_SET(-0.5f * FA_LOG2E_F), FA_T32_SET(FA_SHIFT_F)),
                                     FA_T32_SET(FA_SHIFT_F));
    FA_T32_EACH r[j] = _mm512_fmadd_ps(h[j], FA_T32_SET(-0.5f), _mm512_mul_ps(n[j], FA_T32_SET(-FA_LN2_HI_F)));
    FA_T32_EACH r[j] = _mm512_fmadd_ps(n[j], FA_T32_SET(-FA_LN2_LO_F), r[j]);
    FA_T32_EACH r[j] = _mm512_fmadd_ps(l[j], FA_T32_SET(-0.5f), r[j]);
}

/* r = -w - n ln2, n = round(-w log2 e).  w up to 87 must be known to ~2^-30 absolute
   (its error is e's relative error): w = w + wl from the float-float K and KC, a^3 =
   c + cl (two fmas), and a two-sum of the two terms; -w - n ln2hi is exact (Sterbenz). */
FA_INLINE void fa_gelut32_reduce(int u, const __m512 *a, __m512 *n, __m512 *r) {
    __m512 h[FA_T32_U], c[FA_T32_U], t1[FA_T32_U], t3[FA_T32_U], w[FA_T32_U], wl[FA_T32_U];
    FA_T32_EACH h[j] = _mm512_mul_ps(a[j], a[j]);
    FA_T32_EACH c[j] = _mm512_mul_ps(a[j], h[j]);
    FA_T32_EACH {
        __m512 cl = _mm512_fmadd_ps(a[j], _mm512_fmsub_ps(a[j], a[j], h[j]),
                                    _mm512_fmsub_ps(a[j], h[j], c[j]));       /* a^3 = c + cl */
        t1[j] = _mm512_mul_ps(FA_T32_SET(FA_GELUT_K_HI), a[j]);
        t3[j] = _mm512_mul_ps(FA_T32_SET(FA_GELUT_KC_HI), c[j]);
        __m512 t1l = _mm512_fmadd_ps(FA_T32_SET(FA_GELUT_K_LO), a[j],
                                     _mm512_fmsub_ps(FA_T32_SET(FA_GELUT_K_HI), a[j], t1[j]));
        __m512 t3l = _mm512_fmadd_ps(FA_T32_SET(FA_GELUT_KC_LO), c[j],
                                     _mm512_fmadd_ps(FA_T32_SET(FA_GELUT_KC_HI), cl,
                                                     _mm512_fmsub_ps(FA_T32_SET(FA_GELUT_KC_HI), c[j], t3[j])));
        wl[j] = _mm512_add_ps(t1l, t3l);
    }
    FA_T32_EACH w[j] = _mm512_add_ps(t1[j], t3[j]);
    FA_T32_EACH {
        __m512 bb = _mm512_sub_ps(w[j], t1[j]);                              /* two-sum */
        __m512 err = _mm512_add_ps(_mm512_sub_ps(t1[j], _mm512_sub_ps(w[j], bb)), _mm512_sub_ps(t3[j], bb));
        wl[j] = _mm512_add_ps(wl[j], err);
    }
    FA_T32_EACH n[j] = _mm512_sub_ps(_mm512_fmadd_ps(w[j], FA_T32_SET(-FA_LOG2E_F), FA_T32_SET(FA_SHIFT_F)),
                                     FA_T32_SET(FA_SHIFT_F));
    FA_T32_EACH r[j] = _mm512_fnmsub_ps(n[j], FA_T32_SET(FA_LN2_HI_F), w[j]);      /* -w - n ln2hi */
    FA_T32_EACH r[j] = _mm512_sub_ps(_mm512_fmadd_ps(n[j], FA_T32_SET(-FA_LN2_LO_F), r[j]), wl[j]);
}

/* Where |x| is clamped */
#define FA_GELU32_CLAMP(tanh_form) ((tanh_form) ? 10.0f : 14.0f)

/* a, the piece, the table's polynomial (rest) and e = 2^n (1 + s) of u vectors */
FA_INLINE void fa_gelu32_common(int u, int tanh_form, const __m512 *x, const float (*T)[16], const float *c0lo,
                                __m512 *a, __m512i *idx, __m512 *rest, __m512 *s, __m512 *n) {
    __m512 t[FA_T32_U], r[FA_T32_U];
    /* vrangeps 0x0a: the smaller magnitude, sign cleared: min(|x|, 14 or 10) */
    FA_T32_EACH a[j] = _mm512_range_ps(x[j], FA_T32_SET(FA_GELU32_CLAMP(tanh_form)), 0x0a);
    fa_t32_piece(u, a, a, 1.0f, tanh_form ? FA_GELUT32_CENTRE : FA_GELU32_CENTRE, idx, t);
    fa_t32_poly(u, idx, t, T, c0lo, rest);
    if (tanh_form)
        fa_gelut32_reduce(u, a, n, r);
    else
        fa_gelu32_reduce(u, a, n, r);
    FA_T32_EACH s[j] = fa_t32_expm1_poly(r[j]);
}

/* gelu of u vectors at xp (the last one under mask m) to yp */
FA_INLINE void fa_gelu32_fwd_step(int u, int tanh_form, __mmask16 m, const float *xp, float *yp) {
    __m512 x[FA_T32_U], a[FA_T32_U], rest[FA_T32_U], s[FA_T32_U], n[FA_T32_U];
    __m512i idx[FA_T32_U];
    const float (*M)[16] = tanh_form ? FA_GELUT32_M : FA_GELU32_M;
    FA_T32_EACH x[j] = _mm512_maskz_loadu_ps(FA_T32_MASK(j), xp + 16 * j);
    fa_gelu32_common(u, tanh_form, x, M, tanh_form ? FA_GELUT32_M_C0LO : FA_GELU32_M_C0LO, a, idx, rest, s, n);
    FA_T32_EACH {
        /* xc = x clamped as a (vrangeps 0x06: the smaller magnitude, x's sign): x M (1 + s)
           cannot overflow before the scaling by 2^n, and x e M is below ulp(x) / 2 where
           |x| is beyond the clamp */
        __m512 xc = _mm512_range_ps(x[j], FA_T32_SET(FA_GELU32_CLAMP(tanh_form)), 0x06);
        __m512 c0 = FA_T32_PICK(M[0]);
        __m512 mr = _mm512_add_ps(c0, rest[j]);                       /* M, rounded */
        __m512 ms = _mm512_fmadd_ps(mr, s[j], rest[j]);               /* M (1 + s) = c0 + ms */
        __m512 v = _mm512_fmadd_ps(xc, c0, _mm512_mul_ps(xc, ms));
        __m512 w = _mm512_scalef_ps(v, n[j]);                         /* xc e M */
        __mmask16 pos = _mm512_cmp_ps_mask(x[j], _mm512_setzero_ps(), _CMP_GE_OQ);
        __m512 y = _mm512_mask_sub_ps(w, pos, x[j], w);
        /* gelu(x) has x's sign; taking it from x (vpternlogd 0xca: bits of x where the
           mask has them, of y elsewhere) keeps -0, which a sum of zeros makes +0 */
        y = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_set1_epi32((int)0x80000000),
                                                          _mm512_castps_si512(x[j]),
                                                          _mm512_castps_si512(y), 0xca));
        _mm512_mask_storeu_ps(yp + 16 * j, FA_T32_MASK(j), y);
    }
}

/* dy gelu'(x) of u vectors */
FA_INLINE void fa_gelu32_bwd_step(int u, int tanh_form, __mmask16 m, const float *dyp, const float *xp, float *dxp) {
    __m512 x[FA_T32_U], a[FA_T32_U], rest[FA_T32_U], s[FA_T32_U], n[FA_T32_U];
    __m512i idx[FA_T32_U];
    const float (*G)[16] = tanh_form ? FA_GELUT32_G : FA_GELU32_G;
    FA_T32_EACH x[j] = _mm512_maskz_loadu_ps(FA_T32_MASK(j), xp + 16 * j);
    fa_gelu32_common(u, tanh_form, x, G, tanh_form ? FA_GELUT32_G_C0LO : FA_GELU32_G_C0LO, a, idx, rest, s, n);
    FA_T32_EACH {
        __m512 k = fa_t32_zero_form(idx[j], a[j], rest[j], s[j], G[0], tanh_form ? FA_GELUT32_R : FA_GELU32_R,
                                    tanh_form ? FA_GELUT32_NEG_RLO : FA_GELU32_NEG_RLO);
        fa_t32_store_deriv(x[j], k, n[j], FA_T32_MASK(j), dyp + 16 * j, dxp + 16 * j);
    }
}

/* ---- silu: e = e^(-a), pieces of min(a, 29.5) + 2, a = min(|x|, 88) ---- */

FA_INLINE void fa_silu32_bwd_step(int u, int form, __mmask16 m, const float *dyp, const float *xp, float *dxp) {
    __m512 x[FA_T32_U], a[FA_T32_U], ap[FA_T32_U], t[FA_T32_U], rest[FA_T32_U], n[FA_T32_U], r[FA_T32_U];
    __m512i idx[FA_T32_U];
    (void)form;                                                      /* one form */
    FA_T32_EACH x[j] = _mm512_maskz_loadu_ps(FA_T32_MASK(j), xp + 16 * j);
    FA_T32_EACH a[j] = _mm512_range_ps(x[j], FA_T32_SET(88.0f), 0x0a);
    FA_T32_EACH ap[j] = _mm512_min_ps(a[j], FA_T32_SET(29.5f));       /* the last piece goes on */
    fa_t32_piece(u, a, ap, 2.0f, FA_SILU32_CENTRE, idx, t);
    fa_t32_poly(u, idx, t, FA_SILU32_G, FA_SILU32_G_C0LO, rest);
    FA_T32_EACH n[j] = _mm512_sub_ps(_mm512_fmadd_ps(a[j], FA_T32_SET(-FA_LOG2E_F), FA_T32_SET(FA_SHIFT_F)),
                                     FA_T32_SET(FA_SHIFT_F));
    FA_T32_EACH r[j] = _mm512_fnmsub_ps(n[j], FA_T32_SET(FA_LN2_HI_F), a[j]);      /* -a - n ln2hi */
    FA_T32_EACH r[j] = _mm512_fmadd_ps(n[j], FA_T32_SET(-FA_LN2_LO_F), r[j]);
    FA_T32_EACH {
        __m512 s = fa_t32_expm1_poly(r[j]);
        __m512 k = fa_t32_zero_form(idx[j], a[j], rest[j], s, FA_SILU32_G[0], FA_SILU32_R,
                                    FA_SILU32_NEG_RLO);
        fa_t32_store_deriv(x[j], k, n[j], FA_T32_MASK(j), dyp + 16 * j, dxp + 16 * j);
    }
}

/* The block functions: y[i] = f(x[i]) (dx[i] = dy[i] f'(x[i])) over the fast range; the
   output may be an input (each chunk is read before it is written); other inputs give
   unspecified values (the caller's careful path overwrites them). */
#define FA_T32_TAIL(i, n) ((n) - (i) >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << ((n) - (i))) - 1u))

#define FA_T32_DEF_FORWARD(fname, step, form)                                             \
    FA_INLINE void fname(const float *x, float *y, ptrdiff_t n) {                         \
        ptrdiff_t i = 0;                                                                  \
        for (; i + 16 * FA_T32_U <= n; i += 16 * FA_T32_U)                                \
            step(FA_T32_U, form, 0xffff, x + i, y + i);                                   \
        for (; i < n; i += 16)                                                            \
            step(1, form, FA_T32_TAIL(i, n), x + i, y + i);                               \
    }
#define FA_T32_DEF_BACKWARD(fname, step, form)                                            \
    FA_INLINE void fname(const float *dy, const float *x, float *dx, ptrdiff_t n) {       \
        ptrdiff_t i = 0;                                                                  \
        for (; i + 16 * FA_T32_U <= n; i += 16 * FA_T32_U)                                \
            step(FA_T32_U, form, 0xffff, dy + i, x + i, dx + i);                          \
        for (; i < n; i += 16)                                                            \
            step(1, form, FA_T32_TAIL(i, n), dy + i, x + i, dx + i);                      \
    }
FA_T32_DEF_FORWARD(fa_gelu32_fwd, fa_gelu32_fwd_step, 0)
FA_T32_DEF_BACKWARD(fa_gelu32_bwd, fa_gelu32_bwd_step, 0)
FA_T32_DEF_FORWARD(fa_gelut32_fwd, fa_gelu32_fwd_step, 1)
FA_T32_DEF_BACKWARD(fa_gelut32_bwd, fa_gelu32_bwd_step, 1)
FA_T32_DEF_BACKWARD(fa_silu32_bwd, fa_silu32_bwd_step, 0)

#else
/* Other builds: the portable double paths of _math.pxd; these are never called. */
#define FA_TABLE32_VEC 0
#define FA_T32_STUB_FORWARD(fname) \
    FA_INLINE void fname(const float *x, float *y, ptrdiff_t n) { (void)x; (void)y; (void)n; }
#define FA_T32_STUB_BACKWARD(fname)                                                       \
    FA_INLINE void fname(const float *dy, const float *x, float *dx, ptrdiff_t n) {       \
        (void)dy; (void)x; (void)dx; (void)n;                                             \
    }
FA_T32_STUB_FORWARD(fa_gelu32_fwd)
FA_T32_STUB_BACKWARD(fa_gelu32_bwd)
FA_T32_STUB_FORWARD(fa_gelut32_fwd)
FA_T32_STUB_BACKWARD(fa_gelut32_bwd)
FA_T32_STUB_BACKWARD(fa_silu32_bwd)
#endif
#endif
