"""ictgis: telecom-infrastructure GIS for provincial planners."""

__version__ = "0.1.0"
