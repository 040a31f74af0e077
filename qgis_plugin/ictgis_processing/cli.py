"""Run the ictgis command as a separate process (no QGIS import: testable on its own).

ictgis is never imported inside QGIS: QGIS's own GDAL and GEOS conflict with those of the
wheels ictgis uses (``shapely.to_wkb`` aborts inside ``qgis_process``). The command runs in a
clean environment (none of QGIS's Python, GDAL or PROJ variables), its output is passed on line
by line, and it is stopped when the user cancels.
"""

import os
import queue
import shutil
import subprocess
import threading
import time

#: Environment variable naming the ictgis command (when the Processing setting is empty).
ENV_CLI = "ICTGIS_CLI"
#: Variables QGIS sets for itself that would make ictgis load QGIS's libraries or data.
QGIS_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "GDAL_DATA", "GDAL_DRIVER_PATH", "PROJ_LIB",
                  "PROJ_DATA", "GDAL_SKIP", "CPL_ZIP_ENCODING", "QGIS_PREFIX_PATH")


class CliNotFoundError(Exception):
    """The ictgis command is not configured and not on PATH."""


def find_cli(configured=""):
    """The ictgis command: the setting, else ``$ICTGIS_CLI``, else ``ictgis`` on PATH.

    Raises
    ------
    CliNotFoundError
        When none of them names an existing command.
    """
    for candidate in (configured, os.environ.get(ENV_CLI, "")):
        if candidate:
            found = shutil.which(candidate) or (candidate if os.path.isfile(candidate) else None)
            if found:
                return found
            raise CliNotFoundError(candidate)
    found = shutil.which("ictgis")
    if not found:
        raise CliNotFoundError("ictgis")
    return found


def child_environment(base=None):
    """The environment of the ictgis process: QGIS's variables removed, UTF-8 output."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if k not in QGIS_VARIABLES}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUTF8"] = "1"
    return env


def command_line(cli, command, *, workspace, out, lang, options=()):
    """``ictgis COMMAND -w WORKSPACE --out OUT --lang LANG [options]`` as an argument list."""
    args = [cli, command, "-w", str(workspace)]
    if out:
        args += ["--out", str(out)]
    return [*args, "--lang", lang, *options]


def run(args, *, on_line, is_canceled, poll_s=0.1):
    """Run ``args``, passing each line of its output to ``on_line(text, is_error)``.

    Parameters
    ----------
    args
        The command line.
    on_line
        Called with each line (without its end) and whether it came on stderr.
    is_canceled
        Polled every ``poll_s`` seconds; when it returns True the process is terminated.

    Returns
    -------
    tuple
        ``(exit status, the last non-empty line of stderr, canceled)``.

    An error line (``Error: ...``) is passed to ``on_line`` only once another line follows it
    on stderr, or the run succeeds: the line that ends a failed run is returned for the caller
    to raise, not shown twice.
    """
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, env=child_environment(),
                               encoding="utf-8", errors="replace")
    lines = queue.Queue()

    def pump(stream, is_error):
        for line in stream:
            lines.put((line.rstrip("\r\n"), is_error))
        lines.put(None)

    threads = [threading.Thread(target=pump, args=(process.stdout, False), daemon=True),
               threading.Thread(target=pump, args=(process.stderr, True), daemon=True)]
    for thread in threads:
        thread.start()
    last_error, held, open_streams, canceled = "", None, len(threads), False
    while open_streams:
        try:
            item = lines.get(timeout=poll_s)
        except queue.Empty:
            item = False
        if item is None:
            open_streams -= 1
        elif item:
            text, is_error = item
            if is_error and text.strip():
                last_error = text.strip()
            if is_error and held is not None:  # more followed: it did not end the run
                on_line(held, True)
                held = None
            if is_error and error_message(text.strip()) != text.strip():
                held = text
            else:
                on_line(text, is_error)
        if not canceled and is_canceled():
            canceled = True
            process.terminate()
            deadline = time.monotonic() + 5
            while process.poll() is None and time.monotonic() < deadline:
                time.sleep(poll_s)
            if process.poll() is None:
                process.kill()
    status = process.wait()
    for thread in threads:
        thread.join()
    process.stdout.close()
    process.stderr.close()
    if held is not None and (status == 0 or canceled):
        on_line(held, True)
    return status, last_error, canceled


def error_message(text):
    """The one-line message of ictgis without its "Error:"/"Lỗi:" prefix."""
    head, sep, rest = text.partition(": ")
    return rest if sep and head.strip() in ("Error", "Lỗi") else text


def written(out):
    """The layers and files under ``out`` (sorted): GeoPackages, GeoTIFFs, the project, files."""
    layers, files = [], []
    for folder, dirs, names in os.walk(out):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            (layers if name.endswith((".gpkg", ".tif")) else files).append(path)
    return layers, files
