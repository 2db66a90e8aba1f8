/* AVX-512 float64 kernels: the gelu from piecewise tables (the exact form both ways,
 * and the tanh form's backward), and at the end the softplus and log sigma forwards.
 *
 * Why kernels of their own: the portable float64 forms (_lanes64_gelu.h) are compute-
 * bound at 2 to 3 times the memory time.  The exact form maps a = |x| onto y = (a - 4)/
 * (a + 4) with a division and evaluates polynomials of degree 26 in y with double-double
 * steps (about 100 vector instructions an element); the tanh form's backward divides by
 * (1 + e)^2 and, near its zero, evaluates a Taylor polynomial of degree 25 that the
 * vector loop computes for every element.  Here the polynomials are short and local, the
 * divisions go, and the double-double steps shrink to a low part of c0.  With e the
 * form's exponential:
 *
 *   gelu(x)  = x e M(a)              (x <= 0)      x - x e M(a)    (x > 0)
 *   gelu'(x) = e d G(a)              (x < 0)       1 - that        (x >= 0)
 *   exact:  e = e^(-a^2/2),  M = Phi(-a) e^(a^2/2),  d G = M - a/sqrt(2 pi)
 *   tanh:   e = e^(-w),  w = 2 sqrt(2/pi)(a + 0.044715 a^3),  d G = (1 + e - a w')/(1 + e)^2
 *
 * d = a - a0 (a0 = 0.7518 and 0.7525, the derivative's zero at x = -a0, a double-double:
 * a - a0hi is exact near a0, Sterbenz) on the pieces of [0, 2), and d = 1 beyond (a
 * factor a would put a pole at 0 into the far pieces' fits).
 *
 * Pieces.  M and G are polynomials of degree 13 and 12 (exact form) or 14 (tanh form,
 * whose G has poles 1.7 from the real axis) in t = a - (the piece's centre) on 16
 * pieces picked by the bits of a + 1 (its exponent's low two bits and its mantissa's top
 * two: quarters of each binade, a in [0, 0.25), ..., [13, 15)).  Each coefficient of the
 * 16 pieces is two zmm registers, fetched for every lane by one vpermt2pd.  The fits are
 * within 2^-56 relative (c0 a double-double; generated and checked against mpmath by
 * tests/test_table64.py, `python tests/test_table64.py --regen` rewrites the block
 * between the BEGIN/END markers).
 *
 * The exponential: the exponent q (a^2/2, or w) as q + ql (fa_t64_common), n =
 * round(-q log2 e), r = -q - n ln2 - ql (Cody-Waite, -q - n ln2hi exact), p = e^r - 1 by
 * _vecmath.h's degree-11 form, e = 2^n (1 + p); (1 + p) is never rounded alone:
 *   forward:  M (1 + p) = c0 + v, v = M p + rest (M = c0 + rest rounded), W = as c0 +
 *             as v (as = 2^n a exact), and x <= 0: -W;  x > 0: x - W
 *   backward: G (1 + p) = c0 + gs, k = d G (1 + p) as one fma onto d c0
 * so each result rounds about once at the end (errors: the README's accuracy table).
 *
 * Fast range: x >= -14 (exact form) or -14.5 (tanh form); the *_hard predicates of
 * _math.pxd send the rest, inf and NaN to the careful functions, which take
 * _lanes64_gelu.h's point functions down to -37 and -20.  a = min(|x|, 14 or 14.5):
 * beyond, x e M and e d G are far below half an ulp of x and of 1, and xc = x clamped the
 * same way keeps xs from overflowing.
 *
 * The block functions handle any n (a masked last vector), so every element's result is
 * the same wherever it lies in an array and whatever the thread count.
 */
#ifndef FASTACT_TABLE64_H
#define FASTACT_TABLE64_H
#include <stddef.h>
#include <stdint.h>
#include "_vecmath.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_TABLE64_VEC 1
#include <immintrin.h>

/* BEGIN GENERATED TABLE64 TABLES */
#define FA_GELU64_M_DEGREE 13
static const double FA_GELU64_M[14][16] __attribute__((aligned(64))) = {
    {0x1.d898de09c6f19p-3, 0x1.7b5abd2fd03adp-3, 0x1.3aadddf19e980p-3, 0x1.0bb968cded93fp-3, 0x1.b396f9cf1e260p-4, 0x1.5b5acd3b15fbbp-4, 0x1.201fa9259b7acp-4, 0x1.eba5fe5b14b2ap-5, 0x1.9269722f50cddp-5, 0x1.43a38ae46ed46p-5, 0x1.0e7dcd1d93192p-5, 0x1.d087ad6e0cbf6p-6, 0x1.d0af2b9f3f96ep-2, 0x1.84b705ec74443p-2, 0x1.4b1de1265fdfap-2, 0x1.1e7c2d26d017dp-2},
    {-0x1.c49321dc9c383p-4, -0x1.3253b6cdb4c64p-4, -0x1.b405cc6b87d06p-5, -0x1.432b1910e5ccfp-5, -0x1.b6038a80903c9p-6, -0x1.1be2c5acaa9ddp-6, -0x1.8b195531b3873p-7, -0x1.21ae9268527c7p-7, -0x1.86b8437ca5cfcp-8, -0x1.fbf2cfdc6dcc6p-9, -0x1.63cfc8735fac0p-9, -0x1.06cdbe7c1ecddp-9, -0x1.5e6e6dc95b723p-2, -0x1.06bfb10497cb7p-2, -0x1.93234d0a8ef29p-3, -0x1.3baf57769aa07p-3},
    {0x1.7b79d1bfca9cfp-5, 0x1.bd45f4ef48356p-6, 0x1.15aa6bd488cb1p-6, 0x1.6c5e3c927cb84p-7, 0x1.a29f04f4ff847p-8, 0x1.bfbaed8d60a1bp-9, 0x1.07e3e93700dcep-9, 0x1.4ea50718ea867p-10, 0x1.7625d6555faecp-11, 0x1.8af23eaa8d267p-12, 0x1.d0fb6385ac0dfp-13, 0x1.27e80535b5cd5p-13, 0x1.a4e15de61428ap-3, 0x1.222f238abb57ep-3, 0x1.9a45b22626679p-4, 0x1.28beedc5d8e33p-4},
    {-0x1.1f33fe5ba750ap-6, -0x1.2962f462b8846p-7, -0x1.49badda12546fp-8, -0x1.838c524100bb4p-9, -0x1.7e8220e1038adp-10, -0x1.55bc008c2d9adp-11, -0x1.57ff8596193f5p-12, -0x1.7b5fb856fee93p-13, -0x1.6189189b2c1f0p-14, -0x1.305575efc75d7p-15, -0x1.2ddfa2851b164p-16, -0x1.4b934f0a92fb1p-17, -0x1.b02b1fe3f7f83p-4, -0x1.15c9232371535p-4, -0x1.6e920728d96bcp-5, -0x1.ef9f7e801f212p-6},
    {0x1.8ff2a58d0450fp-8, 0x1.721ebe31cdd45p-9, 0x1.70c53ca78fbf1p-10, 0x1.87b7101731bfdp-11, 0x1.4fb4a0c07ffcdp-12, 0x1.fa3b677d71954p-14, 0x1.b643d5fcfc4cep-15, 0x1.a6741523badb7p-16, 0x1.49cbdba3825d8p-17, 0x1.d0ed67da89881p-19, 0x1.857df7c079d45p-20, 0x1.71c8031d371a0p-21, 0x1.89deabe7d4966p-5, 0x1.dc32d9e82cefcp-6, 0x1.27b80fe962d3ap-6, 0x1.78a81433a47b0p-7},
    {-0x1.038d10ffc43f2p-9, -0x1.b17803c2cc2bap-11, -0x1.8759580845aabp-12, -0x1.7a617d66fcb6dp-13, -0x1.1c0d0d81db75cp-14, -0x1.6caa2889e18bdp-16, -0x1.1138dc99d60a9p-17, -0x1.ce785bb0c2132p-19, -0x1.2fdca5ff00d2bp-20, -0x1.601bb3ecbf6eep-22, -0x1.f36e8a8bd21ffp-24, -0x1.9a75a9d00b2eap-25, -0x1.460a90ec92f96p-6, -0x1.7506fde9e46dbp-7, -0x1.b6a736b104c22p-8, -0x1.08ab2aef22f84p-8},
    {0x1.3cf8a3e5f1ec3p-11, 0x1.e145f6ca84e77p-13, 0x1.8c5d485b03e1cp-14, 0x1.5ee01a526a4d9p-15, 0x1.d0dbc4cf33be8p-17, 0x1.ffea89f8c9b6dp-19, 0x1.4dc8ce283fcc0p-20, 0x1.f218716e0eb75p-22, 0x1.14a23bc28f44ap-23, 0x1.0872f4b34dc5ap-25, 0x1.3e4151daff598p-27, 0x1.c5826c3706f44p-29, 0x1.f1fd5921fa7dbp-8, 0x1.0ed65c2fd67d7p-8, 0x1.2ee7e9cf56ecap-9, 0x1.5bd19736cd040p-10},
    {-0x1.6ed9f9a72aec6p-13, -0x1.fd8336eae1a72p-15, -0x1.80e693ac935f5p-16, -0x1.397eb46aab814p-17, -0x1.70cd4641afdcfp-19, -0x1.5eaec4df2236bp-21, -0x1.8ff51cbd01424p-23, -0x1.08149316a6613p-24, -0x1.f1e2fcd0b690dp-27, -0x1.8a0022aac5da7p-29, -0x1.932ed8344c863p-31, -0x1.f2cab3283498fp-33, -0x1.62d5458cb2fd1p-9, -0x1.7047e6668d17ep-10, -0x1.89232dfa83c81p-11, -0x1.af0c1b98926d9p-12},
    {0x1.94a90ede89b7dp-15, 0x1.025c90fd2dbeep-16, 0x1.67b72f873b79ap-18, 0x1.0eb2061f48db3p-19, 0x1.1c506d2ff92c1p-21, 0x1.d597ccf816b8cp-24, 0x1.d6826c8d64606p-26, 0x1.13dc1fd3afb1fp-27, 0x1.bb0c7195eebffp-30, 0x1.232e0d8721390p-32, 0x1.fbc63ba2c80dep-35, 0x1.1110946ced629p-36, 0x1.dbd0029aa7c61p-11, 0x1.d89f5482ccd9bp-12, 0x1.e2f4eb8cad470p-13, 0x1.fb0df3f9ca462p-14},
    {-0x1.ab6066b643340p-17, -0x1.f7e6b232aa9ecp-19, -0x1.448905522bd13p-20, -0x1.c4d9fced4014ep-22, -0x1.aac380e3e848fp-24, -0x1.33af3028cebd0p-26, -0x1.0fedf3af3cc9dp-28, -0x1.1c07d2b4e6b19p-30, -0x1.85fa05c4a6af6p-33, -0x1.ab0b103e74bb6p-36, -0x1.3de57203f5b36p-38, -0x1.29acb6bc5ff8ap-40, -0x1.2e5082f5cc74ap-12, -0x1.1f966d2cc8c5cp-13, -0x1.1a3c784e75e18p-14, -0x1.1cb6da4de8295p-15},
    {0x1.b1bfb5b1fa096p-19, 0x1.da009b26c04d4p-21, 0x1.1b703c06a31a5p-22, 0x1.6ffd8268ff518p-24, 0x1.383fb3676ce13p-26, 0x1.8af55d810ac75p-29, 0x1.351322aa8935bp-31, 0x1.206f93fe35aadp-33, 0x1.537009773caa9p-36, 0x1.36abbc20eb740p-39, 0x1.8bba79c82ab3bp-42, 0x1.4300992c4fe94p-44, 0x1.6d8cb20062093p-14, 0x1.4ec9927ad0460p-15, 0x1.3ba5cf6c63dc9p-16, 0x1.31e474bae6d30p-17},
    {-0x1.a70b2b546c43bp-21, -0x1.afe46ecce0a2ep-23, -0x1.e6c32022fa4d5p-25, -0x1.3524cdb4acc84p-26, -0x1.be6ea89a29015p-29, -0x1.f1be7872cfde4p-32, -0x1.5b280df0bb209p-34, -0x1.244b683874effp-36, -0x1.24abc70c9cf17p-39, -0x1.c0aab1bf242eep-43, -0x1.eb00523127b36p-46, -0x1.58e95629b028cp-48, -0x1.491106d8f0dedp-16, -0x1.4d0f0ea397696p-16, -0x1.be1f1d3b82b6cp-18, -0x1.8ed13972ad68bp-20},
    {0x1.95ea0a302ac6cp-23, 0x1.804c2eb2a094bp-25, 0x1.8f101e134739cp-27, 0x1.c0a5f83a8aa9fp-29, 0x1.3ff3c547aa969p-31, 0x1.39828985170d6p-34, 0x1.82dabe93ffb84p-37, 0x1.217d2183a3124p-39, 0x1.03c7a56843564p-42, 0x1.4aea600699835p-46, 0x1.33de0b70c9d33p-49, 0x1.7d6a55c20944fp-52, 0x1.d3c85c114a6ebp-18, 0x1.b611767360244p-19, 0x1.875afd0e3a603p-20, 0x1.6f1f8761ebd2fp-21},
    {-0x1.dade831c27328p-25, -0x1.1bffa4a1d27e1p-27, 0x1.39eb697f8ebabp-30, 0x1.27f3fa10d2205p-28, -0x1.b23900e789943p-34, -0x1.6b88aecca9deep-37, -0x1.392b9d51d6ff2p-40, -0x1.45f481647f649p-45, -0x1.b4ccbc97d579cp-46, -0x1.dc0e363c17faap-50, -0x1.518ecaf2e2910p-53, -0x1.647e170288ce1p-55, -0x1.b99c64deee3cbp-14, 0x1.50ba9670d0499p-13, 0x1.e977afe445611p-16, -0x1.112c77e658314p-16},
};
static const double FA_GELU64_M_C0LO[16] __attribute__((aligned(64))) = {0x1.d6d53f5d07551p-57, 0x1.801f59b28f12ap-58, -0x1.a41f7979661cdp-58, 0x1.18acfbef7aaf8p-63, -0x1.9b7ff887c6db1p-62, 0x1.3bebd0c9242e0p-58, 0x1.4a1c493cc2b7fp-58, 0x1.f62fd228f39bap-60, -0x1.66802f53acf14p-59, -0x1.910edfd075bcdp-59, 0x1.0a3e0a00d19aep-62, -0x1.eef91dfee2328p-60, 0x1.11a3fd557dec2p-56, 0x1.5930d2ec66897p-57, -0x1.b31063d5c86b0p-56, -0x1.51009b1842edfp-56};
#define FA_GELU64_G_DEGREE 12
static const double FA_GELU64_G[13][16] __attribute__((aligned(64))) = {
    {-0x1.135586a0fc746p-1, -0x1.0715c22dd9e4cp-1, -0x1.7ce96628842bbp-1, -0x1.eec79840c145fp-1, -0x1.4a3a5938a9160p+0, -0x1.b5df30d13a71fp+0, -0x1.0fd9fbf0f179ap+1, -0x1.443ceba85a6f5p+1, -0x1.923aad748621dp+1, -0x1.f996d9e102830p+1, -0x1.304642d3b7659p+2, -0x1.63a341282cebbp+2, -0x1.49f32f08fc94bp-1, -0x1.3888f782924e8p-1, -0x1.2ae40fd02f10dp-1, -0x1.1fff1a9d437cdp-1},
    {0x1.d1ca59290cc78p-5, 0x1.492911dc34f4fp-5, -0x1.cf050ccab45f1p-2, -0x1.c0e9b65f601eap-2, -0x1.b3e48be54c68cp-2, -0x1.aa427f980e0eep-2, -0x1.a4dd1de6d1014p-2, -0x1.a191c7d085f8fp-2, -0x1.9e9f344b35fc3p-2, -0x1.9c7c38dcfc40ap-2, -0x1.9b4bf2ce2a246p-2, -0x1.9a91eeba3ba2ap-2, 0x1.3c0c847fbe6f8p-3, 0x1.ea691b157015ep-4, 0x1.842b0f9e58232p-4, 0x1.38c24ef070f26p-4},
    {-0x1.5a7ff2489a337p-6, -0x1.aadc22ebc1768p-7, 0x1.15aa6bd488cb7p-6, 0x1.6c5e3c927cb91p-7, 0x1.a29f04f4ff797p-8, 0x1.bfbaed8d60a0fp-9, 0x1.07e3e93700dd2p-9, 0x1.4ea50718ea853p-10, 0x1.7625d6555f8f4p-11, 0x1.8af23eaa8d231p-12, 0x1.d0fb6385ac0e5p-13, 0x1.27e80535b5d25p-13, -0x1.4e80750d8e03ap-4, -0x1.dd7e44dce6be2p-5, -0x1.5caae1d95924dp-5, -0x1.03efcaaaab7dcp-5},
    {0x1.dc144fbf9ef5cp-8, 0x1.036956680a8d2p-8, -0x1.49badda126517p-8, -0x1.838c5241039cep-9, -0x1.7e8220e10c403p-10, -0x1.55bc008c3128bp-11, -0x1.57ff85961b7e0p-12, -0x1.7b5fb856f87a0p-13, -0x1.6189189b54577p-14, -0x1.305575efccbf7p-15, -0x1.2ddfa2851e69ep-16, -0x1.4b934f0ab2538p-17, 0x1.37a3d9f22bb23p-5, 0x1.9e6fd57f54e68p-6, 0x1.1a66327b45ff6p-6, 0x1.89a5bc7446362p-7},
    {-0x1.319efe5717ce9p-9, -0x1.29f0821f1e119p-10, 0x1.70c53ca78a759p-10, 0x1.87b7101726497p-11, 0x1.4fb4a0c0a0730p-12, 0x1.fa3b677d74ea5p-14, 0x1.b643d5fcf863cp-15, 0x1.a6741523cc232p-16, 0x1.49cbdba3ddb70p-17, 0x1.d0ed67da9d329p-19, 0x1.857df7c076865p-20, 0x1.71c8031cf0fe5p-21, -0x1.066215e3dbb5ap-6, -0x1.47d47c03f2458p-7, -0x1.a435e883cc167p-8, -0x1.13ce76272b3dap-8},
    {0x1.71e2b2c9f5255p-11, 0x1.45673e5a95610p-12, -0x1.875958039a565p-12, -0x1.7a617d5a835adp-13, -0x1.1c0d0d6fa578dp-14, -0x1.6caa287e4bbe4p-16, -0x1.1138dc93f558fp-17, -0x1.ce785bce15192p-19, -0x1.2fdca5afc9e3ep-20, -0x1.601bb3d762020p-22, -0x1.f36e8a7965982p-24, -0x1.9a75a93f06271p-25, 0x1.963f5e27f6c50p-8, 0x1.dfcfedf6f0cabp-9, 0x1.22e98472d1bdbp-9, 0x1.69981b7ecb133p-10},
    {-0x1.a8d626afbba0bp-13, -0x1.53acd4df2a1ebp-14, 0x1.8c5d487336f88p-14, 0x1.5ee01a8702ebcp-15, 0x1.d0dbc4899bce1p-17, 0x1.ffea89f2a17e2p-19, 0x1.4dc8ce317efd4p-20, 0x1.f218711f809b3p-22, 0x1.14a23b615e55dp-23, 0x1.0872f49e547b8p-25, 0x1.3e4151e314680p-27, 0x1.c5826d77a44d4p-29, -0x1.24bc534d18173p-9, -0x1.485d4a33500dfp-10, -0x1.7a60644cd36a0p-11, -0x1.bf396a6271438p-12},
    {0x1.d18c6954af2b6p-15, 0x1.5448f95488a93p-16, -0x1.80e69cb5094aep-16, -0x1.397ecb06e5f30p-17, -0x1.70cd663da1fa7p-19, -0x1.5eaed639c49dap-21, -0x1.8ff52afaf766fp-23, -0x1.081475eb8f9aap-24, -0x1.f1e38376f4d8ap-27, -0x1.8a004723535a4p-29, -0x1.932eeffc9badbp-31, -0x1.f2cbdae607c62p-33, 0x1.8c49e7481d9acp-11, 0x1.a7bed79b04dd9p-12, 0x1.d1ab233b11daep-13, 0x1.069774e17528ap-13},
    {-0x1.e8db41a84c40bp-17, -0x1.4848313fe551fp-18, 0x1.67b6ff1e158f3p-18, 0x1.0eb19cb0ab86ep-19, 0x1.1c508ed511772p-21, 0x1.d597d265a2f43p-24, 0x1.d68259c0e9358p-26, 0x1.13dc6e207b7d9p-27, 0x1.bb0ccf2b79d57p-30, 0x1.232e21c0c7229p-32, 0x1.fbc62aef70466p-35, 0x1.110f53c4146d4p-36, -0x1.fb7f486167aecp-13, -0x1.036f56b430dffp-13, -0x1.10b2d732d96dap-14, -0x1.264ba0226a98fp-15},
    {0x1.eda4c858bcfd7p-19, 0x1.31db0673fc7acp-20, -0x1.44815ee60e408p-20, -0x1.c4b96701e5263p-22, -0x1.aaa87088aded6p-24, -0x1.33a20e319255cp-26, -0x1.0fe537f7ea7fbp-28, -0x1.1c220cc92c4b7p-30, -0x1.85c237bfdfb60p-33, -0x1.aaecc0562b624p-36, -0x1.3dd5c3c73aad4p-38, -0x1.2921206734883p-40, 0x1.352bed99c96cdp-14, 0x1.2f0da59f63473p-15, 0x1.315dcb63ab134p-16, 0x1.3c78a5a05043ap-17},
    {-0x1.e0dcddf9fe1cdp-21, -0x1.13e8fcf033d8dp-22, 0x1.1b9c3e4afaecap-22, 0x1.70bd7fd8b7e11p-24, 0x1.3830b8d17687cp-26, 0x1.8af318c60e063p-29, 0x1.351bc34c42d34p-31, 0x1.20288ca20fb22p-33, 0x1.535b428e3238ep-36, 0x1.36a2bece572eap-39, 0x1.8bc236ea419fcp-42, 0x1.442420261bf06p-44, -0x1.6822b66bffbf9p-16, -0x1.5319b07295405p-17, -0x1.4825e28ec5a57p-18, -0x1.474265820270ap-19},
    {0x1.c9c2b8a578d0ap-23, 0x1.e78627834d328p-25, -0x1.eacb249986432p-25, -0x1.3781a6f3041f1p-26, -0x1.c95f6105686ccp-29, -0x1.fb839d9ee4a21p-32, -0x1.6067ff8aa9e9fp-34, -0x1.1bb70d7de5575p-36, -0x1.2fca88dea90adp-39, -0x1.ccc5137eee27ep-43, -0x1.f540df3f96c80p-46, -0x1.8d6209f7955a8p-48, 0x1.87b7b8301a18ep-18, 0x1.5344ae12b11eep-19, 0x1.549c193655a9ap-20, 0x1.8e9c68eae92ebp-22},
    {-0x1.a1e2a4efdc21cp-25, -0x1.9df0849c97739p-27, 0x1.714674f899023p-27, 0x1.3e8a8d7ed5ac0p-29, 0x1.42739ebaf3822p-31, 0x1.39df13994d214p-34, 0x1.7fea76dba04c0p-37, 0x1.397e0e5d4d2d0p-39, 0x1.0582991484ee1p-42, 0x1.4c69f4859927dp-46, 0x1.328a7b0d59736p-49, 0x1.1abdce3b19ebdp-52, -0x1.6e2d598d8ad77p-20, -0x1.31ed6cc533f2dp-21, -0x1.64d2ec90e8557p-22, -0x1.272a0faaaa977p-25},
};
static const double FA_GELU64_G_C0LO[16] __attribute__((aligned(64))) = {0x1.d28171be8a939p-57, 0x1.c23c652d4fdf8p-57, 0x1.50b8115139519p-55, -0x1.af656f8428c71p-61, -0x1.ed069f3ccb7f8p-54, 0x1.6499fc20af074p-56, 0x1.9a009b2b1c8eep-59, 0x1.b2f2cd7ee1c14p-54, -0x1.a034af6ad91efp-55, 0x1.988515d16a772p-53, -0x1.16ebd1610f66bp-52, 0x1.e859dd394db7fp-52, 0x1.4bd16b6cdb728p-55, 0x1.be332cfce0aa1p-55, -0x1.414ceb7aaa695p-55, 0x1.9ca1c92efc7a1p-55};
#define FA_GELU64_A0_HI 0x1.80ead197f00b4p-1
#define FA_GELU64_NEG_A0_LO 0x1.13e74c58cada8p-56
#define FA_GELUT64_G_DEGREE 14
static const double FA_GELUT64_G[15][16] __attribute__((aligned(64))) = {
    {-0x1.0a43503959ffdp+1, -0x1.56a0e217f3199p+1, -0x1.395834d8a4760p+2, -0x1.f2c80f52a2f15p+2, -0x1.b84309c3c0ef1p+3, -0x1.9b0019555039bp+4, -0x1.5b22350ca85b2p+5, -0x1.10a3c98d49d89p+6, -0x1.e577f65eed7bbp+6, -0x1.ca0b55f042b49p+7, -0x1.840d76ff816d7p+8, -0x1.305de71ad39b5p+9, -0x1.8f491fb28ac1bp-1, -0x1.0995cad138747p+0, -0x1.527fac55459d9p+0, -0x1.9f6750d9bf8abp+0},
    {-0x1.3682fcd3690abp+0, -0x1.2d721ddd57523p+0, -0x1.4517f65b224c6p+2, -0x1.a4377eb321bb8p+2, -0x1.2f601d0437f0ap+3, -0x1.d337579007c71p+3, -0x1.505a990074897p+4, -0x1.cba7ae9d3869cp+4, -0x1.5591b3935de67p+5, -0x1.0742aa8fd7846p+6, -0x1.7849546597524p+6, -0x1.fddcd74aee5cdp+6, -0x1.ec5c7dacaa7dbp-1, -0x1.17a3996c43bd7p+0, -0x1.2da1c26d8b340p+0, -0x1.37c0d3a3a273fp+0},
    {0x1.2dbcfdad14e5ap-5, 0x1.cb3aca344b4cfp-7, -0x1.543fc5971f41dp+0, -0x1.a92b012757c5ep+0, -0x1.1c2adb52acf3ap+1, -0x1.71ccf57616549p+1, -0x1.c41a916d84bfap+1, -0x1.0b2705c9f4cafp+2, -0x1.48cd90f973cb5p+2, -0x1.9b00f537d0be0p+2, -0x1.ed3459762db0ep+2, -0x1.1fb3deda4551dp+3, -0x1.32883a46e3c2ep-2, -0x1.c0bdee426a50bp-3, -0x1.fbe27096ff005p-4, -0x1.32ac686d5c145p-5},
    {0x1.d937d78b4f120p-6, -0x1.9a85334a04b4fp-5, -0x1.6e41b9044cbf1p-3, -0x1.fc96fa1d4e025p-3, -0x1.e6336dc33f9bfp-3, -0x1.b8ea0cd82474ap-3, -0x1.b66a963a2517fp-3, -0x1.b6676c41cf956p-3, -0x1.b6676bf744ddcp-3, -0x1.b6676bf745641p-3, -0x1.b6676bf7455bbp-3, -0x1.b6676bf745fa1p-3, 0x1.66ae5e1c7621ep-4, 0x1.f3b33ce37c6f6p-4, 0x1.02883543d27d3p-3, 0x1.9a320fd6c1f12p-4},
    {-0x1.9d8115b11af32p-5, -0x1.8798700e7c6bep-6, -0x1.d7b2d6c538acdp-5, -0x1.ad9d5e1d62ecdp-7, 0x1.514d0148fa9efp-7, 0x1.49bab886b3c28p-10, 0x1.4c9f195899bb5p-17, 0x1.5c9c2fbdca636p-28, 0x1.b8a0e717b67bbp-47, -0x1.a524977419673p-46, -0x1.63ff1c98abda7p-47, -0x1.0e14d1efb4802p-45, 0x1.7d8f5ce03cd80p-5, 0x1.4d9046dc2a78ep-6, -0x1.860f4b9fc78eep-7, -0x1.3aae35ea5fe56p-5},
    {0x1.94fd11ebb39f6p-9, 0x1.d0fb8f353f603p-7, 0x1.1aee64cec5c39p-6, 0x1.e575b7b9de40ap-7, -0x1.61616550418bcp-11, -0x1.d243ab89ca268p-11, -0x1.9a7df43070434p-17, -0x1.3b09e95336f32p-27, -0x1.4564f8d9ad08bp-43, 0x1.12bf5b2414b73p-42, 0x1.eeaa27d749547p-43, 0x1.7ac8e32a83fe2p-41, -0x1.029068eb3ba91p-6, -0x1.985895b28330fp-6, -0x1.9a28750ece0f2p-6, -0x1.08e254decca5fp-6},
    {0x1.eec82ad00b0b3p-8, -0x1.e15532a12e891p-14, 0x1.b4e55bb3e64f3p-9, -0x1.daa70e233dd42p-9, -0x1.cee080249e50cp-10, 0x1.b26429d12352ep-12, 0x1.8801757e9c191p-17, 0x1.c8cb1fb2c8967p-27, -0x1.5952208e777bcp-44, 0x1.4daee4e8de952p-43, 0x1.376b3ff4f7e72p-44, 0x1.cc2fb38024a65p-43, -0x1.103e0c9059c89p-7, -0x1.b9789d8e61b2ep-9, 0x1.a639bca895d8ap-9, 0x1.073d07d212410p-7},
    {-0x1.cb956a52bd279p-10, -0x1.d5eece24fbf99p-10, -0x1.922a42958ab95p-9, -0x1.ac076268a04ddp-11, 0x1.c42cab4f915c2p-11, -0x1.983d61346bf41p-14, -0x1.24ca79dfe017cp-17, -0x1.101e120e7ddffp-26, 0x1.ea0f28b6c8c64p-42, -0x1.98b4e907166b3p-41, -0x1.6f82c697ac2bdp-41, -0x1.1933d9b3b983ap-39, 0x1.e5b0bd402f350p-10, 0x1.d685b1e3080d4p-9, 0x1.d636d5cd74390p-9, 0x1.b4c54e947c452p-10},
    {-0x1.7f274d383518bp-11, 0x1.f25bc14b61671p-12, 0x1.aecad203d95dbp-12, 0x1.28b74d5fdbb6bp-11, -0x1.d024f12288d5bp-15, -0x1.2165d72206a0fp-16, 0x1.5339697988b3bp-18, 0x1.0f3897e097c74p-26, 0x1.0585eff8da4a1p-42, -0x1.e9f7abe1e67f9p-42, -0x1.e55b5f4a1faf5p-43, -0x1.613df22977c39p-41, 0x1.2537cca33155dp-10, 0x1.0bf35ad2b2b42p-11, -0x1.18a4610b93b97p-11, -0x1.4ab9ed108453fp-10},
    {0x1.769ad9698526ap-12, 0x1.4cdb786fa1b4fp-14, 0x1.52ad8c07df59ep-13, -0x1.80e7a7ef0791cp-15, -0x1.55d42976a9538p-14, 0x1.8608300cfbe5fp-16, -0x1.248e7aff6a823p-19, -0x1.c8bdaafe86bfep-27, -0x1.80cad7a3c7c9fp-41, 0x1.338dc20346dadp-40, 0x1.144d8238db3dap-40, 0x1.a690e355f37d7p-39, -0x1.04cd8e786e9b1p-13, -0x1.aa5c946c41b99p-12, -0x1.e222161fac8b3p-12, -0x1.1b97e0168beb6p-13},
    {0x1.446ff6e5319a4p-15, -0x1.4fe54761dc320p-14, -0x1.4331f727f7182p-14, -0x1.6ae761a35795dp-16, 0x1.57aa5cb0b18bcp-16, -0x1.e835de9654ed4p-18, 0x1.462c9faacc39cp-21, 0x1.3fb8b9c140557p-27, -0x1.72035a367c874p-42, 0x1.6d3e02231d2f9p-41, 0x1.7885763b4e21ep-42, 0x1.0f5f6b89ff32bp-40, -0x1.d9e5083f20f7ap-14, -0x1.7f01107896314p-14, 0x1.0095669fc5975p-14, 0x1.717161deb5216p-13},
    {-0x1.ca3d0620f30d7p-15, 0x1.bf8550a65a62bp-17, 0x1.118a3d170cc43p-16, 0x1.291bb3acb6bdfp-19, 0x1.3de6c867cabcap-18, -0x1.4c467e957bf73p-22, -0x1.1093d56b92a03p-25, -0x1.72e6ca322b9aap-28, 0x1.24b1ebd4bd087p-41, -0x1.c77da2ab6da85p-41, -0x1.98e6c84d4a380p-41, -0x1.38848355ce5dfp-39, -0x1.da4c09740d61ep-16, 0x1.2941ee2b3412fp-14, 0x1.77434e8ab608ep-16, 0x1.51f5213771fa8p-16},
    {0x1.951efa4a6289ap-19, 0x1.c47bce8bc69eep-18, 0x1.3544daed665a9p-20, -0x1.372cf315d6f88p-20, -0x1.1098f91bc9d5dp-19, 0x1.f802accdd076bp-21, -0x1.1aae4b13b3b53p-24, 0x1.9a2b91b5c204ap-29, 0x1.1145b954f9fc5p-42, -0x1.0c86e83a30024p-41, -0x1.1cd6cc74b4c54p-42, -0x1.97cb468b99cbdp-41, -0x1.59f4cc459941ep-15, 0x1.892bb486bd788p-14, -0x1.422143fe222eap-14, -0x1.7c5ad552aadacp-17},
    {0x1.d169927ff5587p-18, -0x1.d5d856bdf32e9p-19, -0x1.6c0bc88511a4cp-19, 0x1.ab29cebda8a76p-20, -0x1.c8ea4058e2d04p-22, -0x1.9bc59a5632427p-23, 0x1.20025f81dbe9bp-25, -0x1.790173de7fea0p-30, -0x1.8bc33cd954c0dp-43, 0x1.07c9538e66c6dp-42, 0x1.d95031b6b4c89p-43, 0x1.699704969eb6bp-41, 0x1.5cfc892fd673dp-12, -0x1.64373f01525f6p-11, 0x1.82fb124f8670bp-11, -0x1.5f72bca738521p-13},
    {-0x1.9eee6ce3d2061p-20, -0x1.6b27be9b4600bp-25, 0x1.f4f9567222f0ep-20, 0x1.5a832a7926169p-21, 0x1.c52804cedd26dp-23, -0x1.b0e4c9f726c0fp-25, -0x1.ac876d54a36a4p-28, 0x1.996bfdf537449p-34, -0x1.e1ec0c198b2d8p-45, 0x1.3542ceedd6ff1p-43, 0x1.4f2a979b1b849p-44, 0x1.dd6db0a5ff404p-43, 0x1.d399eac4a2c27p-11, -0x1.6e8864ba6cccep-10, 0x1.6063c7da08b24p-10, -0x1.0aaa19bcfa59cp-12},
};
static const double FA_GELUT64_G_C0LO[16] __attribute__((aligned(64))) = {-0x1.eaf039aa0dfb8p-55, -0x1.fc85197437299p-54, -0x1.46ebb27f3385dp-53, 0x1.e6d4b0b718ea5p-54, -0x1.d3e5f9c8d9607p-51, -0x1.c3f9031e54897p-51, 0x1.db104f235c7a6p-52, 0x1.8e75a5520d87bp-49, 0x1.fdc73fc9477bcp-48, -0x1.7558e571c2e99p-49, 0x1.6f37f5184eaddp-46, -0x1.18a43e4c47ffap-45, 0x1.d0cbbef147a47p-56, -0x1.ce167adc04dbbp-57, 0x1.876fb36651a3bp-56, -0x1.39ac82e73be2bp-54};
#define FA_GELUT64_A0_HI 0x1.81429f9e97e4dp-1
#define FA_GELUT64_NEG_A0_LO 0x1.4f523ed77dbdcp-55
/* END GENERATED TABLE64 TABLES */

/* Vectors in flight per step of the loops */
#define FA_T64_U 4
#define FA_T64_EACH for (int j = 0; j < u; j++)
#define FA_T64_SET(v) _mm512_set1_pd(v)
#define FA_T64_MASK(j) ((j) == u - 1 ? m : (__mmask8)0xff)
/* Where |x| is clamped: the exact form at 14, the tanh form at 14.5 (both fast ranges
   end there on the left) */
#define FA_T64_CLAMP(tanh_form) ((tanh_form) ? 14.5 : 14.0)

/* K = 2 sqrt(2/pi) and KC = K 0.044715 (the tanh form's w = K a + KC a^3), each as a
   double-double (hi + lo) */
#define FA_GELUT64_K_HI 0x1.9884533d43651p+0
#define FA_GELUT64_K_LO -0x1.cbc0d30ebfd15p-54
#define FA_GELUT64_KC_HI 0x1.2444f2a4d8b4bp-4
#define FA_GELUT64_KC_LO -0x1.6c843a29d1c70p-61

/* Each lane's entry of a 16-entry table (vpermt2pd reads the low 4 bits of idx) */
FA_INLINE __m512d fa_t64_pick(__m512i idx, const double *T) {
    return _mm512_permutex2var_pd(_mm512_load_pd(T), idx, _mm512_load_pd(T + 8));
}

/* p = e^r - 1 by _vecmath.h's coefficients, in the order of fa_expm1_poly (Estrin, then
   two Horner steps in r^2 and r + r^2 P) */
FA_INLINE __m512d fa_t64_expm1_poly(__m512d r) {
    __m512d r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2);
    __m512d q0 = _mm512_fmadd_pd(FA_T64_SET(FA_EXPM1_P_C1), r, FA_T64_SET(FA_EXPM1_P_C0));
    __m512d q1 = _mm512_fmadd_pd(FA_T64_SET(FA_EXPM1_P_C3), r, FA_T64_SET(FA_EXPM1_P_C2));
    __m512d q2 = _mm512_fmadd_pd(FA_T64_SET(FA_EXPM1_P_C5), r, FA_T64_SET(FA_EXPM1_P_C4));
    __m512d q3 = _mm512_fmadd_pd(FA_T64_SET(FA_EXPM1_P_C7), r, FA_T64_SET(FA_EXPM1_P_C6));
    __m512d q4 = _mm512_fmadd_pd(FA_T64_SET(FA_EXPM1_P_C9), r, FA_T64_SET(FA_EXPM1_P_C8));
    __m512d a = _mm512_fmadd_pd(q4, r4, _mm512_fmadd_pd(q3, r2, q2));
    __m512d p = _mm512_fmadd_pd(_mm512_fmadd_pd(a, r2, q1), r2, q0);
    return _mm512_fmadd_pd(r2, p, r);
}

/* The tanh form's exponent w = a (K + KC a^2) as w + *ql, ql the low part: a^2 = h + l
   and KC h = p + pl exactly (fmas), s + sl = K + KC a^2 (a two-sum of K_HI and p, the low
   parts added), and w + ql = a (s + sl) (an fma for a s's error).  w up to 241 must be
   known to ~2^-56 absolute, its error being e's relative error: this form is within 6e-30
   for a in [0, 14.5] (mpmath, 5,000 points), and takes 9 operations on the FMA pipes where
   the sum of the two terms K a and KC a^3, each as a double-double, took 12 (the tanh-form
   backward in cache, C loop: 35.5 -> 34.7 cycles per 8 elements) */
FA_INLINE __m512d fa_t64_exponent_tanh(__m512d a, __m512d *ql) {
    __m512d h = _mm512_mul_pd(a, a);
    __m512d l = _mm512_fmsub_pd(a, a, h);                                  /* a^2 = h + l */
    __m512d p = _mm512_mul_pd(FA_T64_SET(FA_GELUT64_KC_HI), h);
    __m512d pl = _mm512_fmsub_pd(FA_T64_SET(FA_GELUT64_KC_HI), h, p);      /* KC_HI h = p + pl */
    __m512d s = _mm512_add_pd(FA_T64_SET(FA_GELUT64_K_HI), p);
    __m512d bb = _mm512_sub_pd(s, FA_T64_SET(FA_GELUT64_K_HI));            /* two-sum */
    __m512d err = _mm512_add_pd(_mm512_sub_pd(FA_T64_SET(FA_GELUT64_K_HI), _mm512_sub_pd(s, bb)),
                                _mm512_sub_pd(p, bb));
    __m512d sl = _mm512_add_pd(_mm512_add_pd(err, pl),
                               _mm512_fmadd_pd(FA_T64_SET(FA_GELUT64_KC_HI), l,
                                               _mm512_fmadd_pd(FA_T64_SET(FA_GELUT64_KC_LO), h,
                                                               FA_T64_SET(FA_GELUT64_K_LO))));
    __m512d w = _mm512_mul_pd(a, s);
    *ql = _mm512_fmadd_pd(a, sl, _mm512_fmsub_pd(a, s, w));
    return w;
}

/* a = min(|x|, clamp), its piece, rest = c1 t + ... + cD t^D + c0lo of table T (c0 is
   T[0]), and e = e^-(q + ql) = 2^n (1 + p): n = round(-q log2 e), r = (-q - n ln2hi)
   - n ln2lo - ql (Cody-Waite; -q - n ln2hi is exact).  The exact form's q = a^2/2 is
   carried doubled: a^2 = h + l exactly (fma), 2r = (-h - 2n ln2hi) - 2n ln2lo - l and r
   = 2r/2, each step twice the one on q + ql (the same roundings, so the same bits; two
   multiplies by 1/2 fewer).
   The piece's centre comes from b's bits and the halving from vscalefpd, not from a
   table lookup and a multiply, which share the two FMA pipes with the arithmetic
   ("Round 24" of the README); the same bits.  In cache the backwards went 35.0 -> 33.1
   and 42.8 -> 41.0 cycles per 8, at 16M (alternating processes) one thread 19.2 ->
   18.2 and 23.3 -> 22.2 ms, two 9.87 -> 9.55 and 11.9 -> 11.4; the forward stayed at
   27.6 to 27.7 in a C loop. */
FA_INLINE void fa_t64_common(int u, int tanh_form, const __m512d *x, const double (*T)[16], int degree,
                             const double *c0lo, __m512d *a, __m512i *idx, __m512d *rest, __m512d *p,
                             __m512d *n) {
    __m512d t[FA_T64_U], r[FA_T64_U];
    /* vrangepd 0x0a: the smaller magnitude, sign cleared */
    FA_T64_EACH a[j] = _mm512_range_pd(x[j], FA_T64_SET(FA_T64_CLAMP(tanh_form)), 0x0a);
    FA_T64_EACH {
        /* the piece: the bits of b = a + 1 (rounded); its centre in b is b with the
           mantissa's top two bits kept and the third set, so t = a - (centre - 1) is
           a minus the piece's centre (the one the fits of tests/test_table64.py use,
           table64_centre) without a table lookup (the lookups share the FMA pipes:
           "Round 24" of the README; integer logic and subtractions do not) */
        __m512i b = _mm512_castpd_si512(_mm512_add_pd(a[j], FA_T64_SET(1.0)));
        __m512i cb = _mm512_or_si512(_mm512_and_si512(b, _mm512_set1_epi64(~((1LL << 50) - 1))),
                                     _mm512_set1_epi64(1LL << 49));
        idx[j] = _mm512_srli_epi64(b, 50);
        t[j] = _mm512_sub_pd(a[j], _mm512_sub_pd(_mm512_castsi512_pd(cb), FA_T64_SET(1.0)));
    }
    FA_T64_EACH rest[j] = fa_t64_pick(idx[j], T[degree]);
    for (int k = degree - 1; k >= 1; k--)
        FA_T64_EACH rest[j] = _mm512_fmadd_pd(rest[j], t[j], fa_t64_pick(idx[j], T[k]));
    FA_T64_EACH rest[j] = _mm512_fmadd_pd(rest[j], t[j], fa_t64_pick(idx[j], c0lo));
    if (!tanh_form) {
        FA_T64_EACH {
            __m512d h = _mm512_mul_pd(a[j], a[j]);
            __m512d l = _mm512_fmsub_pd(a[j], a[j], h);                        /* a^2 = h + l */
            n[j] = _mm512_sub_pd(_mm512_fmadd_pd(h, FA_T64_SET(-0.5 * FA_LOG2E), FA_T64_SET(FA_SHIFT)),
                                 FA_T64_SET(FA_SHIFT));
            __m512d r2 = _mm512_fnmsub_pd(n[j], FA_T64_SET(2.0 * FA_LN2_HI), h); /* -h - 2n ln2hi */
            r2 = _mm512_fnmadd_pd(n[j], FA_T64_SET(2.0 * FA_LN2_LO), r2);
            r[j] = _mm512_scalef_pd(_mm512_sub_pd(r2, l), FA_T64_SET(-1.0));   /* (2r)/2 */
        }
    } else {
        FA_T64_EACH {
            __m512d ql;
            __m512d q = fa_t64_exponent_tanh(a[j], &ql);
            n[j] = _mm512_sub_pd(_mm512_fmadd_pd(q, FA_T64_SET(-FA_LOG2E), FA_T64_SET(FA_SHIFT)), FA_T64_SET(FA_SHIFT));
            r[j] = _mm512_fnmsub_pd(n[j], FA_T64_SET(FA_LN2_HI), q);        /* -q - n ln2hi */
            r[j] = _mm512_fnmadd_pd(n[j], FA_T64_SET(FA_LN2_LO), r[j]);
            r[j] = _mm512_sub_pd(r[j], ql);
        }
    }
    FA_T64_EACH p[j] = fa_t64_expm1_poly(r[j]);
}

/* gelu of u vectors at xp (the last one under mask m) to yp (the exact form: the tanh
   form's forward keeps the portable kernel, 50 cycles per 8 elements in cache against
   60 this way) */
FA_INLINE void fa_gelu64_fwd_vecs(int u, __mmask8 m, const __m512d *x, double *yp) {
    __m512d a[FA_T64_U], rest[FA_T64_U], p[FA_T64_U], n[FA_T64_U];
    __m512i idx[FA_T64_U];
    fa_t64_common(u, 0, x, FA_GELU64_M, FA_GELU64_M_DEGREE, FA_GELU64_M_C0LO, a, idx, rest, p, n);
    FA_T64_EACH {
        __m512d c0 = fa_t64_pick(idx[j], FA_GELU64_M[0]);
        __m512d mm = _mm512_add_pd(c0, rest[j]);                           /* M, rounded */
        __m512d v = _mm512_fmadd_pd(mm, p[j], rest[j]);                    /* M (1 + p) = c0 + v */
        /* as = 2^n a, exact (a is |x| clamped; subnormal a too, n being 0 there); W = |x| e M
           = as c0 + as v, rounded about once */
        __m512d as = _mm512_scalef_pd(a[j], n[j]);
        __m512d w = _mm512_fmadd_pd(as, c0, _mm512_mul_pd(as, v));
        /* gelu(x) = max(x, 0) - W with x's sign bit or-ed in: x - W for x > 0 (W's rounding
           weighted by W/(x - W) <= 1, then the subtraction's), -W for x < 0, -0 where W
           rounds to 0 and for x = -0.  The same bits as x > 0 ? x - w : w with w = x e M,
           without the compare, which takes an FMA pipe (in cache, C loop: 28.4 -> 27.8
           cycles per 8 elements) */
        __m512d g = _mm512_sub_pd(_mm512_max_pd(x[j], _mm512_setzero_pd()), w);
        g = _mm512_castsi512_pd(_mm512_ternarylogic_epi64(_mm512_castpd_si512(g), _mm512_castpd_si512(x[j]),
                                                          _mm512_set1_epi64((long long)0x8000000000000000ULL),
                                                          0xf8));              /* g | (x & sign) */
        _mm512_mask_storeu_pd(yp + 8 * j, FA_T64_MASK(j), g);
    }
}

/* dy gelu'(x) of u vectors */
FA_INLINE void fa_gelu64_bwd_vecs(int u, int tanh_form, __mmask8 m, const double *dyp, const __m512d *x,
                                  double *dxp) {
    __m512d a[FA_T64_U], rest[FA_T64_U], p[FA_T64_U], n[FA_T64_U];
    __m512i idx[FA_T64_U];
    const double (*G)[16] = tanh_form ? FA_GELUT64_G : FA_GELU64_G;
    fa_t64_common(u, tanh_form, x, G, tanh_form ? FA_GELUT64_G_DEGREE : FA_GELU64_G_DEGREE,
                  tanh_form ? FA_GELUT64_G_C0LO : FA_GELU64_G_C0LO, a, idx, rest, p, n);
    FA_T64_EACH {
        /* k = d G (1 + p), G (1 + p) = c0 + gs.  On the pieces below a = 2, d = a - a0 =
           (a - a0hi) + neg_a0lo, the first part exact near the zero (Sterbenz), the second
           applied to G (1 + p) rounded (it is below 2^-53 a); beyond, d = 1 */
        __m512d c0 = fa_t64_pick(idx[j], G[0]);
        __m512d gr = _mm512_add_pd(c0, rest[j]);                           /* G, rounded */
        /* (a + 1 < 3 as rounded, which picked the piece: a just below 2 can take the
           piece [2, 2.5)) */
        __mmask8 near = _mm512_cmp_pd_mask(_mm512_add_pd(a[j], FA_T64_SET(1.0)), FA_T64_SET(3.0), _CMP_LT_OQ);
        __m512d d = _mm512_mask_sub_pd(FA_T64_SET(1.0), near, a[j],
                                       FA_T64_SET(tanh_form ? FA_GELUT64_A0_HI : FA_GELU64_A0_HI));
        __m512d gs = _mm512_fmadd_pd(gr, p[j], rest[j]);
        __m512d lo = _mm512_maskz_mul_pd(near, FA_T64_SET(tanh_form ? FA_GELUT64_NEG_A0_LO : FA_GELU64_NEG_A0_LO),
                                         _mm512_fmadd_pd(gr, p[j], gr));
        __m512d k = _mm512_fmadd_pd(d, c0, _mm512_fmadd_pd(d, gs, lo));
        __m512d w = _mm512_scalef_pd(k, n[j]);                             /* e d G, exact scaling */
        __mmask8 pos = _mm512_cmp_pd_mask(x[j], _mm512_setzero_pd(), _CMP_GE_OQ);
        __m512d g = _mm512_mask_sub_pd(w, pos, FA_T64_SET(1.0), w);
        _mm512_mask_storeu_pd(dxp + 8 * j, FA_T64_MASK(j),
                              _mm512_mul_pd(_mm512_maskz_loadu_pd(FA_T64_MASK(j), dyp + 8 * j), g));
    }
}

/* The block functions: y[i] = gelu(x[i]) (dx[i] = dy[i] gelu'(x[i])) over the fast
   range; the output may be an input (each step reads before it writes); other inputs
   give unspecified values (the caller's careful path overwrites them). */
#define FA_T64_TAIL(i, n) ((n) - (i) >= 8 ? (__mmask8)0xff : (__mmask8)((1u << ((n) - (i))) - 1u))

/* Software prefetch of each step's input and output lines, 4 KB ahead
   (FA_PREFETCH_LINES of _vecmath.h), as _table32.h's kernels do: with the drivers'
   prefetch instead, the exact gelu on 16M float64 took 53.4-54.7 ms on one thread, with
   this alone 40.5-42.2. */
#define FA_T64_PREFETCH(p, rw) FA_PREFETCH_LINES(p, FA_T64_U, rw)
/* One loop for both uses: with check 0 (a constant: the test compiles away) the whole
   of x; with check 1 up to the first step holding an input outside [lo, hi] (lo < 0 <
   hi) or a NaN, tested before the step writes (so the output may be the input), for the
   loops that take the rest by blocks and come back (UPTO64 of _activations.pyx.tp).
   Returns the number of elements done, n when none is outside. */
FA_INLINE ptrdiff_t fa_gelu64_table_fwd_run(const double *x, double *y, ptrdiff_t n, const int check,
                                            double lo, double hi) {
    const __m512i blo = fa_bits8(lo), bhi = fa_bits8(hi);
    ptrdiff_t i = 0;
    for (; i + 8 * FA_T64_U <= n; i += 8 * FA_T64_U) {
        __m512d xv[FA_T64_U];
        const int u = FA_T64_U;
        FA_T64_EACH xv[j] = _mm512_loadu_pd(x + i + 8 * j);
        if (check && fa_any_outside_vecs(xv, FA_T64_U, blo, bhi))
            return i;
        FA_T64_PREFETCH(x + i, 0); FA_T64_PREFETCH(y + i, 1);
        fa_gelu64_fwd_vecs(FA_T64_U, 0xff, xv, y + i);
    }
    for (; i < n; i += 8) {
        __mmask8 m = FA_T64_TAIL(i, n);
        __m512d xv = _mm512_maskz_loadu_pd(m, x + i);
        if (check && fa_any_outside_vecs(&xv, 1, blo, bhi))
            return i;
        fa_gelu64_fwd_vecs(1, m, &xv, y + i);
    }
    return n;
}
FA_INLINE void fa_gelu64_table_fwd(const double *x, double *y, ptrdiff_t n) {
    (void)fa_gelu64_table_fwd_run(x, y, n, 0, 0.0, 0.0);
}
FA_INLINE ptrdiff_t fa_gelu64_table_fwd_upto(const double *x, double *y, ptrdiff_t n, double lo,
                                             double hi) {
    return fa_gelu64_table_fwd_run(x, y, n, 1, lo, hi);
}
/* (the backwards likewise: one loop, fname_run, for the plain form and the _upto one) */
#define FA_T64_DEF_BACKWARD(fname, form)                                                  \
    FA_INLINE ptrdiff_t fname##_run(const double *dy, const double *x, double *dx,        \
                                    ptrdiff_t n, const int check, double lo, double hi) { \
        const __m512i blo = fa_bits8(lo), bhi = fa_bits8(hi);                             \
        ptrdiff_t i = 0;                                                                  \
        for (; i + 8 * FA_T64_U <= n; i += 8 * FA_T64_U) {                                \
            __m512d xv[FA_T64_U];                                                         \
            const int u = FA_T64_U;                                                       \
            FA_T64_EACH xv[j] = _mm512_loadu_pd(x + i + 8 * j);                           \
            if (check && fa_any_outside_vecs(xv, FA_T64_U, blo, bhi))                     \
                return i;                                                                 \
            FA_T64_PREFETCH(dy + i, 0); FA_T64_PREFETCH(x + i, 0);                         \
            FA_T64_PREFETCH(dx + i, 1);                                                   \
            fa_gelu64_bwd_vecs(FA_T64_U, form, 0xff, dy + i, xv, dx + i);                 \
        }                                                                                 \
        for (; i < n; i += 8) {                                                           \
            __mmask8 m = FA_T64_TAIL(i, n);                                               \
            __m512d xv = _mm512_maskz_loadu_pd(m, x + i);                                 \
            if (check && fa_any_outside_vecs(&xv, 1, blo, bhi))                           \
                return i;                                                                 \
            fa_gelu64_bwd_vecs(1, form, m, dy + i, &xv, dx + i);                          \
        }                                                                                 \
        return n;                                                                         \
    }                                                                                     \
    FA_INLINE void fname(const double *dy, const double *x, double *dx, ptrdiff_t n) {    \
        (void)fname##_run(dy, x, dx, n, 0, 0.0, 0.0);                                     \
    }                                                                                     \
    FA_INLINE ptrdiff_t fname##_upto(const double *dy, const double *x, double *dx,       \
                                     ptrdiff_t n, double lo, double hi) {                 \
        return fname##_run(dy, x, dx, n, 1, lo, hi);                                      \
    }
FA_T64_DEF_BACKWARD(fa_gelu64_table_bwd, 0)
FA_T64_DEF_BACKWARD(fa_gelut64_table_bwd, 1)

/* ---- softplus (beta = 1) and log sigma forwards: max(x, 0) + log1p(e^-|x|) (x past
   the threshold: x) and min(x, 0) - log1p(e^-|x|), the portable forms of _math.pxd
   (softplus_fwd_fast, log_sigmoid_fwd_fast) in fewer instructions.  e^-|x| = 2^n (1 +
   p), -|x| clamped at -800 (NaN passes), 2^n applied by vscalefpd: one rounding, also
   into the subnormal range, where the portable fa_exp_nonpos needs two scale factors
   and their integer work.  log1p(e) by a table of 16 reciprocals and a degree-8
   polynomial (fa_v64_log1p_unit, round 25), where the portable forms take _vecmath.h's
   degree-20 polynomial (fa_log1p_unit); so the bits differ from the portable forms' by
   the last place here and there (the exponential's are the same): accuracy sample,
   seeds 0 to 5, at most 1.48 ulp against their 1.54.  16M, one thread, alternating
   processes: softplus 13.8 -> 11.7 ms, log sigma 13.3 -> 11.2 (round 22, with the
   portable polynomial: 47.4-52.6 -> 45.4-50.0 and 46.8-51.1 -> 44.7-49.8 against the
   portable forms, on the machine before).  A plain loop over vectors: as interleaved lanes
   or with a check pass per block these lost at 16M (README, round 18). ---- */
/* e^-|x|, the first stage */
FA_INLINE __m512d fa_v64_exp_neg_abs(__m512d x) {
    __m512d xc = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(x),
                                                     _mm512_set1_epi64((long long)0x8000000000000000ULL)));
    xc = _mm512_max_pd(FA_T64_SET(-800.0), xc);                 /* (NaN: the second operand) */
    __m512d n = _mm512_sub_pd(_mm512_fmadd_pd(xc, FA_T64_SET(FA_LOG2E), FA_T64_SET(FA_SHIFT)),
                              FA_T64_SET(FA_SHIFT));
    __m512d r = _mm512_fnmadd_pd(n, FA_T64_SET(FA_LN2_HI), xc);
    r = _mm512_fnmadd_pd(n, FA_T64_SET(FA_LN2_LO), r);
    __m512d e = _mm512_scalef_pd(_mm512_add_pd(FA_T64_SET(1.0), fa_t64_expm1_poly(r)), n);
    return e;
}

/* log1p(e) for 0 <= e <= 1 (or NaN), the second stage, by a table of 16 reciprocals:
     j = floor(16 e), at most 15 (vrndscalepd to a multiple of 1/16; the index from the
         bits of 1 + j/16), ic = 1/(1 + j/16) rounded to a double,
     r = e ic + (ic - 1) = (1 + e) ic - 1, rounded once (ic - 1 is exact, Sterbenz):
         0 <= r < 1/16 (down to -2^-53 by ic's rounding),
     log1p(e) = L + log1p(r), L = -log(ic) = L_hi + L_lo (a double-double):
     log1p(e) = L_hi + (L_lo + (r + r^2 P(r))),  P(r) = (log1p(r) - r)/r^2.
   j = 0 has ic = 1 and L = 0: r = e exactly, so small e keeps its relative precision
   (r^2 P underflows to nothing for subnormal e).  Every term is positive, so nothing
   cancels (j = round(16 e), with r down to -1/34, reached 1.96 ulp in softplus where
   L + log1p(r) cancels; this form 1.48, the portable one 1.54, over seeds 0 to 5 of
   the accuracy sample).  P is a degree-8 Chebyshev fit over [-2^-50, 1/16], within
   2^-54.8 relative with the coefficients rounded to double (degree 7: 2^-49.6, which
   r^2 P would pass on as 0.2 ulp at r = 1/16); tests/test_table64.py
   (test_log1p64_tables) checks the tables and the fit in mpmath.
   In place of the portable fa_log1p_unit's degree-20 polynomial in 2e - 1 (27
   operations on the FMA pipes; this form 15: three lookups, the reduction, the Estrin
   polynomial): in cache, one thread, C loop, softplus 22.8 -> 20.3 cycles per 8
   elements (with a fast two-sum of L_hi + r, 21.5). */
static const double FA_LOG1P64_IC[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.e1e1e1e1e1e1ep-1, 0x1.c71c71c71c71cp-1, 0x1.af286bca1af28p-1,
    0x1.999999999999ap-1, 0x1.8618618618618p-1, 0x1.745d1745d1746p-1, 0x1.642c8590b2164p-1,
    0x1.5555555555555p-1, 0x1.47ae147ae147bp-1, 0x1.3b13b13b13b14p-1, 0x1.2f684bda12f68p-1,
    0x1.2492492492492p-1, 0x1.1a7b9611a7b96p-1, 0x1.1111111111111p-1, 0x1.0842108421084p-1};
static const double FA_LOG1P64_L_HI[16] __attribute__((aligned(64))) = {
    0x0.0p+0, 0x1.f0a30c01162a8p-5, 0x1.e27076e2af2eap-4, 0x1.5ff3070a793d6p-3,
    0x1.c8ff7c79a9a20p-3, 0x1.1675cababa60fp-2, 0x1.4618bc21c5ec2p-2, 0x1.739d7f6bbd007p-2,
    0x1.9f323ecbf984dp-2, 0x1.c8ff7c79a9a21p-2, 0x1.f128f5faf06ecp-2, 0x1.0be72e4252a83p-1,
    0x1.1e85f5e7040d1p-1, 0x1.307d7334f10bep-1, 0x1.41d8fe84672afp-1, 0x1.52a2d265bc5abp-1};
static const double FA_LOG1P64_L_LO[16] __attribute__((aligned(64))) = {
    0x0.0p+0, 0x1.85f325c5bbacdp-59, -0x1.61578001e015ap-60, -0x1.bc60efafc6f6cp-58,
    -0x1.4f689f8434011p-57, 0x1.ce63eab883727p-61, -0x1.7a42642661c62p-61, 0x1.ce24c53fad3f0p-58,
    -0x1.a92e513217f58p-59, 0x1.3097607bcbfeep-56, -0x1.328df13bb38c2p-56, 0x1.b4c4bdd99efffp-56,
    -0x1.084e99683070ep-55, 0x1.fdac850fab36dp-56, -0x1.ee6d0cf42e7fap-55, 0x1.73be4578ad97bp-56};
/* P's coefficients, lowest degree first */
static const double FA_LOG1P64_P[9] = {
    -0x1.0000000000000p-1, 0x1.55555555553e7p-2, -0x1.ffffffffb38a2p-3, 0x1.999999685e9f5p-3,
    -0x1.5555456bd0b63p-3, 0x1.248f63380dc2fp-3, -0x1.ff60680870e2bp-4, 0x1.bd00e067611cep-4,
    -0x1.3ef6bf96f7947p-4};

FA_INLINE __m512d fa_v64_log1p_unit(__m512d e) {
    const double *c = FA_LOG1P64_P;
#define FA_V64_C(k) FA_T64_SET(c[k])
    /* (vminpd gives its second operand for a NaN e: the index stays in the table, and r
       is NaN) */
    __m512d jq = _mm512_min_pd(_mm512_roundscale_pd(e, (4 << 4) | _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC),
                               FA_T64_SET(15.0 / 16.0));
    __m512i idx = _mm512_srli_epi64(_mm512_castpd_si512(_mm512_add_pd(jq, FA_T64_SET(1.0))), 48);
    __m512d ic = fa_t64_pick(idx, FA_LOG1P64_IC);
    __m512d r = _mm512_fmadd_pd(e, ic, _mm512_sub_pd(ic, FA_T64_SET(1.0)));
    __m512d r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2);
    __m512d a0 = _mm512_fmadd_pd(FA_V64_C(1), r, FA_V64_C(0)), a1 = _mm512_fmadd_pd(FA_V64_C(3), r, FA_V64_C(2));
    __m512d a2 = _mm512_fmadd_pd(FA_V64_C(5), r, FA_V64_C(4)), a3 = _mm512_fmadd_pd(FA_V64_C(7), r, FA_V64_C(6));
    __m512d b1 = _mm512_fmadd_pd(FA_V64_C(8), r4, _mm512_fmadd_pd(a3, r2, a2));
    __m512d p = _mm512_fmadd_pd(b1, r4, _mm512_fmadd_pd(a1, r2, a0));
#undef FA_V64_C
    return _mm512_add_pd(fa_t64_pick(idx, FA_LOG1P64_L_HI),
                         _mm512_add_pd(fa_t64_pick(idx, FA_LOG1P64_L_LO), _mm512_fmadd_pd(r2, p, r)));
}

/* The last steps: y from x and l = log1p(e^-|x|) */
FA_INLINE __m512d fa_softplus64_finish(__m512d x, __m512d l, double threshold) {
    __m512d y = _mm512_add_pd(_mm512_max_pd(x, _mm512_setzero_pd()), l);
    return _mm512_mask_mov_pd(y, _mm512_cmp_pd_mask(x, FA_T64_SET(threshold), _CMP_GT_OQ), x);
}
FA_INLINE __m512d fa_logsig64_finish(__m512d x, __m512d l, double unused) {
    (void)unused;
    return _mm512_sub_pd(_mm512_min_pd(x, _mm512_setzero_pd()), l);
}

/* The loops are software-pipelined: each step computes the exponentials of the next
   step's vectors and the logarithms of its own, whose exponentials the step before
   computed.  The log stage waits on the exp stage's whole chain (about 100 cycles); as
   one step, the out-of-order window held too few independent instructions to keep the
   FMA ports busy (in cache, one thread: 36 cycles per 8 elements, against 12 for the
   exp stage alone and 15 for the log stage alone); pipelined, 24.  Every element goes
   through the same operations in the same order: the same bits.  The input of the next
   step is loaded before this step's output is stored, so the output may be the input.
   Two vectors a step (in cache: 24.3 cycles per 8 elements; three 25.4, four 27.5, as
   the registers run out). */
#define FA_V64_U 2
#define FA_V64_DEF_FORWARD(fname, finish)                                                 \
    FA_INLINE void fname(const double *x, double *y, ptrdiff_t n, double param) {         \
        const int u = FA_V64_U;                                                           \
        ptrdiff_t i = 0;                                                                  \
        if (n >= 8 * FA_V64_U) {                                                          \
            __m512d xv[FA_V64_U], e[FA_V64_U];                                            \
            FA_T64_EACH {                                                                 \
                xv[j] = _mm512_loadu_pd(x + 8 * j);                                       \
                e[j] = fa_v64_exp_neg_abs(xv[j]);                                         \
            }                                                                             \
            for (; i + 16 * FA_V64_U <= n; i += 8 * FA_V64_U) {                           \
                __m512d xn[FA_V64_U], en[FA_V64_U];                                       \
                FA_PREFETCH_LINES(x + i, FA_V64_U, 0); FA_PREFETCH_LINES(y + i, FA_V64_U, 1);                      \
                FA_T64_EACH xn[j] = _mm512_loadu_pd(x + i + 8 * FA_V64_U + 8 * j);        \
                FA_T64_EACH en[j] = fa_v64_exp_neg_abs(xn[j]);                            \
                FA_T64_EACH {                                                             \
                    _mm512_storeu_pd(y + i + 8 * j,                                       \
                                     finish(xv[j], fa_v64_log1p_unit(e[j]), param));      \
                    xv[j] = xn[j];                                                        \
                    e[j] = en[j];                                                         \
                }                                                                         \
            }                                                                             \
            FA_T64_EACH _mm512_storeu_pd(y + i + 8 * j, finish(xv[j], fa_v64_log1p_unit(e[j]), param)); \
            i += 8 * FA_V64_U;                                                            \
        }                                                                                 \
        for (; i < n; i += 8) {                                                           \
            __mmask8 m = FA_T64_TAIL(i, n);                                               \
            __m512d xt = _mm512_maskz_loadu_pd(m, x + i);                                 \
            _mm512_mask_storeu_pd(y + i, m,                                               \
                                  finish(xt, fa_v64_log1p_unit(fa_v64_exp_neg_abs(xt)), param)); \
        }                                                                                 \
    }
FA_V64_DEF_FORWARD(fa_softplus64_vec_fwd, fa_softplus64_finish)
FA_V64_DEF_FORWARD(fa_logsig64_vec_fwd, fa_logsig64_finish)

#else
/* Other builds: the portable paths of _lanes64_gelu.h; these are never called. */
#define FA_TABLE64_VEC 0
#define FA_T64_STUB_FORWARD(fname) \
    FA_INLINE void fname(const double *x, double *y, ptrdiff_t n) { (void)x; (void)y; (void)n; }
#define FA_T64_STUB_BACKWARD(fname)                                                       \
    FA_INLINE void fname(const double *dy, const double *x, double *dx, ptrdiff_t n) {    \
        (void)dy; (void)x; (void)dx; (void)n;                                             \
    }
FA_T64_STUB_FORWARD(fa_gelu64_table_fwd)
FA_INLINE ptrdiff_t fa_gelu64_table_fwd_upto(const double *x, double *y, ptrdiff_t n, double lo,
                                             double hi) {
    (void)x; (void)y; (void)n; (void)lo; (void)hi;
    return 0;
}
#define FA_T64_STUB_BACKWARD_UPTO(fname)                                                  \
    FA_INLINE ptrdiff_t fname(const double *dy, const double *x, double *dx, ptrdiff_t n, \
                              double lo, double hi) {                                     \
        (void)dy; (void)x; (void)dx; (void)n; (void)lo; (void)hi;                         \
        return 0;                                                                         \
    }
FA_T64_STUB_BACKWARD_UPTO(fa_gelu64_table_bwd_upto)
FA_T64_STUB_BACKWARD_UPTO(fa_gelut64_table_bwd_upto)
FA_T64_STUB_BACKWARD(fa_gelu64_table_bwd)
FA_T64_STUB_BACKWARD(fa_gelut64_table_bwd)
FA_INLINE void fa_softplus64_vec_fwd(const double *x, double *y, ptrdiff_t n, double p) {
    (void)x; (void)y; (void)n; (void)p;
}
FA_INLINE void fa_logsig64_vec_fwd(const double *x, double *y, ptrdiff_t n, double p) {
    (void)x; (void)y; (void)n; (void)p;
}
#endif
#endif
