"""Exception and warning types of ictgis."""

from __future__ import annotations


class IctgisError(Exception):
    """Root of every error ictgis raises on purpose.

    The message is a text of the catalogue (:func:`ictgis.i18n.t`), written in the language in
    force where the error is raised; :attr:`message_id` names it.
    """

    @property
    def message_id(self) -> str | None:
        """The catalogue id of the message (None for a text built elsewhere)."""
        return getattr(self.args[0], "id", None) if self.args else None


class ConfigError(IctgisError, ValueError):
    """A workspace configuration (``ictgis.toml``) is missing, malformed or inconsistent."""


class DataError(IctgisError, ValueError):
    """Input data cannot be used.

    Parameters
    ----------
    message
        What is wrong and, where it helps, what to do.
    file
        The file the problem is in.
    row
        1-based row (CSV/XLSX data row) or feature number, when the problem is in one row.
    field
        The column concerned.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        from ictgis.i18n import t

        self.file = file
        self.row = row
        self.field = field
        self.detail = message
        where = ", ".join(
            part
            for part in (
                file,
                t("errors.where.row", row=row) if row is not None else None,
                t("errors.where.column", column=field) if field else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)

    @property
    def message_id(self) -> str | None:
        """The catalogue id of the message (None for a text built elsewhere)."""
        return getattr(self.detail, "id", None)


class CRSMismatchError(DataError):
    """Two layers in one operation are in different coordinate reference systems."""


class OutputsBusyError(IctgisError):
    """Another process is writing the same outputs folder.

    Parameters
    ----------
    target
        The outputs folder.
    holder
        The process id written in the lock file by its holder.
    """

    def __init__(self, target: object, holder: str) -> None:
        from ictgis.i18n import t

        self.target = target
        self.holder = holder
        super().__init__(t("errors.outputs_busy", path=target, pid=holder))


class LayerReadError(IctgisError, OSError):
    """A layer file is missing or cannot be read."""


class SyntheticDataWarning(UserWarning):
    """The data being processed is synthetic (the demo province)."""
