# Cython view of _vecmath.h: branch-free exp/expm1/log1p that vectorise.
# (Accuracy bounds are documented in the header.)
cdef extern from "_vecmath.h" nogil:
    const int FA_HAS_HW_FMA
    const int FA_UPTO64         # the float64 *_upto kernels run (AVX-512 builds)
    double fa_exp(double x)
    double fa_exp_nonpos(double x)
    double fa_exp_inrange(double x)
    double fa_exp_inrange_dd(double x, double* lo)
    double fa_exp_lean(double x)
    double fa_exp_lean_inrange(double x)
    double fa_reduce_one(double xc, double* s)
    double fa_expm1_poly(double r)
    double fa_exp_dd_nonpos(double x, double* lo)
    double fa_expm1(double x)
    double fa_expm1_nonpos(double x)
    double fa_log1p(double x)
    double fa_log1p_unit(double x)
    double fa_log(double x)
    float fa_expf(float x)
    bint fa_outside_d(const double* x, Py_ssize_t n, double lo, double hi)
    bint fa_outside_f(const float* x, Py_ssize_t n, float lo, float hi)
    int fa_marks_d(const double* x, Py_ssize_t n, double lo, double hi, int* at, double* v)
    int fa_marks_f(const float* x, Py_ssize_t n, float lo, float hi, int* at, float* v)
    float fa_expf_nonpos(float x)
    float fa_expm1f(float x)
    float fa_expm1f_nonpos(float x)
    float fa_log1pf(float x)
    float fa_logf(float x)
    float fa_log1pf_unit(float x)


# _table32.h: the AVX-512 float32 kernels over a block (FA_TABLE32_VEC is 0 and the
# functions are empty in other builds)
cdef extern from "_table32.h" nogil:
    const int FA_TABLE32_VEC
    void fa_gelu32_fwd(const float* x, float* y, Py_ssize_t n)
    void fa_gelu32_bwd(const float* dy, const float* x, float* dx, Py_ssize_t n)
    void fa_gelut32_fwd(const float* x, float* y, Py_ssize_t n)
    void fa_gelut32_bwd(const float* dy, const float* x, float* dx, Py_ssize_t n)
    void fa_silu32_fwd(const float* x, float* y, Py_ssize_t n)
    void fa_silu32_bwd(const float* dy, const float* x, float* dx, Py_ssize_t n)
    void fa_mish32_fwd(const float* x, float* y, Py_ssize_t n)
    void fa_tanh32_fwd(const float* x, float* y, Py_ssize_t n)
    void fa_sigmoid32_fwd(const float* x, float* y, Py_ssize_t n)
    void fa_softplus32_bwd(const float* dy, const float* x, float* dx, Py_ssize_t n)
    void fa_logsig32_bwd(const float* dy, const float* x, float* dx, Py_ssize_t n)
    void fa_mish32_bwd(const float* dy, const float* x, float* dx, Py_ssize_t n)
    # (each also as X_upto(..., lo, hi): the steps up to the first with an x outside
    # [lo, hi]; the number of elements done)
    Py_ssize_t fa_gelu32_fwd_upto(const float* x, float* y, Py_ssize_t n, double lo, double hi)
    Py_ssize_t fa_gelu32_bwd_upto(const float* dy, const float* x, float* dx, Py_ssize_t n,
                                  double lo, double hi)
    Py_ssize_t fa_gelut32_fwd_upto(const float* x, float* y, Py_ssize_t n, double lo, double hi)
    Py_ssize_t fa_gelut32_bwd_upto(const float* dy, const float* x, float* dx, Py_ssize_t n,
                                   double lo, double hi)
    Py_ssize_t fa_mish32_fwd_upto(const float* x, float* y, Py_ssize_t n, double lo, double hi)
    Py_ssize_t fa_mish32_bwd_upto(const float* dy, const float* x, float* dx, Py_ssize_t n,
                                  double lo, double hi)
    Py_ssize_t fa_silu32_bwd_upto(const float* dy, const float* x, float* dx, Py_ssize_t n,
                                  double lo, double hi)


# _table64.h: the AVX-512 float64 gelu (the exact form both ways, the tanh form's
# backward) and softplus and log sigma forwards over a block (FA_TABLE64_VEC is 0 and the
# functions are empty in other builds)
cdef extern from "_table64.h" nogil:
    const int FA_TABLE64_VEC
    void fa_gelu64_table_fwd(const double* x, double* y, Py_ssize_t n)
    void fa_gelu64_table_bwd(const double* dy, const double* x, double* dx, Py_ssize_t n)
    void fa_gelut64_table_bwd(const double* dy, const double* x, double* dx, Py_ssize_t n)
    Py_ssize_t fa_gelu64_table_fwd_upto(const double* x, double* y, Py_ssize_t n, double lo,
                                        double hi)
    Py_ssize_t fa_gelu64_table_bwd_upto(const double* dy, const double* x, double* dx, Py_ssize_t n,
                                        double lo, double hi)
    Py_ssize_t fa_gelut64_table_bwd_upto(const double* dy, const double* x, double* dx,
                                         Py_ssize_t n, double lo, double hi)
    void fa_softplus64_vec_fwd(const double* x, double* y, Py_ssize_t n, double threshold)
    void fa_logsig64_vec_fwd(const double* x, double* y, Py_ssize_t n, double unused)


# _lanes64.h: float64 kernels as interleaved lanes (every build): the shared helpers, and
# per kernel its point function and its block function (the fast part of a block)
cdef extern from "_lanes64.h" nogil:
    double fa_div_sq_1p(double a, double e)
    double fa_div_sq_dd(double a, double q, double qlo)
    double fa_horner(double x, const double* c, int n)
    double fa_gelu_tanh_z(double x, double* zlo)
    double fa_gelu_tanh_xdz(double x, double* lo)
    const double FA_SILU_ROOT_HI
    const double FA_SILU_ROOT_LO
    const double FA_SILU_E_ROOT
    double fa_silu64_fwd(double x)
    void fa_silu64_fwd_block(const double* x, double* y, Py_ssize_t n)
    double fa_silu64_bwd(double dy, double x)
    void fa_silu64_bwd_block(const double* dy, const double* x, double* dx, Py_ssize_t n)
    Py_ssize_t fa_silu64_bwd_upto(const double* dy, const double* x, double* dx, Py_ssize_t n,
                                  double lo, double hi)
    double fa_mish64_fwd(double x)
    void fa_l64_set_mish_prefetch(int on)
    int fa_l64_mish_prefetch_on()
    void fa_mish_deriv_terms(double d, double e, double* pos, double* neg, double* D)
    void fa_mish64_fwd_block(const double* x, double* y, Py_ssize_t n)
    Py_ssize_t fa_mish64_fwd_upto(const double* x, double* y, Py_ssize_t n, double lo, double hi)
    double fa_mish64_bwd(double dy, double x, const double* centre, const double* coef, double c1lo)
    void fa_mish64_bwd_block(const double* dy, const double* x, double* dx, Py_ssize_t n,
                             const double* centre, const double* coef, double c1lo)
    Py_ssize_t fa_mish64_bwd_upto(const double* dy, const double* x, double* dx, Py_ssize_t n,
                                  double lo, double hi, const double* centre, const double* coef,
                                  double c1lo)
