"""Deterministic synthetic demo province with the structure of Tiền Giang (2018).

Everything here is made up: the outline, the 11 districts and 172 communes, the postal points,
the BTS sites and the subscriber counts. Only the *structure* is Tiền Giang's (unit counts and
kinds, 2019-census district totals, published areas, the 2018 report's subscriber densities),
so that ``ictgis run`` on the demo workspace gives numbers of the right size. Every frame carries
``ghi_chu`` = :data:`SYNTHETIC_LABEL`. The package is pure: :func:`make_demo` returns frames and
writes nothing; :func:`workspace_files` maps them to the workspace's file names.

One module per layer, in the order :func:`make_demo` builds them:

- ``common``: the label, the CRS, the demo's ``ictgis.toml`` (package data), small helpers;
- ``geometry``: the province outline, districts and communes (with population);
- ``postal``: postal points;
- ``plan``: zones, buffered features and planned sites; ``rules``: those rules as geometry;
- ``bts``: mast attributes and the existing BTS sites, which keep every rule;
- ``examples``: the deliberate errors and breaches of the plan, and the proposals;
- ``subscribers``: subscribers per commune;
- ``province``: :class:`DemoProvince`, :func:`make_demo` and :func:`workspace_files`.
"""

from ictgis.demo.common import DEMO_CONFIG, DEMO_CRS, SYNTHETIC_LABEL
from ictgis.demo.province import DEMO_SEED, DemoProvince, make_demo, workspace_files

__all__ = [
    "DEMO_CONFIG", "DEMO_CRS", "DEMO_SEED", "SYNTHETIC_LABEL", "DemoProvince", "make_demo",
    "workspace_files",
]
