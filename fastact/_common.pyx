# cython: language_level=3
"""Thread-count state and the parallel drivers shared by every kernel module.

Elementwise kernels are cut into fixed-size chunks.  Up to STATIC_MAX_CHUNKS
chunks (inputs that fit in the cores' own caches) each thread takes the same
contiguous share on every call (static schedule), so a trainer calling again on
the same arrays finds its share still in that core's cache (dynamic hand-out
moved the shares between cores: relu on 262144 float32 elements took 1.7x as
long).  Larger inputs stream from shared cache or memory anyway, and their
chunks are handed to threads on demand in shrinking runs (guided schedule): each
thread first takes a long contiguous run (half the chunks left, shared out), so
its memory stream stays sequential, and a thread that runs slow, because its core
is shared or clocked lower, takes fewer of the later, shorter runs instead of
holding up the whole call.  One chunk at a time (dynamic schedule) interleaved the
threads' streams: on AMD Zen 5 (EPYC, 2 threads, 16M float32 elements, plain
stores) relu took 1.01-1.05x PyTorch's time that way and 0.97-0.98x guided, the relu
backward 1.04-1.06x and 0.98-1.02x (the README's Threads section).  Where measured
faster (CONTIGUOUS_SHARES_CPUS: AMD Zen 5, again, in its fast memory phases), each
thread takes one contiguous share instead (static schedule).

Large outputs of the kernels that are cheap per element (the activation module
marks them) are computed block by block into a per-thread buffer that stays in
L1 and copied out by streaming stores, which do not read the destination lines
first: one memory stream less (relu float64 on 16M elements, one thread: 22 ->
17 ms).  They pay only when each thread's share overflows its core's L2
(stream_output in _common.pxd): a smaller share written normally stays in cache.

Each element is computed by the same code whatever the chunk, block or thread
it lands in, so results are bitwise identical for every thread count.  Work
smaller than PARALLEL_MIN_ELEMENTS never pays for starting threads.
"""
import os

from cython.parallel cimport prange

cdef extern from *:
    """
    #ifdef _OPENMP
    #define FASTACT_HAVE_OPENMP 1
    #else
    #define FASTACT_HAVE_OPENMP 0
    #endif
    """
    int FASTACT_HAVE_OPENMP

cdef extern from *:
    """
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    static int fastact_cpu_has(int which) {
        __builtin_cpu_init();
        switch (which) {
        case 0: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case 1: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
                       && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
                       && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        }
        return 0;
    }
    #else
    static int fastact_cpu_has(int which) { (void)which; return 0; }
    #endif

    /* Vendor (1: GenuineIntel, 2: AuthenticAMD), family and model from cpuid leaves 0 and 1; zeros
       elsewhere */
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    #include <cpuid.h>
    static void fastact_cpu_id(int *vendor, int *family, int *model) {
        unsigned a, b, c, d;
        *vendor = *family = *model = 0;
        if (!__get_cpuid(0, &a, &b, &c, &d))
            return;
        if (b == 0x756e6547u && d == 0x49656e69u && c == 0x6c65746eu)         /* GenuineIntel */
            *vendor = 1;
        else if (b == 0x68747541u && d == 0x69746e65u && c == 0x444d4163u)    /* AuthenticAMD */
            *vendor = 2;
        if (!__get_cpuid(1, &a, &b, &c, &d))
            return;
        *family = (int)((a >> 8) & 0xf);
        *model = (int)((a >> 4) & 0xf);
        if (*family == 0xf)
            *family += (int)((a >> 20) & 0xff);
        if (*family == 6 || *family >= 0xf)
            *model += (int)(((a >> 16) & 0xf) << 4);
    }
    #else
    static void fastact_cpu_id(int *vendor, int *family, int *model) { *vendor = *family = *model = 0; }
    #endif
    """
    int fastact_cpu_has(int which)
    void fastact_cpu_id(int* vendor, int* family, int* model)

cdef extern from *:
    """
    #include <string.h>
    #include <stdint.h>
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #define FA_COMMON_HAVE_NT 1
    /* dst[0:n] = src[0:n] with streaming (non-temporal) stores: the lines of dst are
       written without first being read into cache */
    static void fa_copy_nt(char *dst, const char *src, Py_ssize_t n) {
        while (n > 0 && ((uintptr_t)dst & 15)) { *dst++ = *src++; n--; }
        for (; n >= 64; n -= 64, dst += 64, src += 64) {
            __m128i a = _mm_loadu_si128((const __m128i *)src);
            __m128i b = _mm_loadu_si128((const __m128i *)(src + 16));
            __m128i c = _mm_loadu_si128((const __m128i *)(src + 32));
            __m128i d = _mm_loadu_si128((const __m128i *)(src + 48));
            _mm_stream_si128((__m128i *)dst, a);
            _mm_stream_si128((__m128i *)(dst + 16), b);
            _mm_stream_si128((__m128i *)(dst + 32), c);
            _mm_stream_si128((__m128i *)(dst + 48), d);
        }
        memcpy(dst, src, (size_t)n);
    }
    /* streaming stores are weakly ordered: each thread fences once it has written */
    static void fa_sfence_common(void) { _mm_sfence(); }
    #else
    #define FA_COMMON_HAVE_NT 0
    static void fa_copy_nt(char *dst, const char *src, Py_ssize_t n) { memcpy(dst, src, (size_t)n); }
    static void fa_sfence_common(void) {}
    #endif
    """
    int FA_COMMON_HAVE_NT

cdef extern from *:
    """
    /* Software prefetch of the 64-byte lines of [p + ahead, p + ahead + nbytes),
       clipped to end: past the array a prefetch would only be wasted (the addresses
       are formed as integers, never as pointers past the array). */
    static void fa_prefetch_read(const char *p, Py_ssize_t ahead, Py_ssize_t nbytes,
                                 const char *end) {
        uintptr_t a = (uintptr_t)p + (uintptr_t)ahead, e = a + (uintptr_t)nbytes;
        if (e > (uintptr_t)end) e = (uintptr_t)end;
        for (; a < e; a += 64) __builtin_prefetch((const void *)a, 0, 3);
    }
    static void fa_prefetch_write(const char *p, Py_ssize_t ahead, Py_ssize_t nbytes,
                                  const char *end) {
        uintptr_t a = (uintptr_t)p + (uintptr_t)ahead, e = a + (uintptr_t)nbytes;
        if (e > (uintptr_t)end) e = (uintptr_t)end;
        for (; a < e; a += 64) __builtin_prefetch((const void *)a, 1, 3);
    }
    """
    void fa_prefetch_read(const char* p, Py_ssize_t ahead, Py_ssize_t nbytes, const char* end) nogil
    void fa_prefetch_write(const char* p, Py_ssize_t ahead, Py_ssize_t nbytes, const char* end) nogil
    void fa_copy_nt(char* dst, const char* src, Py_ssize_t n) nogil
    void fa_sfence_common() nogil

from libc.stdlib cimport malloc, free
from cython.parallel cimport threadid

cdef int _num_threads = 1


cdef int num_threads() noexcept nogil:
    return _num_threads


cdef bint _streaming = True


cdef bint streaming() noexcept nogil:
    return _streaming


cdef bint _elementwise_streaming = True


def _set_streaming(on, elementwise=None):
    """Turn streaming stores for large outputs on or off (FASTACT_STREAM at import):
    those of the row kernels, and those of the elementwise drivers as `elementwise`
    (as `on` when None).  Results are the same bits either way; only the speed differs."""
    global _streaming, _elementwise_streaming
    _streaming = bool(on)
    _elementwise_streaming = bool(on if elementwise is None else elementwise)


def _streaming_enabled():
    return bool(_streaming)


def _elementwise_streaming_enabled():
    return bool(_elementwise_streaming)


cdef bint _prefetching = True
cdef bint _prefetch_writes = True      # the output's lines too (prefetchw)
cdef bint _prefetch_unary = True       # the one-input kernels too
cdef bint _contiguous_shares = False   # large inputs: one run per thread (static)


def _set_prefetching(on, reads_only=False):
    """Turn the drivers' software prefetch for large inputs on or off (FASTACT_PREFETCH
    at import); with `reads_only`, only the two-input kernels prefetch, and only their
    inputs (this CPU's default on READ_PREFETCH_ONLY_CPUS).  Results are the same bits
    either way; only the speed differs."""
    global _prefetching, _prefetch_writes, _prefetch_unary
    _prefetching = bool(on)
    _prefetch_writes = _prefetch_unary = not reads_only


def _set_contiguous_shares(on):
    """Large elementwise inputs: each thread one contiguous share (static schedule), or
    shrinking runs handed out on demand (guided; see the module notes).  The bits are
    the same either way."""
    global _contiguous_shares
    _contiguous_shares = bool(on)


def _contiguous_shares_enabled():
    return bool(_contiguous_shares)


def _prefetching_enabled():
    return bool(_prefetching)


def _prefetch_state():
    """"on", "reads of two-input kernels" or "off", and why."""
    env = _env_switch("FASTACT_PREFETCH")
    why = _switch_why("FASTACT_PREFETCH", env)
    state = "off" if not _prefetching else ("on" if _prefetch_unary else "reads of two-input kernels")
    return state + f" ({why})"


def cpu_id():
    """(vendor, family, model) of this CPU from cpuid: vendor "intel", "amd" or "other";
    ("other", 0, 0) where there is no cpuid."""
    cdef int vendor = 0, family = 0, model = 0
    fastact_cpu_id(&vendor, &family, &model)
    return ({1: "intel", 2: "amd"}.get(vendor, "other"), family, model)


# CPUs where streaming stores measured slower than plain ones for the kernels that use
# them, so they are off unless FASTACT_STREAM=1: Intel family 6 model 85 (Skylake-SP,
# Cascade Lake; 2 cores, 1 and 2 threads, 16M elements: relu float32 9.7-11.5 ms streamed,
# 8.7-9.3 not; softmax (4096, 1000) 3.5-4.0 against 2.7-2.9; the cross-entropy gradient
# 3.6-4.6 against 2.9-3.2).  On model 207 (1, 2 and 16 threads) they gain 10 to 20%.
STREAM_SLOW_CPUS = {("intel", 6, 85)}


# CPUs where the elementwise drivers' streaming stores (a block computed into an L1
# buffer, then copied out) measured slower than plain stores, while the row kernels'
# (softmax family, loss gradients) did not lose: there only the elementwise ones are
# off by default.  AMD family 26 (Zen 5; model 2 measured, EPYC, 2 cores, 2 threads,
# 16M elements, alternating processes, `python bench/ab_env.py FASTACT_STREAM`):
# relu float32 2.47-2.48 ms streamed against 1.99-3.22 not, relu backward 4.36-4.47
# against 2.83-4.74, relu6 backward 5.48-5.61 against 2.87-4.72, float64 relu 4.87-5.91
# against 3.98-4.12; PyTorch's plain stores ran 1.15 to 1.9x faster than the streamed
# kernels.  The same CPU's softmax and cross-entropy rows measured alike or faster
# streamed (softmax_backward (256, 50000) float32 2.92 against 3.11 ms).
ELEMENTWISE_STREAM_SLOW_CPUS = {"amd": {26}}


# CPUs where the elementwise drivers measured faster with each thread's share of a large
# input one contiguous run (static schedule) than in guided runs, and with the software
# prefetch of the two-input kernels' inputs only (no prefetch of the output's lines, none
# for one-input kernels).  AMD family 26 (Zen 5; model 2, EPYC, 2 cores, 2 threads, 16M
# float32 elements, medians of 782 in-process rounds each side of a memory phase,
# ms: guided with both prefetches / contiguous with reads only / PyTorch): in the
# phases where two threads move twice what one does, relu 1.53 / 1.32 (no prefetch) /
# 1.35, relu_backward 2.35 / 2.18 / 2.22; in the other phases 2.47 / 2.48 / 2.52 and
# 3.80 / 3.80 / 3.85.  Without its prefetch the relu backward took 4.36 there.
CONTIGUOUS_SHARES_CPUS = {"amd": {26}}
READ_PREFETCH_ONLY_CPUS = {"amd": {26}}


# CPUs where the float64 mish kernels (forward and backward, _lanes64.h) measured faster
# without their own software prefetch (fa_l64_mish_prefetch; the other lanes kernels
# keep theirs).  AMD family 26 (Zen 5; model 2, EPYC, 2 cores; 16M float64 elements,
# 3 N(0, 1) inputs, alternating processes, medians of rounds of 7 calls, ms, with /
# without): one thread, mish 14.35 / 13.24, mish_backward 20.13 / 19.27; two threads,
# mish 7.69 / 7.28 and 7.40 / 6.58, mish_backward 11.50 / 10.47 and 10.94 / 10.26 (two
# memory phases).  There the silu forward without its prefetch took 7.84 against 6.06
# ms (4.70 against 9.22 in the other phase), and the silu backward and the other
# kernels' own prefetches measured alike or faster with them.  Cascade Lake (round 18)
# measured the mish forward faster with the prefetch (44-48 -> 38-43 ms on one thread).
NO_MISH64_PREFETCH_CPUS = {"amd": {26}}


def _family_in(families, cpu):
    """Whether `cpu` ((vendor, family, model), this CPU's when None) is of one of the
    families of `families` (vendor -> set of families)."""
    vendor, family, model = tuple(cpu if cpu is not None else cpu_id())
    return family in families.get(vendor, ())


def contiguous_shares_default(cpu=None):
    """Whether large elementwise inputs go to threads as one contiguous share each on
    `cpu` ((vendor, family, model), this CPU's by default)."""
    return _family_in(CONTIGUOUS_SHARES_CPUS, cpu)


def read_prefetch_only_default(cpu=None):
    """Whether only the two-input kernels prefetch, and only their inputs, on `cpu`."""
    return _family_in(READ_PREFETCH_ONLY_CPUS, cpu)


def mish64_prefetch_default(cpu=None):
    """Whether the float64 mish kernels prefetch for themselves on `cpu` ((vendor,
    family, model), this CPU's by default): yes, except on NO_MISH64_PREFETCH_CPUS."""
    return not _family_in(NO_MISH64_PREFETCH_CPUS, cpu)


def streaming_default(cpu=None):
    """Whether streaming stores are on by default on `cpu` ((vendor, family, model),
    this CPU's by default): on, except on STREAM_SLOW_CPUS."""
    return tuple(cpu if cpu is not None else cpu_id()) not in STREAM_SLOW_CPUS


def elementwise_streaming_default(cpu=None):
    """Whether the elementwise drivers' streaming stores are on by default on `cpu`:
    as streaming_default, and off on the families of ELEMENTWISE_STREAM_SLOW_CPUS."""
    cpu = tuple(cpu if cpu is not None else cpu_id())
    return streaming_default(cpu) and not _family_in(ELEMENTWISE_STREAM_SLOW_CPUS, cpu)


def streaming_state():
    """"on" or "off" (rows, then the elementwise drivers when they differ), and why:
    FASTACT_STREAM, or this CPU's default."""
    env = _env_switch("FASTACT_STREAM")
    why = _switch_why("FASTACT_STREAM", env)
    state = "on" if _streaming else "off"
    if _elementwise_streaming != _streaming:
        state += ", elementwise " + ("on" if _elementwise_streaming else "off")
    return state + f" ({why})"


cdef int threads_for(Py_ssize_t work, Py_ssize_t min_work) noexcept nogil:
    """Threads worth using for `work` units when each thread needs `min_work` of them."""
    cdef Py_ssize_t t
    if _num_threads <= 1 or work < 2 * min_work:
        return 1
    t = work // min_work
    return <int>(t if t < _num_threads else _num_threads)


cdef inline Py_ssize_t _head_to_align(const char* y, Py_ssize_t n, Py_ssize_t itemsize) noexcept nogil:
    """Elements before y reaches a 64-byte boundary (0 if y is not itemsize-aligned).
    NumPy's large buffers sit 16 bytes past a boundary; a full-width vector store
    that straddles two cache lines costs about as much as two."""
    cdef Py_ssize_t off = <Py_ssize_t>(<size_t>y % 64)
    if off == 0 or off % itemsize != 0:
        return 0
    return min((64 - off) // itemsize, n)


cdef inline char* _stream_buffers(bint stream, Py_ssize_t n, Py_ssize_t itemsize,
                                  int nt) noexcept nogil:
    """One block buffer per thread when the output goes out by streaming stores: the
    kernel is cheap enough that memory traffic dominates (stream), the input is past
    the static-schedule range and the output is large enough (output_is_large).  NULL
    otherwise, or if the allocation fails (plain stores then)."""
    if not (FA_COMMON_HAVE_NT and stream and _elementwise_streaming
            and n > STATIC_MAX_CHUNKS * ELEMENTWISE_CHUNK and output_is_large(n * itemsize, nt)):
        return NULL
    return <char*>malloc(nt * STREAM_BLOCK_BYTES)


cdef inline void _unary_part(unary_kernel f, const char* x, char* y, Py_ssize_t n,
                             Py_ssize_t itemsize, const double* p, char* buf,
                             Py_ssize_t prefetch_to) noexcept nogil:
    """f over n elements.  With a buffer, in blocks computed into it (it stays in L1)
    and copied to y by streaming stores.  Otherwise, when prefetch_to > 0 (the elements
    from x to the end of the array), in steps of PREFETCH_STEP_BYTES, each after a
    software prefetch of the lines PREFETCH_AHEAD_BYTES ahead in x and y."""
    cdef Py_ssize_t s = 0, m, step = STREAM_BLOCK_BYTES // itemsize
    cdef const char* xend
    cdef const char* yend
    if buf == NULL:
        if prefetch_to <= 0:
            f(x, y, n, p)
            return
        step = PREFETCH_STEP_BYTES // itemsize
        xend = x + prefetch_to * itemsize
        yend = y + prefetch_to * itemsize
        while s < n:
            m = min(step, n - s)
            fa_prefetch_read(x + s * itemsize, PREFETCH_AHEAD_BYTES, m * itemsize, xend)
            if _prefetch_writes:
                fa_prefetch_write(y + s * itemsize, PREFETCH_AHEAD_BYTES, m * itemsize, yend)
            f(x + s * itemsize, y + s * itemsize, m, p)
            s += m
        return
    while s < n:
        m = min(step, n - s)
        f(x + s * itemsize, buf, m, p)
        fa_copy_nt(y + s * itemsize, buf, m * itemsize)
        s += m
    fa_sfence_common()


cdef inline void _binary_part(binary_kernel f, const char* a, const char* b, char* y,
                              Py_ssize_t n, Py_ssize_t itemsize, const double* p,
                              char* buf, Py_ssize_t prefetch_to) noexcept nogil:
    """f over n elements; with a buffer or prefetching, as _unary_part"""
    cdef Py_ssize_t s = 0, m, step = STREAM_BLOCK_BYTES // itemsize
    cdef const char* aend
    cdef const char* bend
    cdef const char* yend
    if buf == NULL:
        if prefetch_to <= 0:
            f(a, b, y, n, p)
            return
        step = PREFETCH_STEP_BYTES // itemsize
        aend = a + prefetch_to * itemsize
        bend = b + prefetch_to * itemsize
        yend = y + prefetch_to * itemsize
        while s < n:
            m = min(step, n - s)
            fa_prefetch_read(a + s * itemsize, PREFETCH_AHEAD_BYTES, m * itemsize, aend)
            fa_prefetch_read(b + s * itemsize, PREFETCH_AHEAD_BYTES, m * itemsize, bend)
            if _prefetch_writes:
                fa_prefetch_write(y + s * itemsize, PREFETCH_AHEAD_BYTES, m * itemsize, yend)
            f(a + s * itemsize, b + s * itemsize, y + s * itemsize, m, p)
            s += m
        return
    while s < n:
        m = min(step, n - s)
        f(a + s * itemsize, b + s * itemsize, buf, m, p)
        fa_copy_nt(y + s * itemsize, buf, m * itemsize)
        s += m
    fa_sfence_common()


cdef void run_unary(unary_kernel f, const char* x, char* y, Py_ssize_t n,
                    Py_ssize_t itemsize, const double* p, bint stream,
                    bint prefetch) noexcept nogil:
    cdef int nt
    cdef Py_ssize_t c, start, nchunks
    cdef char* bufs
    cdef Py_ssize_t head = _head_to_align(y, n, itemsize)
    if head > 0:              # the rest of the array, and every chunk of it, starts aligned
        f(x, y, head, p)
        x += head * itemsize
        y += head * itemsize
        n -= head
    nt = threads_for(n, PARALLEL_MIN_ELEMENTS // 2)
    bufs = _stream_buffers(stream, n, itemsize, nt)
    prefetch = prefetch and _prefetching and _prefetch_unary and n * itemsize >= PREFETCH_MIN_BYTES
    if nt <= 1:
        _unary_part(f, x, y, n, itemsize, p, bufs, n if prefetch else 0)
        free(bufs)
        return
    nchunks = (n + ELEMENTWISE_CHUNK - 1) // ELEMENTWISE_CHUNK
    if nchunks <= STATIC_MAX_CHUNKS or _contiguous_shares:
        for c in prange(nchunks, num_threads=nt, schedule="static", nogil=True):
            start = c * ELEMENTWISE_CHUNK
            _unary_part(f, x + start * itemsize, y + start * itemsize,
                        min(ELEMENTWISE_CHUNK, n - start), itemsize, p,
                        bufs + threadid() * STREAM_BLOCK_BYTES if bufs != NULL else NULL,
                        n - start if prefetch else 0)
    else:
        for c in prange(nchunks, num_threads=nt, schedule="guided", nogil=True):
            start = c * ELEMENTWISE_CHUNK
            _unary_part(f, x + start * itemsize, y + start * itemsize,
                        min(ELEMENTWISE_CHUNK, n - start), itemsize, p,
                        bufs + threadid() * STREAM_BLOCK_BYTES if bufs != NULL else NULL,
                        n - start if prefetch else 0)
    free(bufs)


cdef void run_binary(binary_kernel f, const char* a, const char* b, char* y,
                     Py_ssize_t n, Py_ssize_t itemsize, const double* p, bint stream,
                     bint prefetch) noexcept nogil:
    cdef int nt
    cdef Py_ssize_t c, start, nchunks
    cdef char* bufs
    cdef Py_ssize_t head = _head_to_align(y, n, itemsize)
    if head > 0:
        f(a, b, y, head, p)
        a += head * itemsize
        b += head * itemsize
        y += head * itemsize
        n -= head
    nt = threads_for(n, PARALLEL_MIN_ELEMENTS // 2)
    bufs = _stream_buffers(stream, n, itemsize, nt)
    prefetch = prefetch and _prefetching and n * itemsize >= PREFETCH_MIN_BYTES
    if nt <= 1:
        _binary_part(f, a, b, y, n, itemsize, p, bufs, n if prefetch else 0)
        free(bufs)
        return
    nchunks = (n + ELEMENTWISE_CHUNK - 1) // ELEMENTWISE_CHUNK
    if nchunks <= STATIC_MAX_CHUNKS or _contiguous_shares:
        for c in prange(nchunks, num_threads=nt, schedule="static", nogil=True):
            start = c * ELEMENTWISE_CHUNK
            _binary_part(f, a + start * itemsize, b + start * itemsize, y + start * itemsize,
                         min(ELEMENTWISE_CHUNK, n - start), itemsize, p,
                         bufs + threadid() * STREAM_BLOCK_BYTES if bufs != NULL else NULL,
                         n - start if prefetch else 0)
    else:
        for c in prange(nchunks, num_threads=nt, schedule="guided", nogil=True):
            start = c * ELEMENTWISE_CHUNK
            _binary_part(f, a + start * itemsize, b + start * itemsize, y + start * itemsize,
                         min(ELEMENTWISE_CHUNK, n - start), itemsize, p,
                         bufs + threadid() * STREAM_BLOCK_BYTES if bufs != NULL else NULL,
                         n - start if prefetch else 0)
    free(bufs)


def openmp_enabled():
    """True when the extension was compiled with OpenMP (else every kernel runs serially)."""
    return bool(FASTACT_HAVE_OPENMP)


def cpu_supports():
    """Instruction-set levels this CPU (and OS) supports, best last: ["baseline", "avx2", "avx512"]."""
    levels = ["baseline"]
    if fastact_cpu_has(0):
        levels.append("avx2")
        if fastact_cpu_has(1):
            levels.append("avx512")
    return levels


def _available_cpus():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def set_num_threads(n):
    """Use up to `n` CPU threads for large inputs (n >= 1)."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int) and not hasattr(n, "__index__"):
        raise TypeError(f"fastact.set_num_threads: n must be an integer, got {type(n).__name__}")
    n = int(n.__index__()) if not isinstance(n, int) else n
    if n < 1:
        raise ValueError(f"fastact.set_num_threads: n must be >= 1, got {n}")
    _num_threads = <int>min(n, 1 << 16)


def get_num_threads():
    """The number of CPU threads fastact uses for large inputs."""
    return _num_threads


def _init_threads():
    env = os.environ.get("FASTACT_NUM_THREADS", "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            raise ValueError(f"FASTACT_NUM_THREADS must be a positive integer, got {env!r}") from None
        set_num_threads(n)
    else:
        set_num_threads(_available_cpus())


_init_threads()


def _switch_why(name, env):
    """Why a switch is as it is: name=env when set, else this CPU's default."""
    return f"{name}={env}" if env else "default for {} family {} model {}".format(*cpu_id())


def _env_switch(name):
    """The on/off environment variable `name`: "0", "1", or "" when unset or blank;
    anything else is refused at import, naming the variable."""
    env = os.environ.get(name, "").strip()
    if env not in ("", "0", "1"):
        raise ValueError(f"{name} must be 0 or 1, got {env!r}")
    return env


def _init_streaming():
    env = _env_switch("FASTACT_STREAM")
    if env:
        _set_streaming(env == "1")
    else:
        _set_streaming(streaming_default(), elementwise_streaming_default())


_init_streaming()
def _init_prefetching():
    env = _env_switch("FASTACT_PREFETCH")
    _set_prefetching(env != "0", reads_only=not env and read_prefetch_only_default())


_init_prefetching()
_set_contiguous_shares(contiguous_shares_default())
