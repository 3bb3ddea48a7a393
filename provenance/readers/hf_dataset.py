"""Hugging Face ``datasets`` ``save_to_disk`` folders: their splits and the Arrow files that hold each."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from provenance.errors import InputError

STATE_FILE = "state.json"
"""A saved ``Dataset``: ``{"_data_files": [{"filename": "data-00000-of-00002.arrow"}, ...], ...}``, the
Arrow IPC stream files whose rows, concatenated in that order, are the dataset's rows."""
INFO_FILE = "dataset_info.json"
"""Beside ``state.json`` in a saved ``Dataset`` (features, description); alone in a ``load_dataset``
cache folder, beside one ``<builder>-<split>[-NNNNN-of-NNNNN].arrow`` stream file per split shard."""
DATASET_DICT_FILE = "dataset_dict.json"
"""A saved ``DatasetDict``: ``{"splits": ["train", "test"]}``, one saved ``Dataset`` sub-folder per split."""

Part = tuple[Path, str, str]
"""One source of a folder: its path, its name, and its format (``hf-dataset`` or ``arrow``)."""


def dataset_parts(directory: Path, name: str) -> list[Part] | None:
    """The sources of a ``save_to_disk`` folder named ``name``, or ``None`` when it is not one.

    A saved ``Dataset`` (``state.json``) is one ``hf-dataset`` source; a ``DatasetDict`` is one per
    split, named ``name/split``, in the order ``dataset_dict.json`` lists them (as ``load_from_disk``
    reads them); a folder with only ``dataset_info.json`` (a ``load_dataset`` cache) is one ``arrow``
    source per ``.arrow`` file, by name. Raises ``InputError`` for a folder that says it is a dataset
    but whose files are missing or malformed.
    """
    if (directory / STATE_FILE).is_file():
        data_files(directory, name)  # malformed or missing files are told before anything is read
        return [(directory, name, "hf-dataset")]
    if (directory / DATASET_DICT_FILE).is_file():
        parts: list[Part] = []
        for split in _splits(directory, name):
            split_name = f"{name}/{split}"
            found = dataset_parts(directory / split, split_name) if (directory / split).is_dir() else None
            if found is None:
                raise InputError(
                    f"{DATASET_DICT_FILE} lists split {split!r}: no saved dataset there", source=name
                )
            parts.extend(found)
        return parts
    if (directory / INFO_FILE).is_file():
        arrows = sorted(p for p in directory.iterdir() if p.suffix == ".arrow" and p.is_file())
        if not arrows:
            raise InputError(f"a {INFO_FILE} but no {STATE_FILE} and no .arrow files", source=name)
        return [(path, f"{name}/{path.name}", "arrow") for path in arrows]
    return None


def data_files(directory: Path, name: str) -> list[Path]:
    """The Arrow stream files of the saved ``Dataset`` in ``directory``, in row order (``state.json``)."""
    state = _load_json(directory / STATE_FILE, f"{name}/{STATE_FILE}")
    where = f"{name}/{STATE_FILE}"
    if not isinstance(state, dict):
        raise InputError("not a JSON object", source=where)
    if state.get("_indices_data_files"):
        raise InputError(
            "saved with an indices mapping (_indices_data_files, an older `datasets`): its rows are not "
            "the stored rows; save it again after dataset.flatten_indices()",
            source=where,
        )
    entries = state.get("_data_files")
    if not isinstance(entries, list) or not entries:
        raise InputError("no _data_files listed", source=where)
    files: list[Path] = []
    for entry in entries:
        filename = entry.get("filename") if isinstance(entry, dict) else None
        if not isinstance(filename, str) or not _inside(filename):
            raise InputError(f"_data_files entry {entry!r} is not a file name in the folder", source=where)
        path = directory / filename
        if not path.is_file():
            raise InputError(f"the data file {filename} it lists is missing", source=where)
        files.append(path)
    return files


def dataset_files(directory: Path, name: str) -> list[Path]:
    """The files a saved ``Dataset`` is read from (``state.json`` and its data files), sorted."""
    return sorted({directory / STATE_FILE, *data_files(directory, name)})


def _splits(directory: Path, name: str) -> list[str]:
    listing = _load_json(directory / DATASET_DICT_FILE, f"{name}/{DATASET_DICT_FILE}")
    splits = listing.get("splits") if isinstance(listing, dict) else None
    if not isinstance(splits, list) or not all(isinstance(s, str) and _plain(s) for s in splits):
        raise InputError('not {"splits": [split names]}', source=f"{name}/{DATASET_DICT_FILE}")
    return splits


def _load_json(path: Path, where: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"not valid JSON ({err})", source=where) from err


def _plain(name: str) -> bool:
    """A single file or folder name: no separator, not ``.`` or ``..``, not hidden."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _inside(filename: str) -> bool:
    """A relative path that stays inside the folder."""
    parts = PurePosixPath(filename).parts
    return bool(parts) and "\\" not in filename and not filename.startswith("/") and ".." not in parts
