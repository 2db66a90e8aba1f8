"""fastact: fast, numerically careful CPU kernels for activations, softmax and losses.

    import fastact as fa
    y = fa.sigmoid(x)
    dx = fa.sigmoid_backward(dy, y)

See SPEC.md / README.md for the full contract.
"""
from fastact._version import __version__
try:
    from fastact._common import set_num_threads, get_num_threads, openmp_enabled
except ImportError as exc:  # an unbuilt source checkout shadowing the installed package
    raise ImportError(
        "fastact: the compiled extension modules are missing. This is usually an unbuilt "
        "source checkout on sys.path (e.g. `python -m fastact` run from the repository "
        "root after a plain `pip install .`). Use `pip install -e .` in the checkout, run "
        "from another directory, or build in place with `python setup.py build_ext --inplace`."
    ) from exc
from fastact import activations, softmax_family, losses
from fastact.activations import *  # noqa: F401,F403  (names listed in activations.__all__)
from fastact.softmax_family import *  # noqa: F401,F403
from fastact.losses import *  # noqa: F401,F403

__all__ = (["__version__", "set_num_threads", "get_num_threads", "openmp_enabled"]
           + activations.__all__ + softmax_family.__all__ + losses.__all__)
