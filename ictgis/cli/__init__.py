"""Command-line interface of ictgis (thin layer over the library)."""
