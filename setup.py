"""Build script: render the Tempita templates, cythonize, compile with OpenMP when available.

Environment knobs (for developers):
  FASTACT_ONLY=_softmax,_losses   build only these extension modules
  FASTACT_NO_OPENMP=1             build serially even if the compiler has OpenMP
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from Cython.Tempita import sub as tempita_sub
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.join(HERE, "fastact")

MODULES = ["_common", "_activations", "_softmax", "_losses"]


def render_templates():
    """fastact/X.pyx.tp -> fastact/X.pyx (the rendered file is a build output, not in git)."""
    for name in os.listdir(PKG):
        if not name.endswith(".pyx.tp"):
            continue
        src = os.path.join(PKG, name)
        dst = src[: -len(".tp")]
        with open(src) as f:
            text = tempita_sub(f.read())
        old = None
        if os.path.exists(dst):
            with open(dst) as f:
                old = f.read()
        if old != text:  # keep the mtime when nothing changed, so Cython does not rebuild
            with open(dst, "w") as f:
                f.write(text)


def compiler_has_openmp():
    if os.environ.get("FASTACT_NO_OPENMP"):
        return False
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc.split()[0]) is None:
        return False
    code = "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "t.c")
        with open(src, "w") as f:
            f.write(code)
        try:
            r = subprocess.run(cc.split() + ["-fopenmp", src, "-o", os.path.join(tmp, "t")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        return r.returncode == 0


def extensions():
    openmp = sys.platform != "win32" and compiler_has_openmp()
    compile_args = ["-O3", "-fno-math-errno", "-Wall", "-Wno-unused-function"]
    link_args = []
    if openmp:
        compile_args.append("-fopenmp")
        link_args.append("-fopenmp")
    only = [m for m in os.environ.get("FASTACT_ONLY", "").split(",") if m]
    exts = []
    for mod in MODULES:
        if only and mod not in only:
            continue
        exts.append(Extension(
            f"fastact.{mod}",
            [f"fastact/{mod}.pyx"],
            include_dirs=[np.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=compile_args,
            extra_link_args=link_args,
        ))
    print(f"fastact: building {', '.join(e.name for e in exts)} with OpenMP {'on' if openmp else 'off'}")
    return cythonize(
        exts,
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
            "embedsignature": True,
        },
    )


render_templates()
setup(ext_modules=extensions())
