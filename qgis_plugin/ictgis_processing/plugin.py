"""The plugin object: registers the Processing provider (also under ``qgis_process``)."""

from qgis.core import QgsApplication

from .provider import IctgisProvider


class IctgisPlugin:
    """Adds the ictgis provider to Processing while the plugin is loaded."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 (QGIS's name)
        """Register the provider (called by QGIS, and by ``qgis_process``)."""
        self.provider = IctgisProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 (QGIS's name)
        """Register the provider when the desktop starts."""
        self.initProcessing()

    def unload(self):
        """Remove the provider."""
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
