"""fastact: fast, numerically careful CPU kernels for activations, softmax and losses.

    import fastact as fa
    y = fa.sigmoid(x)
    dx = fa.sigmoid_backward(dy, y)

See SPEC.md / README.md for the full contract.
"""
from fastact._version import __version__
from fastact._common import set_num_threads, get_num_threads, openmp_enabled
from fastact import activations, softmax_family, losses
from fastact.activations import *  # noqa: F401,F403  (names listed in activations.__all__)
from fastact.softmax_family import *  # noqa: F401,F403
from fastact.losses import *  # noqa: F401,F403

__all__ = (["__version__", "set_num_threads", "get_num_threads", "openmp_enabled"]
           + activations.__all__ + softmax_family.__all__ + losses.__all__)
