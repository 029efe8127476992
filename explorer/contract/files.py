"""Reading input files and writing outputs without surprises.

Outputs are written only to regular files.  A symlink is followed on
purpose: the file it points to is written and the link stays a link.  A
regular file is replaced atomically, so a reader never sees half of it and a
failed write leaves the old content.  Devices, FIFOs, sockets and directories
are refused with one line before any work is done (:class:`OutputPlan`), so a
bad path costs nothing and two outputs cannot claim the same path.

Inputs (trace files) are read only from regular files and only up to a size
cap, so a symlink to ``/dev/zero`` or a FIFO cannot exhaust memory or block.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from distcheck.contract.errors import BadInput, cannot


def _kind(mode: int) -> str:
    """What a non-regular file is, for a message."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _stat(path: Path, verb: str, named: object) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:  # a path through a file: judged by the folder check
        return None
    except OSError as exc:
        raise cannot(verb, named, exc) from None


def target(path: str | Path) -> Path:
    """The file a write to ``path`` changes: symlinks resolved, deliberately."""
    return Path(os.path.realpath(path))


def _check_folder(folder: Path, option: str, named: object) -> None:
    """BadInput unless ``folder`` is, or can be made, a directory we may write in."""
    existing = folder
    while _stat(existing, "write", named) is None:  # the nearest ancestor that exists
        if existing.parent == existing:
            break
        existing = existing.parent
    st = _stat(existing, "write", named)
    if st is None or not stat.S_ISDIR(st.st_mode):
        raise BadInput(f"cannot write {option} {named}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BadInput(f"cannot write {option} {named}: {existing} is not writable")


def check_output_file(path: str | Path, option: str) -> Path:
    """The regular file that writing ``option`` ``path`` will replace (BadInput if it cannot)."""
    real = target(path)
    st = _stat(real, "write", path)
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            via = f" (the symlink points to {real})" if Path(path).is_symlink() else ""
            raise BadInput(f"cannot write {option} {path}: it is {_kind(st.st_mode)}{via}; "
                           "distcheck writes only regular files, give a file name")
        if not os.access(real, os.W_OK):
            raise BadInput(f"cannot write {option} {path}: the file is not writable")
    _check_folder(real.parent, option, path)  # the atomic replace writes beside the file
    return real


def check_output_dir(path: str | Path, option: str) -> Path:
    """The directory ``option`` writes files into (BadInput if it is not one or not writable)."""
    real = target(path)
    st = _stat(real, "write", path)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise BadInput(f"cannot write {option} {path}: it is {_kind(st.st_mode)}, "
                       "not a directory; give a folder")
    _check_folder(real, option, path)
    return real


def write_atomic(path: str | Path, data: str | bytes, option: str = "") -> Path:
    """Write ``data`` to the regular file at ``path`` (its target, if a symlink) atomically.

    The folder is created when missing; an existing file keeps its permission
    bits, a new one gets the usual 0644 less the umask.  Returns the path
    written (as given, not resolved).  BadInput, with nothing changed, if it fails.
    """
    named = Path(path)
    real = check_output_file(path, option or "to")
    blob = data.encode("utf-8") if isinstance(data, str) else data
    old = _stat(real, "write", path)
    tmp: str | None = None
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        os.chmod(tmp, stat.S_IMODE(old.st_mode) if old is not None else 0o666 & ~_umask())
        os.replace(tmp, real)
        tmp = None
    except OSError as exc:
        raise cannot("write", named, exc) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)  # nothing half-written is left behind
    return named


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_capped(path: str | Path, what: str, cap: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``cap`` of them (BadInput otherwise).

    The file is opened without blocking and checked after opening, so a FIFO
    does not hang the reader and a file swapped for a device in between is
    still refused.
    """
    named = Path(path)
    try:
        fd = os.open(named, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise BadInput(f"{named}: no such {what}") from None
    except OSError as exc:  # a directory on some systems, a path through a file, no permission
        raise cannot("read", named, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BadInput(f"cannot read {named}: it is {_kind(st.st_mode)}, not a {what}; "
                           "give a regular file")
        if st.st_size > cap:
            raise BadInput(f"{named}: {st.st_size:,} bytes is larger than a {what} may be "
                           f"({cap:,} bytes)")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= cap:  # a file that grows while read is still capped
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:
            raise BadInput(f"{named}: larger than a {what} may be ({cap:,} bytes)")
        return b"".join(chunks)
    except OSError as exc:
        raise cannot("read", named, exc) from None
    finally:
        os.close(fd)


class OutputPlan:
    """Every output path of one command, checked before any work and against each other.

    Two outputs that name the same path, or one that would have to be a file
    and a folder at once, are refused with one line naming both options.
    """

    def __init__(self) -> None:
        self._claims: list[tuple[Path, str, bool, object]] = []  # (resolved, option, folder?, named)

    def file(self, path: str | Path, option: str) -> Path:
        real = check_output_file(path, option)
        self._claim(real, option, folder=False, named=path)
        return Path(path)

    def folder(self, path: str | Path, option: str) -> Path:
        real = check_output_dir(path, option)
        self._claim(real, option, folder=True, named=path)
        return Path(path)

    def _claim(self, real: Path, option: str, *, folder: bool, named: object) -> None:
        for other, other_option, other_folder, other_named in self._claims:
            clash = (other == real and not (folder and other_folder)
                     or (not other_folder and other in real.parents)
                     or (not folder and real in other.parents))
            if clash:
                raise BadInput(f"{option} {named} and {other_option} {other_named} would write the "
                               "same path; give them different paths")
        self._claims.append((real, option, folder, named))
