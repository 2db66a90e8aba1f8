# cython: language_level=3
"""Thread-count state and the parallel drivers shared by every kernel module.

Elementwise kernels are cut into fixed-size chunks.  Up to STATIC_MAX_CHUNKS
chunks (inputs that fit in the cores' own caches) each thread takes the same
contiguous share on every call (static schedule), so a trainer calling again on
the same arrays finds its share still in that core's cache (dynamic hand-out
moved the shares between cores: relu on 262144 float32 elements took 1.7x as
long).  Larger inputs stream from shared cache or memory anyway, and their
chunks are handed to threads on demand (dynamic schedule): a thread that runs
slow, because its core is shared or clocked lower, takes fewer chunks instead of
holding up the whole call.  Each element is computed by the same code whatever the chunk or
thread it lands in, so results are bitwise identical for every thread count.
Work smaller than PARALLEL_MIN_ELEMENTS never pays for starting threads.
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
    """
    int fastact_cpu_has(int which)

cdef int _num_threads = 1


cdef int num_threads() noexcept nogil:
    return _num_threads


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


cdef void run_unary(unary_kernel f, const char* x, char* y, Py_ssize_t n,
                    Py_ssize_t itemsize, const double* p) noexcept nogil:
    cdef int nt
    cdef Py_ssize_t c, start, nchunks
    cdef Py_ssize_t head = _head_to_align(y, n, itemsize)
    if head > 0:              # the rest of the array, and every chunk of it, starts aligned
        f(x, y, head, p)
        x += head * itemsize
        y += head * itemsize
        n -= head
    nt = threads_for(n, PARALLEL_MIN_ELEMENTS // 2)
    if nt <= 1:
        f(x, y, n, p)
        return
    nchunks = (n + ELEMENTWISE_CHUNK - 1) // ELEMENTWISE_CHUNK
    if nchunks <= STATIC_MAX_CHUNKS:
        for c in prange(nchunks, num_threads=nt, schedule="static", nogil=True):
            start = c * ELEMENTWISE_CHUNK
            f(x + start * itemsize, y + start * itemsize,
              min(ELEMENTWISE_CHUNK, n - start), p)
    else:
        for c in prange(nchunks, num_threads=nt, schedule="dynamic", nogil=True):
            start = c * ELEMENTWISE_CHUNK
            f(x + start * itemsize, y + start * itemsize,
              min(ELEMENTWISE_CHUNK, n - start), p)


cdef void run_binary(binary_kernel f, const char* a, const char* b, char* y,
                     Py_ssize_t n, Py_ssize_t itemsize, const double* p) noexcept nogil:
    cdef int nt
    cdef Py_ssize_t c, start, nchunks
    cdef Py_ssize_t head = _head_to_align(y, n, itemsize)
    if head > 0:
        f(a, b, y, head, p)
        a += head * itemsize
        b += head * itemsize
        y += head * itemsize
        n -= head
    nt = threads_for(n, PARALLEL_MIN_ELEMENTS // 2)
    if nt <= 1:
        f(a, b, y, n, p)
        return
    nchunks = (n + ELEMENTWISE_CHUNK - 1) // ELEMENTWISE_CHUNK
    if nchunks <= STATIC_MAX_CHUNKS:
        for c in prange(nchunks, num_threads=nt, schedule="static", nogil=True):
            start = c * ELEMENTWISE_CHUNK
            f(a + start * itemsize, b + start * itemsize, y + start * itemsize,
              min(ELEMENTWISE_CHUNK, n - start), p)
    else:
        for c in prange(nchunks, num_threads=nt, schedule="dynamic", nogil=True):
            start = c * ELEMENTWISE_CHUNK
            f(a + start * itemsize, b + start * itemsize, y + start * itemsize,
              min(ELEMENTWISE_CHUNK, n - start), p)


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
