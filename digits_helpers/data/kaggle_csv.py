"""Kaggle's CSV format: find it in a data folder, materialise it from the embedded digits,
read and validate it.

``train.csv`` holds a ``label`` column and then ``pixel0``..``pixel783``; ``test.csv`` the
pixel columns only.  A data folder holds the two files, or the competition's download as it
comes (a zip holding them, read in place, never extracted).  A reader's own files are never
modified; errors name the file, the row (and line) and the column, what was expected and what
was found.  What other tools write and means the same is read as it is meant: integral
numbers written as ``5.0``, a UTF-8 byte-order mark, UTF-16 with its byte-order mark (Excel's
"Unicode text", tab-separated), tabs or semicolons instead of commas, blank lines.
"""

from __future__ import annotations

import codecs
import io
import json
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..paths import DATA_DIR_ENV, atomic_write_text, data_dir, setting
from .embedded import embedded_train_test

N_PIXELS = 784
N_CLASSES = 10
NAMES = ("train.csv", "test.csv")
MARKER = ".embedded-csvs.json"  # present only while the embedded CSVs are being put in place


def pixel_columns(n: int = N_PIXELS) -> list[str]:
    return [f"pixel{i}" for i in range(n)]


def side_length(n_pixels: int) -> int:
    """The side of a square image with ``n_pixels`` pixels (784 -> 28)."""
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        raise ValueError(f"{n_pixels} pixels do not form a square image")
    return side


# --------------------------------------------------------------------------- where the files are
@dataclass(frozen=True)
class CsvSource:
    """A CSV file on disk, or a CSV inside a zip archive on disk (``member``)."""

    path: Path
    member: str | None = None

    def __str__(self) -> str:
        return str(self.path) if self.member is None else f"{self.path} ({self.member})"

    @property
    def name(self) -> str:
        return Path(self.member).name if self.member else self.path.name

    def read_bytes(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        try:
            with zipfile.ZipFile(self.path) as archive:
                return archive.read(self.member)
        except (zipfile.BadZipFile, OSError) as err:
            raise ValueError(f"{self.path}: cannot read {self.member} from the archive ({err}); expected a"
                             " zip file such as the competition's download") from None

    def identity(self) -> str:
        """Path, size and modification time (of the archive, for a member) and the member's name."""
        stat = self.path.stat()
        return f"{self.path}{'' if self.member is None else ':' + self.member} {stat.st_size} {stat.st_mtime_ns}"


def _zip_members(archive: Path) -> dict[str, str]:
    """``{"train.csv": member, ...}`` for the CSVs an archive holds (at any depth)."""
    try:
        with zipfile.ZipFile(archive) as z:
            names = [n for n in z.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return {}
    return {Path(n).name: n for n in sorted(names, key=len, reverse=True) if Path(n).name in NAMES}


def find_sources(folder: Path) -> dict[str, CsvSource]:
    """The ``train.csv`` and ``test.csv`` of ``folder`` that exist: the files themselves, else
    ``<name>.zip`` archives of them, else a zip archive holding them (the competition's download)."""
    found: dict[str, CsvSource] = {}
    for name in NAMES:
        if (folder / name).is_file():
            found[name] = CsvSource(folder / name)
        elif (folder / f"{name}.zip").is_file() and name in (members := _zip_members(folder / f"{name}.zip")):
            found[name] = CsvSource(folder / f"{name}.zip", members[name])
    if len(found) < 2 and folder.is_dir():
        for archive in sorted(folder.glob("*.zip")):
            members = _zip_members(archive)
            for name in NAMES:
                if name not in found and name in members:
                    found[name] = CsvSource(archive, members[name])
    return found


# --------------------------------------------------------------------------- materialising
def _recover(folder: Path) -> None:
    """Finish or undo what a run killed while putting the embedded CSVs in place left behind.

    The marker lists the two complete files (their temporary names and sizes) written before
    either was renamed into place: both are put in place if they are still there; a CSV already
    renamed is recognised by its size.  Anything else of the package's is removed.
    """
    marker = folder / MARKER
    try:
        plan = json.loads(marker.read_text())
        staged = {name: (folder / plan[name]["tmp"], int(plan[name]["size"])) for name in NAMES}
    except (OSError, ValueError, KeyError, TypeError):
        marker.unlink(missing_ok=True)
        return
    done = {name: (folder / name).is_file() and (folder / name).stat().st_size == size
            for name, (_, size) in staged.items()}
    if all(done[name] or tmp.is_file() for name, (tmp, _) in staged.items()):
        for name, (tmp, _) in staged.items():
            if not done[name]:
                try:
                    tmp.replace(folder / name)
                except FileNotFoundError:  # another process recovering the same plan got there first
                    pass
    else:  # a staged file is gone: start again from nothing (only files the package wrote)
        for name, (tmp, _) in staged.items():
            tmp.unlink(missing_ok=True)
            if done[name]:
                (folder / name).unlink()
    marker.unlink(missing_ok=True)


def _materialise(folder: Path) -> None:
    """Write the embedded digits as ``train.csv`` and ``test.csv``: both or neither, whenever
    the process is killed (see :func:`_recover`)."""
    for stale in folder.glob(".embedded-*.partial.csv"):  # a run killed before its marker
        stale.unlink(missing_ok=True)
    X, y, X_test = embedded_train_test()
    train = pd.DataFrame(X, columns=pixel_columns(X.shape[1]))
    train.insert(0, "label", y)
    frames = {"train.csv": train, "test.csv": pd.DataFrame(X_test, columns=pixel_columns(X_test.shape[1]))}
    plan = {}
    for name, frame in frames.items():
        tmp = folder / f".embedded-{os.getpid()}-{name[:-4]}.partial.csv"
        frame.to_csv(tmp, index=False)  # complete once the marker names it
        plan[name] = {"tmp": tmp.name, "size": tmp.stat().st_size}
    atomic_write_text(folder / MARKER, json.dumps(plan))
    _recover(folder)
    for entry in plan.values():  # left over when another process's plan was the one carried out
        (folder / entry["tmp"]).unlink(missing_ok=True)


def ensure_csvs(folder: Path | None = None) -> Path:
    """Make sure the data folder holds ``train.csv`` and ``test.csv`` (or an archive of them);
    return the folder.

    Without ``folder``, the folder is ``$DIGITS_DATA_DIR`` when set, which must then be an
    existing folder holding the two files: a misspelt or empty one is an error, never a switch
    to the embedded digits.  Otherwise (the repository's ``data/``, or a ``folder`` passed in)
    the embedded digits are written there when neither file exists.  Existing files are never
    touched; a folder holding only one of the two is an error, since mixing a reader's file
    with an embedded one would give a meaningless split.
    """
    user_set = folder is None and bool(setting(DATA_DIR_ENV))
    folder = Path(folder) if folder is not None else data_dir()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file; expected a folder holding train.csv and test.csv"
                                 + (f" (${DATA_DIR_ENV})" if user_set else ""))
    if (folder / MARKER).exists():
        _recover(folder)
    found = find_sources(folder) if folder.is_dir() else {}
    if len(found) == 2:
        return folder
    if found:
        (have,) = found.values()
        lack = next(name for name in NAMES if name not in found)
        raise FileNotFoundError(
            f"{have} exists but {folder / lack} does not: put both of Kaggle's files in {folder},"
            " or remove the one there to use the embedded MNIST digits"
        )
    if user_set:
        what = "does not exist" if not folder.exists() else "holds neither train.csv nor test.csv (nor a zip of them)"
        raise FileNotFoundError(
            f"${DATA_DIR_ENV}={folder} {what}; expected a folder holding Kaggle's train.csv and test.csv"
            f" (or the competition's zip). Unset {DATA_DIR_ENV} to use the embedded MNIST digits"
        )
    folder.mkdir(parents=True, exist_ok=True)
    _materialise(folder)
    return folder


def csv_sources(folder: Path) -> tuple[CsvSource, CsvSource]:
    """``folder``'s train and test sources (:func:`ensure_csvs` first)."""
    found = find_sources(folder)
    return found["train.csv"], found["test.csv"]


def csv_identity(folder: Path) -> str:
    """The identity of ``folder``'s ``train.csv`` and ``test.csv``: their paths, sizes and
    modification times (what changes when a file is replaced or edited)."""
    return "; ".join(source.identity() for source in csv_sources(folder))


# --------------------------------------------------------------------------- text
def _encoding(raw: bytes) -> str:
    """UTF-16 when ``raw`` starts with its byte-order mark, else UTF-8 (a mark dropped)."""
    return "utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"


def decode_text(where: object, raw: bytes) -> str:
    """``raw`` as text: UTF-8 (a byte-order mark dropped) or UTF-16 with its byte-order mark.

    Raises ``ValueError`` naming ``where``, the line and the byte that is not such text.
    """
    encoding = _encoding(raw)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise ValueError(
            f"{where}: line {line} is not {'UTF-16' if encoding == 'utf-16' else 'UTF-8'} text (byte"
            f" 0x{raw[err.start]:02x} at offset {err.start}); expected UTF-8 text (or UTF-16 with a byte-order"
            " mark, as Excel's \"Unicode text\" saves)"
        ) from None


def _separator(header: str) -> str:
    """The separator of a header line: commas, else tabs (Excel's "Unicode text"), else semicolons."""
    for sep in (",", "\t", ";"):
        if sep in header:
            return sep
    return ","


# --------------------------------------------------------------------------- validation
def _where(row: int) -> str:
    return f"row {row + 1} (line {row + 2})"


def _check_header(path: object, columns: list[str], labelled: bool) -> None:
    expected = (["label"] if labelled else []) + pixel_columns()
    if labelled and "label" not in columns:
        raise ValueError(f"{path}: missing column 'label'; expected it first, then pixel0..pixel783")
    if not labelled and "label" in columns:
        raise ValueError(
            f"{path}: unexpected column 'label' in a test file; expected only pixel0..pixel783"
        )
    if columns == expected:
        return
    n_pixels = len(columns) - labelled
    known = set(expected)
    extra = [c for c in columns if c not in known]
    missing = [c for c in expected if c not in set(columns)]
    if extra and missing:
        position = columns.index(extra[0])
        raise ValueError(
            f"{path}: column {position + 1} is named {extra[0]!r}, expected {expected[position]!r}"
            if position < len(expected) and expected[position] in missing
            else f"{path}: unexpected column {extra[0]!r} and missing column {missing[0]!r}"
        )
    if extra:
        raise ValueError(
            f"{path}: unexpected column {extra[0]!r}; expected {len(expected)} columns"
            f" ({'label, ' if labelled else ''}pixel0..pixel783), found {len(columns)}"
        )
    if missing:
        raise ValueError(
            f"{path}: {n_pixels} pixel columns, expected {N_PIXELS} (28x28 images);"
            f" missing column {missing[0]!r}"
        )
    for i, (got, want) in enumerate(zip(columns, expected, strict=False)):
        if got != want:
            raise ValueError(f"{path}: column {i + 1} is {got!r}, expected {want!r} (columns out of order)")


def _check_values(path: object, frame: pd.DataFrame) -> None:
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_integer_dtype(values):
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        blank = values.isna()
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise ValueError(f"{path}: {_where(row)}, column {column!r} is empty; expected an integer")
        bad = numeric.isna() | (numeric != np.round(numeric))
        if not bad.any():  # integral numbers written as 5.0 (pandas after astype(float), spreadsheets)
            frame[column] = numeric
            continue
        row = int(np.flatnonzero(bad.to_numpy())[0])
        found = values.iloc[row]
        found = found.item() if isinstance(found, np.generic) else found
        raise ValueError(f"{path}: {_where(row)}, column {column!r} holds {found!r}; expected an integer")


def _check_range(path: object, block: pd.DataFrame, lo: int, hi: int) -> None:
    values = block.to_numpy()
    bad = (values < lo) | (values > hi)
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        raise ValueError(
            f"{path}: {_where(row)}, column {block.columns[col]!r} is {values[row, col]};"
            f" expected {lo}-{hi}"
        )


def read_digits_csv(source: CsvSource | Path | str, labelled: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Read and validate a Kaggle digit CSV: pixels as uint8 ``(n, 784)``, labels or ``None``.

    ``source`` is a CSV file or a :class:`CsvSource` (a CSV inside a zip).  Raises
    ``FileNotFoundError`` or ``ValueError`` naming the file, row and column, what was expected
    and what was found.
    """
    if not isinstance(source, CsvSource):
        source = CsvSource(Path(source))
    path = source.path
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; expected Kaggle's {source.name}")
    raw = source.read_bytes() if source.member is not None or path.stat().st_size < 1 << 16 else None
    if raw is not None:
        head = raw[: 1 << 16]
    else:
        with path.open("rb") as stream:
            head = stream.read(1 << 16)
    if not head.strip():
        raise ValueError(f"{source}: the file is empty; expected a header line and data rows")
    plain = not head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    # the separator, from the header line; a byte that is not text is reported by the reading below
    sep = _separator(head.decode(_encoding(head), errors="replace").splitlines()[0])
    try:
        if plain and raw is None:
            try:  # the usual case, at pandas' speed: a UTF-8 file on disk
                frame = pd.read_csv(path, sep=sep)
            except UnicodeDecodeError:
                decode_text(source, path.read_bytes())  # raises, naming the line
                raise
        else:
            text = decode_text(source, raw if raw is not None else path.read_bytes())
            frame = pd.read_csv(io.StringIO(text), sep=sep)
    except pd.errors.EmptyDataError as err:
        raise ValueError(f"{source}: the file is empty; expected a header line and data rows") from err
    except pd.errors.ParserError as err:
        raise ValueError(f"{source}: malformed CSV ({err})") from err
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_header(source, list(frame.columns), labelled)
    if frame.empty:
        raise ValueError(f"{source}: a header but no data rows; expected at least one row")
    _check_values(source, frame)
    _check_range(source, frame[pixel_columns()], 0, 255)
    if labelled:
        _check_range(source, frame[["label"]], 0, N_CLASSES - 1)
    pixels = frame[pixel_columns()].to_numpy(dtype=np.uint8)
    labels = frame["label"].to_numpy(dtype=np.int64) if labelled else None
    return pixels, labels
