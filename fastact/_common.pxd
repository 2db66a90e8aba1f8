# Shared declarations for every kernel module: the fused float type, the kernel
# signatures the thread drivers call, and the thread-count state.

ctypedef fused floating:
    float
    double

# A kernel processes n contiguous elements.  Arguments are passed as char* so
# that one function-pointer type covers both dtypes; each kernel casts back.
# p holds the activation's scalar parameters (alpha, beta, ...) as doubles.
ctypedef void (*unary_kernel)(const char* x, char* y, Py_ssize_t n,
                              const double* p) noexcept nogil
ctypedef void (*binary_kernel)(const char* a, const char* b, char* y, Py_ssize_t n,
                               const double* p) noexcept nogil

cdef enum:
    # Elementwise work below this many elements runs on the calling thread.
    PARALLEL_MIN_ELEMENTS = 1 << 15
    # Elementwise work is cut into chunks of this many elements for the threads.
    ELEMENTWISE_CHUNK = 1 << 14
    # Up to this many chunks (1M elements) the threads take fixed shares (static
    # schedule: each share stays in its core's cache); above it, chunks on demand.
    STATIC_MAX_CHUNKS = 64
    # Outputs of this many bytes or more are written by streaming stores (they would
    # not stay in cache, and a streaming store does not read the line first): softmax
    # rows, loss gradients, and the elementwise kernels cheap enough that their memory
    # traffic dominates, computed in blocks of STREAM_BLOCK_BYTES that stay in L1.
    STREAM_MIN_BYTES = 1 << 23
    # ... and only when each thread's share is this many bytes or more (the L2 of one
    # core): smaller shares stay in the cache for the next reader.  On 16 cores,
    # softmax (4096, 1000) float32 on 16 threads (1 MB a thread) took 0.33 ms with
    # streaming stores and 0.25 ms without; on 2 cores streaming wins at 8 MB a thread.
    STREAM_MIN_THREAD_BYTES = 1 << 21
    STREAM_BLOCK_BYTES = 1 << 14
    # Inputs of PREFETCH_MIN_BYTES or more (they come from L3 or memory) of the kernels
    # that are cheap per element (the activation module marks them) run in steps of
    # PREFETCH_STEP_BYTES, each after a software prefetch of its arrays' lines
    # PREFETCH_AHEAD_BYTES ahead: the hardware prefetcher alone leaves loads waiting.
    # Measured with bench/ab_env.py FASTACT_PREFETCH (Cascade Lake, 2 threads): relu
    # float64 16M 13.0-13.1 -> 11.1-11.3 ms, 2M 1.43-1.52 -> 0.97-1.11, 1M 0.38-0.40
    # -> 0.35; float32 16M 6.4-6.8 -> 5.7-6.1.  At 512K float64 (4 MB) and below no
    # gain, and a compute-bound kernel (silu float64) loses 15%.  1 to 4 KB ahead in
    # steps of 256 B to 1 KB measured alike; 8 KB ahead lost in float32, 16 KB in both.
    PREFETCH_AHEAD_BYTES = 2048
    PREFETCH_STEP_BYTES = 512
    PREFETCH_MIN_BYTES = 1 << 23

cdef int num_threads() noexcept nogil
# The row kernels' switch (softmax family, loss gradients): False when FASTACT_STREAM=0
# or on STREAM_SLOW_CPUS (on some machines they cost time: see the README's benchmark
# notes).  The elementwise drivers have their own (_common._elementwise_streaming).
cdef bint streaming() noexcept nogil


cdef inline bint output_is_large(Py_ssize_t nbytes, int nt) noexcept nogil:
    """Whether an output of nbytes written by nt threads is large enough to stream."""
    return nbytes >= STREAM_MIN_BYTES and nbytes >= nt * <Py_ssize_t>STREAM_MIN_THREAD_BYTES


cdef inline bint stream_output(Py_ssize_t nbytes, int nt) noexcept nogil:
    """Whether an output of nbytes written by nt threads of a row kernel goes out by
    streaming stores (the elementwise drivers ask their own switch instead)."""
    return output_is_large(nbytes, nt) and streaming()

cdef int threads_for(Py_ssize_t work, Py_ssize_t min_work) noexcept nogil

cdef void run_unary(unary_kernel f, const char* x, char* y, Py_ssize_t n,
                    Py_ssize_t itemsize, const double* p, bint stream,
                    bint prefetch) noexcept nogil
cdef void run_binary(binary_kernel f, const char* a, const char* b, char* y,
                     Py_ssize_t n, Py_ssize_t itemsize, const double* p, bint stream,
                     bint prefetch) noexcept nogil
