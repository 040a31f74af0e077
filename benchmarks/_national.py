"""The SYNTHETIC national set the benchmarks build: :mod:`ictgis.demo.national`, re-exported.

One generator for the benchmarks and ``ictgis demo --scale national``; see that module for
what it builds.
"""

from ictgis.demo.national import (  # noqa: F401
    NEW,
    POSTAL_LABELS,
    WORK_CRS,
    National,
    Scale,
    Written,
    build,
    masts,
    vietnam,
    write_workspace,
)
