"""The ictgis Processing provider and its setting: the path of the ictgis command."""

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import ALGORITHMS
from .cli import ENV_CLI

#: Name of the Processing setting holding the ictgis command.
SETTING_CLI = "ICTGIS_CLI"


class IctgisProvider(QgsProcessingProvider):
    """Provider ``ictgis``: one algorithm per ictgis command."""

    def load(self):
        """Register the setting (Processing > Options > Providers > ictgis), then the algorithms."""
        from processing.core.ProcessingConfig import ProcessingConfig, Setting

        ProcessingConfig.settingIcons[self.name()] = self.icon()
        ProcessingConfig.addSetting(Setting(
            self.name(), SETTING_CLI,
            self.tr("ictgis command (empty: the environment variable {} or ictgis on PATH)")
            .format(ENV_CLI), "", valuetype=Setting.FILE))
        ProcessingConfig.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self):
        """Remove the setting."""
        from processing.core.ProcessingConfig import ProcessingConfig

        ProcessingConfig.removeSetting(SETTING_CLI)

    def loadAlgorithms(self):  # noqa: N802 (QGIS's name)
        """One algorithm per command."""
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())

    def id(self):
        """``ictgis``: the prefix of the algorithm ids."""
        return "ictgis"

    def name(self):
        """Name in the toolbox."""
        return "ictgis"

    def longName(self):  # noqa: N802 (QGIS's name)
        """Name with what it is."""
        return self.tr("ictgis — telecom-infrastructure GIS")

    def icon(self):
        """The plugin's icon."""
        return QIcon(os.path.join(os.path.dirname(__file__), "icon.svg"))


def configured_cli():
    """The ictgis command from the Processing setting ('' when unset)."""
    try:
        from processing.core.ProcessingConfig import ProcessingConfig
    except ImportError:
        return ""
    return ProcessingConfig.getSetting(SETTING_CLI) or ""
