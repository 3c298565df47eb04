"""The datasets the project knows, and :func:`iter_pages`, the one way to read any of them.

Each dataset has its own reader module (its :class:`~chromecut.datasets.base.DatasetInfo` sits beside the code
that reads it); this module lists them in one place, in the order reports and ``--datasets`` defaults use.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from chromecut.datasets import (
    chinese_wce,
    cleaneval,
    dragnet,
    htmltotext,
    l3s_gn1,
    msv_big9_chaos,
    own,
    readability,
    trafilatura,
    wcxb,
)
from chromecut.datasets.base import (
    DATASETS_ENV_VAR,
    PAGE_ERRORS,
    DatasetInfo,
    Entry,
    Loader,
    MissingFile,
    Page,
    datasets_root,
)

_READERS: tuple[tuple[DatasetInfo, Loader], ...] = (
    (wcxb.INFO, wcxb.load),
    (readability.INFO, readability.load),
    (trafilatura.INFO, trafilatura.load),
    (dragnet.INFO, dragnet.load),
    (cleaneval.CLEANEVAL, cleaneval.load_cleaneval),
    (l3s_gn1.INFO, l3s_gn1.load),
    (cleaneval.CLEANPORTALEVAL, cleaneval.load_cleanportaleval),
    (msv_big9_chaos.INFO, msv_big9_chaos.load),
    (htmltotext.INFO, htmltotext.load),
    (chinese_wce.INFO, chinese_wce.load),
)

DATASETS: dict[str, DatasetInfo] = {info.name: info for info, _ in _READERS}
_LOADERS: dict[str, Loader] = {info.name: load for info, load in _READERS}
#: The public datasets, which no dataset of your own may be named as.
PUBLIC_DATASETS = frozenset(DATASETS)
#: The folders of the datasets of your own registered in this process (:func:`register_own`).
_OWN_FOLDERS: dict[str, Path] = {}


def register_own(folder: str | os.PathLike[str]) -> DatasetInfo:
    """Make a folder of your own labelled pages (:mod:`chromecut.datasets.own`) a dataset of this process:
    :data:`DATASETS` names it and :func:`iter_pages` reads it from ``folder``. Registering the same folder again
    returns its dataset as registered, without reading the folder again; ``ValueError`` when the folder is no
    such dataset, or its name is a public dataset's or another folder's."""
    path = Path(folder).resolve()
    registered = next((name for name, known in _OWN_FOLDERS.items() if known == path), None)
    if registered is not None:
        return DATASETS[registered]
    info = own.read_info(path)
    if info.name in PUBLIC_DATASETS:
        raise own.OwnDatasetError(f"{path}: {info.name!r} is the name of a public dataset; name yours in "
                                  f"{own.MANIFEST_FILE}")
    known = _OWN_FOLDERS.get(info.name)
    if known is not None and known != path:
        raise own.OwnDatasetError(f"{path}: the dataset name {info.name!r} is already {known}'s")
    DATASETS[info.name] = info
    _LOADERS[info.name] = own.loader(info)
    _OWN_FOLDERS[info.name] = path
    return info


def iter_pages(
    name: str,
    root: str | os.PathLike[str] | None = None,
    errors: list[tuple[str, str]] | None = None,
) -> Iterator[Page]:
    """The pages of dataset ``name``, sorted by page id, built one at a time as they are iterated.

    The name and folder are checked at the call; the files are read when iteration starts, each archive once.

    Parameters
    ----------
    name:
        A key of :data:`DATASETS`.
    root:
        The dataset folder (default: :func:`~chromecut.datasets.base.datasets_root`); a dataset of your own is
        read from the folder it was registered with (:func:`register_own`).
    errors:
        If given, receives ``(page_id, reason)`` for every page that could not be loaded (a missing or broken
        file); such pages are skipped, never raised.

    Raises
    ------
    ValueError
        If ``name`` is no known dataset.
    FileNotFoundError
        If the dataset's folder does not exist.
    """
    loader = _LOADERS.get(name)
    if loader is None:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")
    base = datasets_root(root)
    folder = _OWN_FOLDERS.get(name, base / name)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"dataset folder {folder} not found: put the datasets under {base} or point "
            f"{DATASETS_ENV_VAR} (or the root argument) at the folder that holds them"
        )
    return _build_pages(loader(folder), errors)


def _build_pages(entries: Iterable[Entry], errors: list[tuple[str, str]] | None) -> Iterator[Page]:
    for page_id, build in sorted(entries, key=lambda entry: entry[0]):
        try:
            page = build()
        except MissingFile as exc:
            if errors is not None:
                errors.append((page_id, str(exc)))
            continue
        except PAGE_ERRORS as exc:
            if errors is not None:
                errors.append((page_id, f"{type(exc).__name__}: {exc}"))
            continue
        yield page
