"""Fetch each source from its URL or from a local mirror laid out like the source.

A mirror is a base path under which every file sits at the same relative path as in the source's
own layout (``core.tasks.SOURCE_LAYOUTS``). The same code path serves the paper (URLs), clusters without internet
(a mirror) and the tests (``../shared/data`` or the generated mini world). What lands under
``resources/<source>/`` keeps that layout, so a finished ``resources/`` folder is itself a mirror.
Every fetched file is checked against the lock file of inputs (``lock.check_or_record``), under
its path in ``resources/``.
"""

from __future__ import annotations

import logging
import shutil
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from align_transfer.core.io import atomic_path
from align_transfer.core.layout import FLORES_TARBALL
from align_transfer.core.state import file_digest
from align_transfer.core.tasks import SOURCE_LAYOUTS
from align_transfer.data.lock import check_or_record

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """A source could not be fetched; the message says which and how to use a mirror."""


sha256sum = file_digest  # what the inputs lock records of each fetched file


def mirror_hint(name: str) -> str:
    layout = SOURCE_LAYOUTS.get(name, "a Hugging Face model folder")
    return (
        f"Without internet, set `sources.{name}.mirror` in the config to a local base path laid "
        f"out like the source ({layout}); see config/README.md, 'Mirrors'."
    )


def revision(name: str, source: dict, fields: dict) -> str | None:
    """The pinned revision of one file: ``source["revision"]``, or its entry for one of the file's
    fields (UD: a commit per treebank); None where the source names none."""
    pinned = source.get("revision")
    if isinstance(pinned, dict):
        return next((pinned[value] for value in fields.values() if value in pinned), None)
    return pinned


def file_url(name: str, source: dict, fields: dict) -> str:
    """The URL of one file: the source's template filled with the file's fields and revision."""
    if "{revision}" in source["url"] and not revision(name, source, fields):
        raise SourceError(
            f"source '{name}': `sources.{name}.revision` names no revision for {fields}; the URL "
            f"{source['url']} needs one (a commit)"
        )
    return source["url"].format(**fields, revision=revision(name, source, fields))


def _copy_with_progress(response, out, url: str, total: str | None, every: int = 64 << 20) -> None:
    done, next_report = 0, every
    while block := response.read(1 << 20):
        out.write(block)
        done += len(block)
        if done >= next_report:
            log.info("%s: %d MiB of %s", url, done >> 20, f"{int(total) >> 20} MiB" if total else "?")
            next_report += every


def download_url(url: str, dest, *, retries: int, backoff: float, timeout: float, name: str) -> None:
    """Stream ``url`` into ``dest``, retrying with exponential back-off."""
    request = urllib.request.Request(url, headers={"User-Agent": "align-transfer-workflow"})
    for attempt in range(1, retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
                _copy_with_progress(response, out, url, response.headers.get("Content-Length"))
            return
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
            log.warning("source %s: attempt %d/%d for %s failed: %s", name, attempt, retries, url, error)
            if attempt == retries:
                raise SourceError(
                    f"source '{name}' failed: could not download {url} after {retries} attempts "
                    f"({error}). {mirror_hint(name)}"
                ) from error
            time.sleep(backoff * 2 ** (attempt - 1))


def lock_files(lock, files: dict[str, Path], origins: dict[str, str]) -> None:
    """Check ``{name under resources/: fetched file}`` against the lock file (when there is one)."""
    if lock:
        recorded = check_or_record(lock, {name: sha256sum(path) for name, path in files.items()}, origins)
        if recorded:
            log.info("recorded in %s: %s", lock, ", ".join(recorded))


def fetch_location(name: str, location: str, dest, download: dict, *, key: str, lock=None) -> None:
    """Fetch one file from a URL (``scheme://...``) or a local path into ``dest``, atomically.

    ``key`` is the file's path under ``resources/``, by which the lock file knows it.
    """
    with atomic_path(dest) as tmp:
        if "://" in location:
            download_url(location, tmp, name=name, **download)
            log.info("downloaded %s", location)
        else:
            if not Path(location).is_file():
                raise SourceError(f"source '{name}': {location} does not exist")
            shutil.copyfile(location, tmp)
            log.info("copied %s", location)
        lock_files(lock, {key: tmp}, {key: location})


def fetch_file(name: str, source: dict, fields: dict, dest, download: dict, lock=None) -> None:
    """Fetch one file of source ``name`` (its layout filled with ``fields``) into ``dest``."""
    relpath = SOURCE_LAYOUTS[name].format(**fields)
    if source.get("mirror"):
        location = str(Path(source["mirror"]) / relpath)
        if not Path(location).is_file():
            raise SourceError(
                f"source '{name}': {location} is missing from the mirror {source['mirror']} "
                f"(a mirror holds the source's layout: {SOURCE_LAYOUTS[name]})"
            )
    else:
        location = file_url(name, source, fields)
    fetch_location(name, location, dest, download, key=f"{name}/{relpath}", lock=lock)


def fetch_flores(source: dict, codes, splits, dest_root, download: dict, lock=None) -> None:
    """Fetch FLORES-200 files ``{split}/{code}.{split}`` into ``dest_root`` (the tarball's tree)."""
    relpaths = [SOURCE_LAYOUTS["flores"].format(split=s, code=code) for s in splits for code in codes]
    dest_root = Path(dest_root)
    with atomic_path(dest_root) as tmp_root:
        if source.get("mirror"):
            origins = {}
            for relpath in relpaths:
                origin = Path(source["mirror"]) / relpath
                if not origin.is_file():
                    raise SourceError(
                        f"source 'flores': {origin} is missing from the mirror {source['mirror']} "
                        f"(a mirror holds the extracted tarball's tree: {SOURCE_LAYOUTS['flores']})"
                    )
                (tmp_root / relpath).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(origin, tmp_root / relpath)
                origins[f"flores/{relpath}"] = str(origin)
            lock_files(lock, {key: tmp_root / key.removeprefix("flores/") for key in origins}, origins)
        else:
            tmp_root.mkdir(parents=True)
            tarball = tmp_root / FLORES_TARBALL
            download_url(source["url"], tarball, name="flores", **download)
            lock_files(lock, {f"flores/{FLORES_TARBALL}": tarball}, {f"flores/{FLORES_TARBALL}": source["url"]})
            with tarfile.open(tarball) as archive:
                wanted = set(relpaths)
                members = [m for m in archive.getmembers() if m.name in wanted and m.isfile()]
                missing = wanted - {m.name for m in members}
                if missing:
                    raise SourceError(f"source 'flores': {source['url']} lacks {sorted(missing)} as regular files")
                archive.extractall(tmp_root, members=members, filter="data")
            tarball.unlink()
        log.info("fetched %d FLORES-200 files", len(relpaths))


ENCODER_FILES = ["*.json", "*.safetensors", "*.model", "vocab.txt"]


def fetch_encoder(encoder: dict, dest, lock=None, key: str = "encoders/encoder") -> None:
    """Fetch a Hugging Face encoder folder: a hub snapshot at a pinned revision, or a local mirror folder.

    Only safetensors weights, configs and tokenizer files are taken: no pickled weights. The lock
    file knows each file as ``{key}/{file}``.
    """
    with atomic_path(dest) as tmp:
        if encoder.get("mirror"):
            origin = Path(encoder["mirror"])
            if not (origin / "config.json").is_file():
                raise SourceError(f"encoder mirror {origin} is not a Hugging Face model folder (no config.json)")
            shutil.copytree(origin, tmp, ignore=shutil.ignore_patterns("*.bin", "*.pt", "*.h5", "*.msgpack"))
            where = str(origin)
        else:
            from huggingface_hub import snapshot_download

            where = f"{encoder['hub_id']}@{encoder['revision']}"
            try:
                snapshot_download(
                    encoder["hub_id"], revision=encoder["revision"], local_dir=tmp, allow_patterns=ENCODER_FILES
                )
            except Exception as error:  # the hub client raises many types for "offline"
                raise SourceError(
                    f"source 'encoder' failed: could not download {where} from the hub ({error}). Without "
                    "internet, set the encoder's `mirror` (`encoders[].mirror`) to a local Hugging Face model folder; see config/README.md, 'Mirrors'."
                ) from error
            shutil.rmtree(tmp / ".cache", ignore_errors=True)
            if not list(tmp.glob("*.safetensors")):
                raise SourceError(f"encoder {where} has no safetensors weights")
        files = {f"{key}/{p.relative_to(tmp)}": p for p in sorted(tmp.rglob("*")) if p.is_file()}
        lock_files(lock, files, {name: f"{where}/{name.split('/', 1)[1]}" for name in files})
