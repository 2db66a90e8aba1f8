# Cython view of _vecmath.h: branch-free exp/expm1/log1p that vectorise.
# (Accuracy bounds are documented in the header.)
cdef extern from "_vecmath.h" nogil:
    const int FA_HAS_HW_FMA
    double fa_exp(double x)
    double fa_exp_lean(double x)
    double fa_exp_dd(double x, double* lo)
    double fa_expm1(double x)
    double fa_expm1_nonpos(double x)
    double fa_log1p(double x)
    double fa_log1p_unit(double x)
    double fa_log(double x)
    double fa_log_reduced(double u, double c, double kadj)
    float fa_expf(float x)
    float fa_expm1f(float x)
    float fa_expm1f_nonpos(float x)
    float fa_log1pf(float x)
    float fa_logf(float x)
    float fa_log1pf_unit(float x)
