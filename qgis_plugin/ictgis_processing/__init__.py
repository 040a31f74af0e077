"""QGIS plugin: the ictgis Processing provider (``ictgis:run``, ``ictgis:stats``, ...)."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    """QGIS's entry point: the plugin object."""
    from .plugin import IctgisPlugin

    return IctgisPlugin(iface)
